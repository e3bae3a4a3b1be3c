//! Findings as users see them. Renderers read resolved findings and never the rules.

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod statistics;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, ObjectRef, Severity};
use crate::lint::FileReport;
use crate::source::SourceFile;

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
    /// The edits `--fix` (or `--unsafe-fixes`) would make for this finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<crate::fix::ResolvedFix>,
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
            fix: d
                .fix
                .as_ref()
                .and_then(|f| crate::fix::ResolvedFix::new(f, source)),
        }
    }
}

/// Totals over a run.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub daemonsets: usize,
    /// DaemonSet fragments (kustomize patches) recognised and not linted.
    pub partial: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings hidden by suppressions.
    pub suppressed: usize,
}

impl Summary {
    pub fn add(&mut self, report: &FileReport) {
        self.files += 1;
        self.documents += report.documents;
        self.daemonsets += report.daemonsets;
        self.partial += report.partial;
        self.suppressed += report.suppressed.len();
        for d in &report.diagnostics {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Note => self.notes += 1,
            }
        }
    }

    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        if self.errors > 0 {
            Some(Severity::Error)
        } else if self.warnings > 0 {
            Some(Severity::Warning)
        } else if self.notes > 0 {
            Some(Severity::Note)
        } else {
            None
        }
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else if word.ends_with("ch") || word.ends_with('s') {
        format!("{n} {word}es")
    } else {
        format!("{n} {word}s")
    }
}

/// A stable identity for a finding across commits: it leaves out line numbers, which move
/// when unrelated lines change. FNV-1a, so it is the same on every platform and version.
pub fn fingerprint(f: &Finding) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let object = f.object.as_ref();
    let parts = [
        f.code,
        f.file.as_str(),
        object.map_or("", |o| o.kind.as_str()),
        object.and_then(|o| o.namespace.as_deref()).unwrap_or(""),
        object.and_then(|o| o.name.as_deref()).unwrap_or(""),
        f.message.as_str(),
    ];
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}
