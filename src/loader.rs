//! One source file to the DaemonSets it holds, plus the findings about the file itself:
//! syntax errors (DS001), wrong structure (DS002) and unrendered templates (DS009).

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::object_ref;
use crate::model::fields::{self, KubernetesVersion};
use crate::model::{DaemonSet, Problem, Reader, Spanned};
use crate::rules::{ds001_yaml_syntax, ds002_invalid_structure, ds009_unrendered_template};
use crate::source::{SourceFile, Span};
use crate::yaml::{Node, ParseLimits, SyntaxError, Value, parse_stream};

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
    let mut duplicates: Vec<&SyntaxError> = outcome.duplicate_keys.iter().collect();
    duplicates.sort_by_key(|d| d.span.start);
    for doc in &outcome.documents {
        loaded.documents += 1;
        match doc.get("kind").and_then(Node::as_str) {
            Some("List") => {
                if let Some(Value::Seq(items)) = doc.get("items").map(|n| &n.value) {
                    for item in items {
                        read_object(item, target, &duplicates, &mut loaded);
                    }
                }
            }
            _ => read_object(doc, target, &duplicates, &mut loaded),
        }
    }
    loaded
}

/// Duplicate keys are only DaemonSets' business: kubectl keeps the last value silently
/// (kubernetes#125885), so the earlier one is a value the author believes applies but does not.
fn duplicate_key(dup: &SyntaxError) -> Diagnostic {
    let key = dup
        .message
        .strip_prefix("duplicate key ")
        .unwrap_or(&dup.message);
    let mut d = ds002_invalid_structure::diagnostic(
        dup.span,
        format!(
            "{}: Kubernetes keeps the last value and silently drops this one",
            dup.message
        ),
    )
    .severity(Severity::Warning)
    .label("this value is dropped")
    .help(format!(
        "remove one of the two {key} keys; only the last one takes effect"
    ));
    if let Some(kept) = dup.related {
        d = d.related(kept, "this later value is the one kept");
    }
    d
}

/// The duplicates (sorted by position) whose dropped key lies inside `span`.
fn within<'a, 'd>(duplicates: &'a [&'d SyntaxError], span: Span) -> &'a [&'d SyntaxError] {
    let from = duplicates.partition_point(|d| d.span.start < span.start);
    let to = duplicates.partition_point(|d| d.span.start < span.end);
    &duplicates[from..to.max(from)]
}

/// Reads one object if it is a DaemonSet; anything else is not ours to judge.
fn read_object(
    node: &Node,
    target: KubernetesVersion,
    duplicates: &[&SyntaxError],
    loaded: &mut Loaded,
) {
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
    let structure = problems
        .into_iter()
        .map(|p| ds002_invalid_structure::diagnostic(p.span, p.message));
    let dropped = within(duplicates, node.span)
        .iter()
        .map(|d| duplicate_key(d));
    loaded
        .diagnostics
        .extend(structure.chain(dropped).map(|mut d| {
            d.object = Some(object.clone());
            d
        }));
    loaded.daemonsets.push(ds);
}

/// A DaemonSet with no selector and no container image cannot be a complete object (apps/v1
/// requires the selector and every container an image), but it is exactly what a kustomize
/// strategic-merge patch looks like: only the fields it changes. Judging it for what it leaves
/// out would report the base's fields as missing; lint the output of `kustomize build`
/// instead. Labels do not decide: a patch may set them, and a complete DaemonSet that forgot
/// its selector has images and gets DS003.
fn is_patch_fragment(node: &Node) -> bool {
    let Some(spec) = node.get("spec") else {
        return false;
    };
    let selector = spec.get("selector").is_some_and(|s| !s.is_null());
    !selector && !has_image(spec)
}

/// Whether a regular container names an image: a complete DaemonSet always does (the API
/// requires at least one container, and each an image); a strategic-merge patch names only the
/// containers it changes, often init containers alone, or none.
fn has_image(spec: &Node) -> bool {
    let containers = spec
        .get("template")
        .and_then(|t| t.get("spec"))
        .and_then(|s| s.get("containers"));
    match containers.map(|c| &c.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .any(|c| c.get("image").is_some_and(|i| !i.is_null())),
        _ => false,
    }
}
