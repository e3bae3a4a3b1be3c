//! One file through the pipeline (read, load, check, resolve positions, render), and many
//! files across threads with results kept in input order.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::diagnostic::Diagnostic;
use crate::engine::{self, Rule};
use crate::loader;
use crate::render::{self, Finding};
use crate::rules::{self, ds001_yaml_syntax};
use crate::settings::Settings;
use crate::source::{SourceFile, Span};

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
    pub diagnostics: Vec<Finding>,
    /// Human rendering of the findings, when asked for.
    pub rendered: String,
}

pub struct Linter {
    output: Output,
    settings: Settings,
    rules: &'static [&'static dyn Rule],
}

impl Linter {
    pub fn new(output: Output) -> Linter {
        Linter {
            output,
            settings: Settings::default(),
            rules: rules::CHECKS,
        }
    }

    pub fn with_settings(self, settings: Settings) -> Linter {
        Linter { settings, ..self }
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
                self.finish(&source, vec![d], 0, 0)
            }
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let source = SourceFile::new(name, text);
                let d =
                    ds001_yaml_syntax::diagnostic(Span::new(at, at), "the file is not UTF-8 text");
                self.finish(&source, vec![d], 0, 0)
            }
        }
    }

    pub fn lint_source(&self, source: SourceFile) -> FileReport {
        let loaded = loader::load(&source);
        let mut diagnostics = loaded.diagnostics;
        for ds in &loaded.daemonsets {
            diagnostics.extend(engine::run(ds, self.rules, &self.settings));
        }
        self.finish(
            &source,
            diagnostics,
            loaded.documents,
            loaded.daemonsets.len(),
        )
    }

    fn finish(
        &self,
        source: &SourceFile,
        mut diagnostics: Vec<Diagnostic>,
        documents: usize,
        daemonsets: usize,
    ) -> FileReport {
        diagnostics.sort_by(|a, b| {
            (a.span.start, a.rule.code, a.span.end).cmp(&(b.span.start, b.rule.code, b.span.end))
        });
        let rendered = match self.output {
            Output::Human { color } => render::human::render_file(source, &diagnostics, color),
            Output::Data => String::new(),
        };
        FileReport {
            name: source.name.clone(),
            documents,
            daemonsets,
            diagnostics: diagnostics
                .iter()
                .map(|d| Finding::resolve(d, source))
                .collect(),
            rendered,
        }
    }
}
