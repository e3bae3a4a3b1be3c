//! Findings with their positions resolved to lines and columns: what lint hands to the
//! renderers, so neither needs the other's internals.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, ObjectRef, Severity};
use crate::source::{SourceFile, Span};

/// A finding with its positions resolved to 1-based lines and columns.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Set on findings a suppression hid (shown with `--show-suppressed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<crate::suppress::Applied>,
    /// Secondary labels: other places worth showing, in this file or another.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    /// The edits `--fix` (or `--unsafe-fixes`) would make for this finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<crate::fix::ResolvedFix>,
}

/// A secondary label resolved to its file, lines and columns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
}

impl Related {
    fn resolve(source: &SourceFile, span: Span, message: &str) -> Related {
        let start = source.position(span.start);
        let end = source.end_position(span);
        Related {
            file: source.name.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            message: message.to_owned(),
        }
    }
}

impl Finding {
    pub fn resolve(d: &Diagnostic, source: &SourceFile) -> Finding {
        let start = source.position(d.span.start);
        let end = source.end_position(d.span);
        Finding {
            code: d.rule.code,
            name: d.rule.name,
            severity: d.severity,
            message: d.message.clone(),
            file: source.name.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            object: d.object.clone(),
            help: d.help.clone(),
            suppression: None,
            related: d
                .related
                .iter()
                .map(|(span, message)| Related::resolve(source, *span, message))
                .chain(
                    d.elsewhere
                        .iter()
                        .map(|e| Related::resolve(&e.source, e.span, &e.message)),
                )
                .collect(),
            fix: d
                .fix
                .as_ref()
                .and_then(|f| crate::fix::ResolvedFix::new(f, source)),
        }
    }
}
