//! Autofix: what a rule asks to change ([`Change`], in terms of the spans the model keeps),
//! turned into the smallest text edits ([`Edit`]) against the file as written, so comments,
//! key order, quoting, blank lines and line endings stay as they were.

mod diff;
mod edit;

use serde::Serialize;

pub use diff::unified;
pub use edit::{Edit, apply};

use crate::source::{SourceFile, Span};

/// Whether a fix keeps what the agent does (`Safe`, applied by `--fix`) or changes how it runs
/// (`Unsafe`, only with `--unsafe-fixes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    Safe,
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// The fixability of each rule that has fixes; rules not listed need a human choice.
const FIXABLE: &[(&str, Applicability)] = &[
    ("DS003", Applicability::Unsafe),
    ("DS007", Applicability::Safe),
    ("DS201", Applicability::Safe),
    ("DS202", Applicability::Safe),
    ("DS301", Applicability::Unsafe),
    ("DS304", Applicability::Unsafe),
    ("DS306", Applicability::Unsafe),
    ("DS308", Applicability::Unsafe),
    ("DS402", Applicability::Unsafe),
    ("DS404", Applicability::Unsafe),
    ("DS501", Applicability::Unsafe),
    ("DS701", Applicability::Unsafe),
    ("DS703", Applicability::Safe),
    ("DS811", Applicability::Unsafe),
];

/// How a rule's findings can be fixed, if at all.
pub fn fixability(code: &str) -> Option<Applicability> {
    FIXABLE.iter().find(|(c, _)| *c == code).map(|(_, a)| *a)
}

/// A YAML value to write; it is rendered in block or flow style to match where it goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Written as given (already valid YAML scalar text).
    Scalar(String),
    Map(Vec<(String, Value)>),
    Seq(Vec<Value>),
}

impl Value {
    pub fn scalar(text: impl Into<String>) -> Value {
        Value::Scalar(text.into())
    }

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// Where a mapping is: its node, or the value of the entry whose key is at this span.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    Node(Span),
    ValueOf(Span),
}

/// One change a fix makes, in terms of spans the model keeps.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Replace a scalar (its quoting is kept).
    Replace { span: Span, content: String },
    /// Add `key: value` as the mapping's last entry.
    Insert {
        into: Target,
        key: String,
        value: Value,
    },
    /// Remove the entry from its key through its value (`Spanned::whole`).
    Remove { entry: Span },
    /// Add an item to a sequence right after the item at this span.
    AddItem { after: Span, item: Value },
}

/// What a rule proposes for one finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    pub applicability: Applicability,
    pub message: String,
    pub changes: Vec<Change>,
}

impl Fix {
    pub fn safe(message: impl Into<String>, changes: Vec<Change>) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            message: message.into(),
            changes,
        }
    }

    pub fn unsafe_(message: impl Into<String>, changes: Vec<Change>) -> Fix {
        Fix {
            applicability: Applicability::Unsafe,
            message: message.into(),
            changes,
        }
    }

    /// The text edits against `text`, sorted; `None` when the text around a span is laid out
    /// in a way the builders do not edit (the finding then stays for a human).
    pub fn edits(&self, text: &str) -> Option<Vec<Edit>> {
        let mut edits = self
            .changes
            .iter()
            .map(|c| edit::build(text, c))
            .collect::<Option<Vec<Edit>>>()?;
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        let overlapping = edits.windows(2).any(|w| w[0].span.end > w[1].span.start);
        (!overlapping).then_some(edits)
    }
}

/// A fix as reports show it: edits with 1-based positions.
#[derive(Clone, Debug, Serialize)]
pub struct ResolvedFix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<ResolvedEdit>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResolvedEdit {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub content: String,
}

impl ResolvedFix {
    pub fn new(fix: &Fix, source: &SourceFile) -> Option<ResolvedFix> {
        let edits = fix.edits(&source.text)?;
        Some(ResolvedFix {
            applicability: fix.applicability,
            message: fix.message.clone(),
            edits: edits
                .iter()
                .map(|e| {
                    let start = source.position(e.span.start);
                    let end = source.position(e.span.end);
                    ResolvedEdit {
                        line: start.line,
                        column: start.column,
                        end_line: end.line,
                        end_column: end.column,
                        content: e.content.clone(),
                    }
                })
                .collect(),
        })
    }
}

/// Writes a fixed file through a temporary file in the same folder, renamed over the
/// original, so a reader never sees half a file; the original's permissions are kept.
pub fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    // One lstat answers both questions: is the name a link, and what mode to keep. Only a
    // link as the last component needs resolving (rename would replace the link itself);
    // realpath on every write cost a getcwd and a readlink per folder.
    let meta = std::fs::symlink_metadata(path)?;
    let (path, permissions) = if meta.file_type().is_symlink() {
        let target = std::fs::canonicalize(path)?;
        let permissions = std::fs::metadata(&target)?.permissions();
        (std::borrow::Cow::Owned(target), permissions)
    } else {
        (std::borrow::Cow::Borrowed(path), meta.permissions())
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.daemonlint-fix.tmp"));
    let mode = permissions.mode() & 0o7777;
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            // Created with the mode, which the umask may have narrowed; a chmod (a journaled
            // inode update on ext4) only then, through the descriptor.
            if file.metadata()?.permissions().mode() & 0o7777 != mode {
                file.set_permissions(permissions)?;
            }
            Ok(())
        });
    let result = result.and_then(|()| std::fs::rename(&tmp, &path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `text` as a YAML scalar that reads back as this string: plain when it is unambiguous,
/// double-quoted otherwise (numbers, booleans, nulls, special characters).
pub fn quote(text: &str) -> String {
    let plain_chars = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'/'));
    let starts_plain = text.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
    let word = text.to_ascii_lowercase();
    let reserved = matches!(
        word.as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
    );
    if plain_chars && starts_plain && !reserved {
        text.to_owned()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
    }
}

/// Sets `key: value` in a container's securityContext, adding the securityContext when the
/// container has none.
pub fn set_security_field(container: &crate::model::Container, key: &str, value: Value) -> Change {
    match &container.security_context {
        Some(sc) => Change::Insert {
            into: Target::ValueOf(sc.key),
            key: key.to_owned(),
            value,
        },
        None => Change::Insert {
            into: Target::Node(container.span),
            key: "securityContext".to_owned(),
            value: Value::map([(key, value)]),
        },
    }
}

/// How `--fix` and `--diff` treat the files they lint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixMode {
    /// `--unsafe-fixes`: also apply fixes that change how the agent runs.
    pub unsafe_fixes: bool,
    /// `--diff`: compute the diff and leave the file alone.
    pub diff_only: bool,
}

/// The outcome of the fix loop for one file.
#[derive(Debug, Default)]
pub struct FileFix {
    /// Findings fixed.
    pub applied: usize,
    /// Whether the fixed text differs from the file as read.
    pub changed: bool,
    /// With `--diff`, the unified diff from the file as read to the fixed text (empty when
    /// unchanged); `--fix` does not print it, so does not compute it.
    pub diff: String,
    /// Fixes not applied, each with why.
    pub dropped: Vec<String>,
    /// Fixes for rendered kustomize output, as commented diffs against the patch or base
    /// files that wrote the values; shown, never applied.
    pub suggested: Vec<String>,
    /// The fixed text of standard input, which `--fix` prints instead of writing a file.
    pub text: Option<String>,
}
