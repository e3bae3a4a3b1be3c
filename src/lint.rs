//! One file through the pipeline (read, load, check, resolve positions, render), and many
//! files across threads with results kept in input order.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::config::{Config, Effective, Level};
use crate::diagnostic::{Diagnostic, ObjectRef};
use crate::engine::{self, Rule};
use crate::loader;
use crate::render::{self, Finding};
use crate::rules::{self, ds001_yaml_syntax};
use crate::source::{SourceFile, Span};
use crate::suppress::{self, Applied, Suppression};

/// What the caller will print, so workers only do the work it needs.
#[derive(Clone, Copy, Debug)]
pub enum Output {
    /// Code frames rendered while the source is at hand.
    Human { color: bool },
    /// Findings only (concise, JSON).
    Data,
}

/// Something to lint.
#[derive(Clone, Debug)]
pub enum Input {
    File { path: PathBuf, display: String },
    Stdin { display: String },
}

impl Input {
    pub fn display(&self) -> &str {
        match self {
            Input::File { display, .. } | Input::Stdin { display } => display,
        }
    }
}

#[derive(Debug, Default)]
pub struct FileReport {
    pub name: String,
    pub documents: usize,
    pub daemonsets: usize,
    /// Kustomize patch fragments recognised and not linted.
    pub partial: usize,
    /// The DaemonSets linted, for reports that list what passed.
    pub objects: Vec<ObjectRef>,
    pub diagnostics: Vec<Finding>,
    /// Findings a suppression hid, each with how it was suppressed.
    pub suppressed: Vec<Finding>,
    /// Human rendering of the findings, when asked for.
    pub rendered: String,
}

pub struct Linter {
    output: Output,
    config: Config,
    show_suppressed: bool,
    rules: &'static [&'static dyn Rule],
}

impl Linter {
    /// A linter with the default configuration.
    pub fn new(output: Output) -> Linter {
        Linter::with_config(output, Config::default(), false)
    }

    pub fn with_config(output: Output, config: Config, show_suppressed: bool) -> Linter {
        Linter {
            output,
            config,
            show_suppressed,
            rules: rules::CHECKS,
        }
    }

    /// Lints every input on all cores; results come back in input order. An input that
    /// cannot be read yields its error message instead of a report.
    pub fn lint_all(&self, inputs: &[Input]) -> Vec<Result<FileReport, String>> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(inputs.len().max(1));
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<FileReport, String>>>> =
            Mutex::new((0..inputs.len()).map(|_| None).collect());
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else { break };
                        let result = self.lint_input(input);
                        if let Ok(mut slots) = results.lock() {
                            slots[i] = Some(result);
                        }
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err("internal error: input not processed".into())))
            .collect()
    }

    pub fn lint_input(&self, input: &Input) -> Result<FileReport, String> {
        let bytes = match input {
            Input::File { path, display } => {
                std::fs::read(path).map_err(|e| format!("{display}: cannot read: {e}"))?
            }
            Input::Stdin { display } => {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
                    .map_err(|e| format!("{display}: cannot read standard input: {e}"))?;
                buf
            }
        };
        Ok(self.lint_bytes(input.display().to_owned(), bytes))
    }

    /// Lints raw bytes: text that is not UTF-8, or is binary, is a DS001 finding.
    pub fn lint_bytes(&self, name: String, bytes: Vec<u8>) -> FileReport {
        match String::from_utf8(bytes) {
            Ok(text) if !text.contains('\0') => self.lint_source(SourceFile::new(name, text)),
            Ok(text) => {
                let at = text.find('\0').unwrap_or(0);
                let source = SourceFile::new(name, text);
                let d = ds001_yaml_syntax::diagnostic(
                    Span::new(at, at),
                    "the file is binary (it contains a NUL byte)",
                );
                self.finish(&source, vec![d], Vec::new(), 0, 0)
            }
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let source = SourceFile::new(name, text);
                let d =
                    ds001_yaml_syntax::diagnostic(Span::new(at, at), "the file is not UTF-8 text");
                self.finish(&source, vec![d], Vec::new(), 0, 0)
            }
        }
    }

    pub fn lint_source(&self, source: SourceFile) -> FileReport {
        let loaded = loader::load(&source);
        let comments = suppress::comments(&source);
        let mut sorted = Sorted::default();
        let file = self.config.effective(&source.name, None);
        for d in loaded.diagnostics {
            sorted.place(d, &file, &source, &comments, &[]);
        }
        for ds in &loaded.daemonsets {
            let object = engine::object_ref(ds);
            let key = format!(
                "{}/{}",
                object.namespace.as_deref().unwrap_or("default"),
                object.name.as_deref().unwrap_or_default()
            );
            let effective = self.config.effective(&source.name, Some(&key));
            let annotations = suppress::annotations(ds);
            for d in engine::run(ds, self.rules, &effective.settings) {
                sorted.place(d, &effective, &source, &comments, &annotations);
            }
            for s in &annotations {
                for mut d in hygiene(s) {
                    d.object = Some(object.clone());
                    sorted.place(d, &effective, &source, &[], &[]);
                }
            }
        }
        for s in &comments {
            for d in hygiene(s) {
                sorted.place(d, &file, &source, &[], &[]);
            }
        }
        let mut report = self.finish(
            &source,
            sorted.kept,
            sorted.suppressed,
            loaded.documents,
            loaded.daemonsets.len(),
        );
        report.partial = loaded.partial;
        report.objects = loaded.daemonsets.iter().map(engine::object_ref).collect();
        report
    }

    fn finish(
        &self,
        source: &SourceFile,
        mut diagnostics: Vec<Diagnostic>,
        mut suppressed: Vec<(Diagnostic, Applied)>,
        documents: usize,
        daemonsets: usize,
    ) -> FileReport {
        let order = |d: &Diagnostic| (d.span.start, d.rule.code, d.span.end);
        diagnostics.sort_by_key(order);
        suppressed.sort_by_key(|(d, _)| order(d));
        // Read once per run: every file wraps to the same width.
        static WIDTH: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        let width = *WIDTH.get_or_init(render::human::terminal_width);
        let rendered = match self.output {
            Output::Human { color } if self.show_suppressed => {
                let mut all: Vec<Diagnostic> = diagnostics.clone();
                all.extend(suppressed.iter().map(|(d, applied)| {
                    let mut d = d.clone();
                    d.message = format!("{} {}", d.message, applied.describe());
                    d
                }));
                all.sort_by_key(order);
                render::human::render_file(source, &all, color, width)
            }
            Output::Human { color } => {
                render::human::render_file(source, &diagnostics, color, width)
            }
            Output::Data => String::new(),
        };
        FileReport {
            name: source.name.clone(),
            documents,
            daemonsets,
            partial: 0,
            objects: Vec::new(),
            diagnostics: diagnostics
                .iter()
                .map(|d| Finding::resolve(d, source))
                .collect(),
            suppressed: suppressed
                .iter()
                .map(|(d, applied)| {
                    let mut f = Finding::resolve(d, source);
                    f.suppression = Some(applied.clone());
                    f
                })
                .collect(),
            rendered,
        }
    }
}

/// Findings sorted into those reported and those a suppression hid.
#[derive(Default)]
struct Sorted {
    kept: Vec<Diagnostic>,
    suppressed: Vec<(Diagnostic, Applied)>,
}

impl Sorted {
    /// Applies the configured level, then the suppressions.
    fn place(
        &mut self,
        mut d: Diagnostic,
        effective: &Effective,
        source: &SourceFile,
        comments: &[Suppression],
        annotations: &[Suppression],
    ) {
        match effective.level(d.rule) {
            Some(Level::Off) => return,
            Some(Level::On(severity)) => d.severity = severity,
            None => {}
        }
        if comments.is_empty() && annotations.is_empty() {
            self.kept.push(d);
            return;
        }
        let line = source.position(d.span.start).line;
        match suppress::find(comments.iter().chain(annotations), d.rule.code, line) {
            Some(s) => self.suppressed.push((d, s.applied())),
            None => self.kept.push(d),
        }
    }
}

/// DS901 and DS902 for one suppression, once every finding has had its chance to use it.
fn hygiene(s: &Suppression) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !s.used.get() {
        out.push(rules::ds901_unused_suppression::diagnostic(s));
    }
    if s.reason.is_none() && s.unknown.is_empty() {
        out.push(rules::ds902_suppression_without_reason::diagnostic(s));
    }
    out
}
