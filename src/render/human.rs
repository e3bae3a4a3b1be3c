//! rustc-style reports with code frames, through miette's graphical handler.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode, SourceSpan,
};
use owo_colors::{OwoColorize, Style};

use super::{Summary, plural};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};

/// One report for miette: a finding, or a config error.
struct Report<'a> {
    code: Option<String>,
    severity: miette::Severity,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<LabeledSpan>,
    source: &'a NamedSource<String>,
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

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

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

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
}

fn named(source: &SourceFile) -> NamedSource<String> {
    NamedSource::new(&source.name, source.text.clone()).with_language("yaml")
}

/// A config file error, framed like a finding.
pub fn render_error(source: &SourceFile, span: Span, message: &str, color: bool) -> String {
    let named = named(source);
    let report = Report {
        code: None,
        severity: miette::Severity::Error,
        message,
        help: None,
        labels: vec![LabeledSpan::new_primary_with_span(None, source_span(span))],
        source: &named,
    };
    let mut out = String::new();
    if source.text.is_empty() || handler(color).render_report(&mut out, &report).is_err() {
        return format!("error: {}: {message}\n", source.name);
    }
    out
}

pub fn render_file(source: &SourceFile, diagnostics: &[Diagnostic], color: bool) -> String {
    if diagnostics.is_empty() {
        return String::new();
    }
    let handler = handler(color);
    let named = named(source);
    let mut out = String::new();
    for d in diagnostics {
        let primary = LabeledSpan::new_primary_with_span(d.label.clone(), source_span(d.span));
        let related = d.related.iter().map(|(span, label)| {
            LabeledSpan::new_with_span(Some(label.clone()), source_span(*span))
        });
        let report = Report {
            code: Some(format!(
                "{}({}){}",
                d.rule.code,
                d.rule.name,
                fix_marker(d, source)
            )),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Note => miette::Severity::Advice,
            },
            message: &d.message,
            help: d.help.as_deref(),
            labels: std::iter::once(primary).chain(related).collect(),
            source: &named,
        };
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&d.message);
            out.push('\n');
        }
        out.push('\n');
    }
    out
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
    let mut line = format!(
        "{found} in {} ({}, {} checked)",
        plural(summary.daemonsets, "DaemonSet"),
        plural(summary.documents, "document"),
        plural(summary.files, "file"),
    );
    if summary.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", summary.suppressed));
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
