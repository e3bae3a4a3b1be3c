//! DS004's metadata checks: `ValidateLabels` and `ValidateAnnotations`
//! (k8s.io/apimachinery/pkg/api/validation) on the DaemonSet, its selector, its pod template
//! and the pod's nodeSelector.

use crate::diagnostic::Diagnostic;
use crate::engine::Context;
use crate::model::{DaemonSet, ObjectMeta, Pair};
use crate::rules::ds004_invalid_value::META;
use crate::rules::k8s_names::{
    dns_label_problem, dns_subdomain_problem, label_value_problem, qualified_name_problem,
};

/// `TotalAnnotationSizeLimitB`: keys and values together.
const ANNOTATION_LIMIT: usize = 256 * 1024;

pub fn check(cx: &mut Context, ds: &DaemonSet) {
    object(cx, &ds.metadata, "DaemonSet");
    // ValidateObjectMeta: the namespace must be a DNS label, and ValidateDaemonSetName makes
    // the name a DNS subdomain. A placeholder left in either (`< Replace with the namespace to
    // use >`) fails the apply.
    let namespace = ds.metadata.namespace.as_ref();
    let name = ds.metadata.name.as_ref();
    let names = [
        namespace.map(|n| (n, "namespace", dns_label_problem(&n.value))),
        name.map(|n| (n, "name", dns_subdomain_problem(&n.value))),
    ];
    for (field, what, problem) in names.into_iter().flatten() {
        if let Some(problem) = problem {
            cx.report(
                Diagnostic::new(
                    &META,
                    field.span,
                    format!(
                        "the API server rejects the DaemonSet's {what} `{}`: {problem} \
                         (ValidateObjectMeta)",
                        field.value
                    ),
                )
                .label(format!("not a valid {what}"))
                .help(format!("set the {what} the DaemonSet is to have")),
            );
        }
    }
    let Some(spec) = &ds.spec else { return };
    if let Some(selector) = &spec.selector {
        labels(cx, &selector.match_labels, "selector");
    }
    if let Some(template) = &spec.template {
        object(cx, &template.metadata, "pod template");
    }
    // ValidatePodSpec checks nodeSelector with ValidateLabels too.
    if let Some(pod) = ds.pod() {
        labels(cx, &pod.node_selector, "nodeSelector");
    }
}

fn object(cx: &mut Context, meta: &ObjectMeta, whose: &str) {
    labels(cx, &meta.labels, whose);
    for a in &meta.annotations {
        // Annotation keys are checked in lowercase: uppercase letters are allowed in them.
        if let Some(problem) = qualified_name_problem(&a.value.0.to_ascii_lowercase()) {
            key_problem(cx, a, &problem, &format!("{whose} annotation"));
        }
    }
    let total: usize = meta
        .annotations
        .iter()
        .map(|a| a.value.0.len() + a.value.1.len())
        .sum();
    if total > ANNOTATION_LIMIT
        && let Some(first) = meta.annotations.first()
    {
        cx.report(
            Diagnostic::new(
                &META,
                first.key,
                format!(
                    "the API server rejects the {whose}'s annotations: together they take {total} bytes, more than 256 KiB (ValidateAnnotations)"
                ),
            )
            .label("annotations too large")
            .help("move large data to a ConfigMap"),
        );
    }
}

fn labels(cx: &mut Context, labels: &[Pair], whose: &str) {
    for l in labels {
        let (key, value) = &l.value;
        if let Some(problem) = qualified_name_problem(key) {
            key_problem(cx, l, &problem, &format!("{whose} label"));
        }
        if let Some(problem) = label_value_problem(value) {
            cx.report(
                Diagnostic::new(
                    &META,
                    l.span,
                    format!(
                        "the API server rejects {whose} label value `{value}`: {problem} (ValidateLabels)"
                    ),
                )
                .label("not a valid label value")
                .help("use at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"),
            );
        }
    }
}

fn key_problem(cx: &mut Context, pair: &Pair, problem: &str, what: &str) {
    cx.report(
        Diagnostic::new(
            &META,
            pair.key,
            format!(
                "the API server rejects {what} key `{}`: {problem} (IsQualifiedName)",
                pair.value.0
            ),
        )
        .label("not a valid key")
        .help("use `name` or `prefix/name`, such as `app.kubernetes.io/name`"),
    );
}
