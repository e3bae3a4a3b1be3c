//! Findings as users see them. Renderers read resolved findings and never the rules.

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
mod snippet;
pub mod statistics;

use std::borrow::Cow;

use serde::Serialize;

use crate::diagnostic::Severity;
pub use crate::finding::Finding;
use crate::lint::FileReport;

/// Totals over a run.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub daemonsets: usize,
    /// DaemonSets with at least one reported finding.
    pub daemonsets_with_findings: usize,
    /// DaemonSet fragments (kustomize patches) recognised and not linted.
    pub partial: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings hidden by suppressions.
    pub suppressed: usize,
    /// Files and DaemonSets not linted because they hold unrendered templates (DS009 notes).
    pub not_linted: usize,
}

impl Summary {
    pub fn add(&mut self, report: &FileReport) {
        self.files += 1;
        self.documents += report.documents;
        self.daemonsets += report.daemonsets;
        self.partial += report.partial;
        self.suppressed += report.suppressed.len();
        self.not_linted += report.not_linted.len();
        let objects: std::collections::BTreeSet<_> = report
            .diagnostics
            .iter()
            .filter_map(|f| f.object.as_ref())
            .map(|o| (&o.kind, &o.namespace, &o.name))
            .collect();
        self.daemonsets_with_findings += objects.len();
        // Findings of a rendered overlay or chart are spread over the files that wrote them,
        // so one DaemonSet can have findings in several reports: never count more DaemonSets
        // with findings than DaemonSets.
        self.daemonsets_with_findings = self.daemonsets_with_findings.min(self.daemonsets);
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

/// A rule's family, by the hundreds digit of its code.
pub fn family(code: &str) -> &'static str {
    match code.as_bytes().get(2) {
        Some(b'0') => "manifest",
        Some(b'1') => "resources",
        Some(b'2') => "tolerations",
        Some(b'3') => "security",
        Some(b'4') => "rollout",
        Some(b'5') => "priority",
        Some(b'6') => "probes",
        Some(b'7') => "placement",
        Some(b'8') => "images",
        _ => "other",
    }
}

/// Characters that would drive a terminal, break a one-line-per-finding format or reorder the
/// text shown around them: C0 and C1 controls, DEL, and the bidirectional overrides.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// How an unsafe character is shown: `\n`, `\r`, `\t`, or `\u{1b}`.
pub fn escape_char(c: char) -> String {
    match c {
        '\n' => "\\n".to_owned(),
        '\r' => "\\r".to_owned(),
        '\t' => "\\t".to_owned(),
        _ => format!("\\u{{{:x}}}", u32::from(c)),
    }
}

/// Text from a manifest made safe to print: every unsafe character escaped.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&escape_char(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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
