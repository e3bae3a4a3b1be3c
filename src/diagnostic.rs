//! What rules report: a finding with its rule, severity, message, spans and help.

use std::sync::Arc;

use serde::Serialize;

use crate::fix::{Applicability, Fix};
use crate::source::{SourceFile, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A rule's identity and documentation; one static per rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The rule's page from `rules/`, shown by `daemonlint explain`.
    pub doc: &'static str,
}

impl RuleMeta {
    /// Whether the rule's findings come with fixes, and how safe they are.
    pub fn fixable(&self) -> Option<Applicability> {
        crate::fix::fixability(self.code)
    }
}

/// The object a finding belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The agent profile the rules judged it by (`log-collector`, `csi-node`, ...) and why;
    /// see rules/profiles.md.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_evidence: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Text under the primary span in the code frame.
    pub label: Option<String>,
    pub help: Option<String>,
    /// Secondary spans, e.g. the template labels a selector fails to match.
    pub related: Vec<(Span, String)>,
    /// Secondary spans in other files, e.g. the values.yaml key behind a Helm template line.
    pub elsewhere: Vec<Elsewhere>,
    pub object: Option<ObjectRef>,
    /// The edit that would resolve the finding, when one can be made without a human choice.
    pub fix: Option<Fix>,
    /// The API server refuses the object as a whole, not one of its values: a removed API
    /// group, a DaemonSet with no selector (a kustomize patch, or a manifest from before
    /// apps/v1). Its checklist findings wait until it is fixed.
    pub refuses_object: bool,
}

impl Diagnostic {
    pub fn new(rule: &'static RuleMeta, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            severity: rule.severity,
            message: message.into(),
            span,
            label: None,
            help: None,
            related: Vec::new(),
            elsewhere: Vec::new(),
            object: None,
            fix: None,
            refuses_object: false,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related.push((span, label.into()));
        self
    }

    pub fn fix(mut self, fix: Option<Fix>) -> Diagnostic {
        self.fix = fix;
        self
    }

    pub fn refuses_object(mut self) -> Diagnostic {
        self.refuses_object = true;
        self
    }

    pub fn severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }
}

/// A secondary label in another file than the finding's, with that file's text so it can be
/// framed and resolved to lines.
#[derive(Clone)]
pub struct Elsewhere {
    pub source: Arc<SourceFile>,
    pub span: Span,
    pub message: String,
}

impl std::fmt::Debug for Elsewhere {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Elsewhere")
            .field("file", &self.source.name)
            .field("span", &self.span)
            .field("message", &self.message)
            .finish()
    }
}
