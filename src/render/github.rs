//! GitHub Actions workflow commands, so findings appear inline on pull requests:
//! `::error file=...,line=...,col=...,endLine=...,endColumn=...,title=DS303 privileged-container::message`.

use super::{Finding, escape};
use crate::diagnostic::Severity;

/// Workflow command data: `%`, CR and LF are escaped.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command properties also escape `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn line(f: &Finding) -> String {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    // Manifest text is escaped first: the only line break left is the one before the help.
    let message = match &f.help {
        Some(help) => format!("{}\n{}", escape(&f.message), escape(help)),
        None => escape(&f.message).into_owned(),
    };
    format!(
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(&escape(&f.file)),
        f.line,
        f.column,
        f.end_line,
        f.end_column,
        escape_property(&format!("{} {}", f.code, f.name)),
        escape_data(&message)
    )
}
