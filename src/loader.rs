//! One source file to the DaemonSets it holds, plus the findings about the file itself:
//! syntax errors (DS001), wrong structure (DS002) and unrendered templates (DS009).

use crate::diagnostic::Diagnostic;
use crate::engine::object_ref;
use crate::model::fields::{self, KubernetesVersion};
use crate::model::{DaemonSet, Problem, Reader, Spanned};
use crate::rules::{ds001_yaml_syntax, ds002_invalid_structure, ds009_unrendered_template};
use crate::source::{SourceFile, Span};
use crate::yaml::{Node, ParseLimits, Value, parse_stream};

#[derive(Default)]
pub struct Loaded {
    pub documents: usize,
    /// DaemonSet fragments (kustomize patches) that were recognised and not linted.
    pub partial: usize,
    pub daemonsets: Vec<DaemonSet>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn load(source: &SourceFile) -> Loaded {
    load_for(source, KubernetesVersion::NEWEST)
}

/// Like [`load`], checking fields against the schema of the `target` release.
pub fn load_for(source: &SourceFile, target: KubernetesVersion) -> Loaded {
    let mut loaded = Loaded::default();
    let outcome = parse_stream(&source.text, ParseLimits::default());
    if let Some(error) = &outcome.error {
        if let Some(at) = source.text.find("{{") {
            loaded
                .diagnostics
                .push(ds009_unrendered_template::diagnostic(Span::new(at, at + 2)));
            return loaded;
        }
        loaded
            .diagnostics
            .push(ds001_yaml_syntax::diagnostic(error.span, &error.message));
    }
    for dup in &outcome.duplicate_keys {
        let mut d = ds002_invalid_structure::diagnostic(
            dup.span,
            format!("{}; Kubernetes rejects duplicate fields", dup.message),
        )
        .label("given again here")
        .help("remove one of the two; only the last one would take effect");
        if let Some(first) = dup.related {
            d = d.related(first, "first given here");
        }
        loaded.diagnostics.push(d);
    }
    for doc in &outcome.documents {
        loaded.documents += 1;
        match doc.get("kind").and_then(Node::as_str) {
            Some("List") => {
                if let Some(Value::Seq(items)) = doc.get("items").map(|n| &n.value) {
                    for item in items {
                        read_object(item, target, &mut loaded);
                    }
                }
            }
            _ => read_object(doc, target, &mut loaded),
        }
    }
    loaded
}

/// Reads one object if it is a DaemonSet; anything else is not ours to judge.
fn read_object(node: &Node, target: KubernetesVersion, loaded: &mut Loaded) {
    let Some(entry) = node.entry("kind") else {
        return;
    };
    if entry.value.as_str() != Some("DaemonSet") {
        return;
    }
    if is_patch_fragment(node) {
        loaded.partial += 1;
        return;
    }
    if let Some((span, text)) = placeholder(node) {
        let mut d = ds009_unrendered_template::diagnostic(span);
        d.message = format!(
            "`{text}` is an unrendered template placeholder; this DaemonSet was not linted"
        );
        d.label = Some("placeholder".into());
        d.help = Some(
            "lint the rendered manifest: `helm template RELEASE CHART | daemonlint -`, or `envsubst < FILE | daemonlint -`"
                .into(),
        );
        loaded.diagnostics.push(d);
        return;
    }
    let kind = Spanned::new("DaemonSet".to_owned(), entry);
    let mut problems: Vec<Problem> = Vec::new();
    let ds = DaemonSet::read(
        node,
        kind,
        &mut Reader {
            problems: &mut problems,
        },
    );
    // The old API groups had fields of their own (templateGeneration); only apps/v1 is checked.
    if ds
        .api_version
        .as_ref()
        .is_some_and(|v| v.value == "apps/v1")
    {
        fields::check(node, target, &mut problems);
    }
    // The model and the schema walk both judge the types of the fields the model reads; the
    // model reports first and more specifically, so the schema's report on that span goes.
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.span));
    let object = object_ref(&ds);
    loaded.diagnostics.extend(problems.into_iter().map(|p| {
        let mut d = ds002_invalid_structure::diagnostic(p.span, p.message);
        d.object = Some(object.clone());
        d
    }));
    loaded.daemonsets.push(ds);
}

/// A DaemonSet without a selector whose containers name no image cannot be deployed as it is,
/// but it is exactly what a kustomize strategic-merge patch looks like: only the fields it
/// changes. Judging it for what it leaves out would report the base's fields as missing. A
/// DaemonSet that names its images is meant to run, so a missing selector is its own finding.
/// (Files a kustomization lists never get here: they are linted as part of its output.)
fn is_patch_fragment(node: &Node) -> bool {
    let Some(spec) = node.get("spec") else {
        return false;
    };
    if spec.get("selector").is_some_and(|s| !s.is_null()) {
        return false;
    }
    let pod = spec.get("template").and_then(|t| t.get("spec"));
    let names_image = ["containers", "initContainers"].iter().any(|key| {
        match pod.and_then(|p| p.get(key)).map(|c| &c.value) {
            Some(Value::Seq(items)) => items.iter().any(|c| c.get("image").is_some()),
            _ => false,
        }
    });
    !names_image
}

/// The first value that is a Helm/Go (`{{ .Values.cpu }}`) or envsubst (`${IMAGE}`) placeholder
/// in a field the rules judge: such a file parses as YAML but is still a template, and its
/// placeholders are not invalid quantities or mutable tags. Free text (annotations) and what a
/// shell or the agent reads (`command`, `args`, `env`) may hold braces legitimately.
fn placeholder(node: &Node) -> Option<(Span, String)> {
    match &node.value {
        Value::Str(s) if is_placeholder(s) => Some((node.span, s.clone())),
        Value::Seq(items) => items.iter().find_map(placeholder),
        Value::Map(entries) => entries
            .iter()
            .filter(|e| !matches!(e.key.as_str(), "annotations" | "command" | "args" | "env"))
            .find_map(|e| placeholder(&e.value)),
        _ => None,
    }
}

fn is_placeholder(s: &str) -> bool {
    let go = s.find("{{").is_some_and(|start| s[start..].contains("}}"));
    let envsubst = s.match_indices("${").any(|(i, _)| {
        let rest = &s[i + 2..];
        rest.find('}').is_some_and(|end| {
            end > 0
                && rest[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    });
    go || envsubst
}
