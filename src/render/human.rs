//! rustc-style reports with code frames, through miette's graphical handler.

use std::cell::Cell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use owo_colors::{OwoColorize, Style};

use super::snippet::Snippet;
use super::{Finding, Summary, concise, escape, plural};
use crate::diagnostic::{Diagnostic, Elsewhere, ObjectRef, Severity};
use crate::source::{SourceFile, Span};

/// The width prose wraps to when the terminal's is unknown (output to a pipe or a file).
pub const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, wrapped prose would be a column of single words.
const MIN_WIDTH: usize = 20;

/// One report for miette: a finding, or a config error.
struct Report<'a> {
    code: Option<String>,
    severity: miette::Severity,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<LabeledSpan>,
    source: &'a Snippet<'a>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// The width human output wraps prose to: `COLUMNS` when set to a number, else the width of
/// the terminal standard output is, else [`DEFAULT_WIDTH`].
pub fn terminal_width() -> usize {
    width_from(std::env::var("COLUMNS").ok().as_deref(), || {
        terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
    })
}

fn width_from(columns: Option<&str>, terminal: impl FnOnce() -> Option<usize>) -> usize {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w > 0)
        .or_else(terminal)
        .filter(|&w| w > 0)
        .map_or(DEFAULT_WIDTH, |w| w.max(MIN_WIDTH))
}

fn handler(color: bool, width: usize) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(width)
}

thread_local! {
    /// Set while miette renders, so a panic there is reported as a plain-text finding and
    /// not also as a crash on standard error.
    static RENDERING: Cell<bool> = const { Cell::new(false) };
}

fn quiet_panics_while_rendering() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !RENDERING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Renders one report; `None` when miette fails or panics, so the caller falls back to text.
fn render_report(handler: &GraphicalReportHandler, report: &Report<'_>) -> Option<String> {
    quiet_panics_while_rendering();
    RENDERING.with(|r| r.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut out = String::new();
        handler.render_report(&mut out, report).ok().map(|()| out)
    }));
    RENDERING.with(|r| r.set(false));
    result.ok().flatten()
}

/// A config file error, framed like a finding.
pub fn render_error(source: &SourceFile, span: Span, message: &str, color: bool) -> String {
    let snippet = Snippet::new(source, &[span]);
    let message = escape(message);
    let report = Report {
        code: None,
        severity: miette::Severity::Error,
        message: &message,
        help: None,
        labels: vec![LabeledSpan::new_primary_with_span(None, snippet.span(span))],
        source: &snippet,
    };
    let rendered = (!source.text.is_empty())
        .then(|| render_report(&handler(color, terminal_width()), &report))
        .flatten();
    rendered.unwrap_or_else(|| format!("error: {}: {message}\n", escape(&source.name)))
}

/// `namespace/name`, or just the name when the object has no namespace.
pub fn object_name(object: &ObjectRef) -> Option<String> {
    let name = object.name.as_deref()?;
    Some(match object.namespace.as_deref() {
        Some(namespace) => escape(&format!("{namespace}/{name}")).into_owned(),
        None => escape(name).into_owned(),
    })
}

/// How many inputs the not-linted block lists before it only counts the rest.
const NOT_LINTED_SHOWN: usize = 10;

/// The files and DaemonSets not linted (DS009 notes), once for the run: one line each, with
/// each distinct way out once. A chart's templates are expected not to parse, so a code frame
/// per template would bury the findings.
pub fn not_linted_block(skipped: &[&Finding], color: bool) -> String {
    let Some(first) = skipped.first() else {
        return String::new();
    };
    let style = if color {
        Style::new().cyan().bold()
    } else {
        Style::new()
    };
    let mut out = format!(
        "{}: {} not linted\n",
        format!("{}({})", first.code, first.name).style(style),
        skipped.len()
    );
    for f in skipped.iter().take(NOT_LINTED_SHOWN) {
        out.push_str(&format!("  {}\n", concise::untagged(f)));
    }
    if skipped.len() > NOT_LINTED_SHOWN {
        out.push_str(&format!(
            "  ... and {} more (`--format concise` lists every one)\n",
            skipped.len() - NOT_LINTED_SHOWN
        ));
    }
    let mut helps: Vec<&str> = Vec::new();
    for help in skipped.iter().filter_map(|f| f.help.as_deref()) {
        if !helps.contains(&help) {
            helps.push(help);
        }
    }
    for help in helps {
        out.push_str(&format!("  help: {}\n", escape(help)));
    }
    out.push('\n');
    out
}

/// What the linter needs to render code frames while each file's source is at hand.
pub fn output(color: bool, width: usize) -> crate::lint::Output {
    crate::lint::Output::Human {
        color,
        width,
        render: render_file,
    }
}

/// The code frames of one file's findings, prose wrapped to `width` columns.
pub fn render_file(
    source: &SourceFile,
    diagnostics: &[Diagnostic],
    color: bool,
    width: usize,
) -> String {
    let handler = handler(color, width);
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render_diagnostic(&handler, source, d));
        out.push('\n');
    }
    out
}

fn render_diagnostic(
    handler: &GraphicalReportHandler,
    source: &SourceFile,
    d: &Diagnostic,
) -> String {
    let spans: Vec<Span> = std::iter::once(d.span)
        .chain(d.related.iter().map(|(span, _)| *span))
        .map(|s| source.trim_end(s))
        .collect();
    let snippet = Snippet::new(source, &spans);
    let label = |text: &str| escape(text).into_owned();
    let primary =
        LabeledSpan::new_primary_with_span(d.label.as_deref().map(label), snippet.span(spans[0]));
    let related = d.related.iter().zip(&spans[1..]).map(|((_, text), span)| {
        LabeledSpan::new_with_span(Some(label(text)), snippet.span(*span))
    });
    let message = escape(&d.message);
    let help = d.help.as_deref().map(escape);
    let report = Report {
        code: Some(match d.object.as_ref().and_then(object_name) {
            Some(object) => format!(
                "{}({}){} {object}",
                d.rule.code,
                d.rule.name,
                fix_marker(d, source)
            ),
            None => format!("{}({}){}", d.rule.code, d.rule.name, fix_marker(d, source)),
        }),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        },
        message: &message,
        help: help.as_deref(),
        labels: std::iter::once(primary).chain(related).collect(),
        source: &snippet,
    };
    let mut out = render_report(handler, &report).unwrap_or_else(|| plain(source, d));
    for e in &d.elsewhere {
        out.push_str(&elsewhere_frame(e));
    }
    out
}

/// A label in another file, framed the way rustc frames one (`::: file:line:col`), below the
/// finding's own frame: the line it is on, underlined, with its text.
fn elsewhere_frame(e: &Elsewhere) -> String {
    let source = &e.source;
    let start = source.position(e.span.start);
    let end = source.end_position(e.span);
    let text = source
        .text
        .get(source.line_range(start.line - 1))
        .unwrap_or_default()
        .trim_end_matches(['\n', '\r']);
    let shown: String = text
        .chars()
        .map(|c| escape(&c.to_string()).into_owned())
        .collect();
    // Escaping widens a character; count the escaped width up to the label.
    let before: usize = text
        .chars()
        .take(start.column - 1)
        .map(|c| escape(&c.to_string()).chars().count())
        .sum();
    let last = if end.line == start.line {
        end.column
    } else {
        text.chars().count() + 1
    };
    let width: usize = text
        .chars()
        .skip(start.column - 1)
        .take(last.saturating_sub(start.column))
        .map(|c| escape(&c.to_string()).chars().count())
        .sum();
    let number = start.line.to_string();
    let pad = " ".repeat(number.len());
    format!(
        "{pad} ::: {}:{}:{}\n{pad}  │\n {number} │ {shown}\n{pad}  │ {}{} {}\n",
        escape(&source.name),
        start.line,
        start.column,
        " ".repeat(before),
        "^".repeat(width.max(1)),
        escape(&e.message)
    )
}

/// A finding without its frame, for when miette cannot draw one.
fn plain(source: &SourceFile, d: &Diagnostic) -> String {
    let at = source.position(d.span.start);
    format!(
        "{}[{}]: {}\n  --> {}:{}:{}\n",
        d.severity.as_str(),
        d.rule.code,
        escape(&d.message),
        escape(&source.name),
        at.line,
        at.column
    )
}

/// `[*]` after the code of a finding `--fix` can fix, as ruff marks them.
fn fix_marker(d: &Diagnostic, source: &SourceFile) -> &'static str {
    let safe = d.fix.as_ref().is_some_and(|f| {
        f.applicability == crate::fix::Applicability::Safe && f.edits(&source.text).is_some()
    });
    if safe { " [*]" } else { "" }
}

pub fn summary_line(summary: &Summary, failures: usize, color: bool) -> String {
    let style = |s: Style| if color { s } else { Style::new() };
    let mut parts = Vec::new();
    if summary.errors > 0 {
        parts.push(
            plural(summary.errors, "error")
                .style(style(Style::new().red().bold()))
                .to_string(),
        );
    }
    if summary.warnings > 0 {
        parts.push(
            plural(summary.warnings, "warning")
                .style(style(Style::new().yellow().bold()))
                .to_string(),
        );
    }
    if summary.notes > 0 {
        parts.push(
            plural(summary.notes, "note")
                .style(style(Style::new().cyan()))
                .to_string(),
        );
    }
    let found = if parts.is_empty() {
        "No problems found"
            .style(style(Style::new().green().bold()))
            .to_string()
    } else {
        format!("Found {}", parts.join(", "))
    };
    // Which DaemonSets need work, not how many findings each has.
    let daemonsets = if parts.is_empty() || summary.daemonsets == 0 {
        plural(summary.daemonsets, "DaemonSet")
    } else {
        format!(
            "{} of {}",
            summary.daemonsets_with_findings,
            plural(summary.daemonsets, "DaemonSet")
        )
    };
    let mut line = format!(
        "{found} in {daemonsets} ({}, {} checked)",
        plural(summary.documents, "document"),
        plural(summary.files, "file"),
    );
    if summary.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", summary.suppressed));
    }
    if summary.not_linted > 0 {
        line.push_str(&format!(
            "; {} not linted (unrendered templates)",
            summary.not_linted
        ));
    }
    if summary.partial > 0 {
        line.push_str(&format!(
            "; {} skipped (lint `kustomize build` output instead)",
            plural(summary.partial, "kustomize patch")
        ));
    }
    if failures > 0 {
        line.push_str(&format!(
            "; {} could not be read",
            plural(failures, "input")
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{DEFAULT_WIDTH, elsewhere_frame, width_from};
    use crate::diagnostic::Elsewhere;
    use crate::source::{SourceFile, Span};

    #[test]
    fn a_label_in_another_file_is_framed_under_its_escaped_text() {
        let text = "a:\n\tcpu: 200m\n";
        let at = text.find("200m").unwrap_or_default();
        let label = Elsewhere {
            source: Arc::new(SourceFile::new("values.yaml".into(), text.into())),
            span: Span::new(at, at + 4),
            message: "value from `.Values.cpu`".into(),
        };
        assert_eq!(
            elsewhere_frame(&label),
            "  ::: values.yaml:2:7\n   │\n 2 │ \\tcpu: 200m\n   │        ^^^^ value from `.Values.cpu`\n"
        );
    }

    #[test]
    fn width_comes_from_columns_then_the_terminal() {
        assert_eq!(width_from(Some("132"), || Some(80)), 132);
        assert_eq!(width_from(Some("wide"), || Some(80)), 80);
        assert_eq!(width_from(Some("0"), || None), DEFAULT_WIDTH);
        assert_eq!(width_from(None, || None), DEFAULT_WIDTH);
        assert_eq!(width_from(Some("3"), || None), 20);
    }
}
