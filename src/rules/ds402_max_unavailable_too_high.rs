use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix};
use crate::model::{DaemonSet, IntOrPercent};
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "DS402",
    name: "max-unavailable-too-high",
    severity: Severity::Warning,
    summary: "maxUnavailable lets a rollout take the agent off too many nodes at once",
    doc: include_str!("../../rules/DS402.md"),
};

pub struct MaxUnavailableTooHigh;

fn show(v: &IntOrPercent) -> String {
    match v {
        IntOrPercent::Int(i) => i.to_string(),
        IntOrPercent::Percent(p) => format!("{p}%"),
        IntOrPercent::Invalid(s) => s.clone(),
    }
}

/// How the controller scales a percentage, when the node count is known.
fn rounded(v: &IntOrPercent, nodes: Option<i64>) -> String {
    match (v, nodes) {
        (IntOrPercent::Percent(p), Some(n)) => v.scaled(n).map_or(String::new(), |s| {
            format!(" ({p}% of {n} nodes rounds up to {s})")
        }),
        _ => String::new(),
    }
}

impl Rule for MaxUnavailableTooHigh {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        if !ds.rolls_out() {
            return;
        }
        // A DaemonSet that only prepares its nodes (its app containers wait) loses nothing
        // while its pods are replaced: what it set up stays on the node.
        if ds.pod().is_some_and(|pod| cx.profile.setup_only(pod)) {
            return;
        }
        // Absent, maxUnavailable defaults to 1, which is never too high.
        let Some(value) = ds.rolling_update().and_then(|r| r.max_unavailable.as_ref()) else {
            return;
        };
        let limit = &cx.settings.max_unavailable;
        let nodes = cx.settings.cluster_nodes;
        // The controller scales a percentage with GetScaledValueFromIntOrPercent(roundUp=true),
        // so 99% of 3 nodes is 3: every node.
        let everything = match (&value.value, nodes) {
            (v @ IntOrPercent::Percent(_), Some(n)) if n > 0 => v.scaled(n).is_some_and(|s| s >= n),
            (IntOrPercent::Percent(p), _) => *p >= 100,
            (IntOrPercent::Int(i), Some(n)) => *i >= n,
            _ => false,
        };
        if everything {
            cx.report(
                Diagnostic::new(
                    &META,
                    value.span,
                    format!(
                        "`maxUnavailable: {}`{} lets a rollout stop the agent on every node at once",
                        show(&value.value),
                        rounded(&value.value, nodes)
                    ),
                )
                .severity(Severity::Error)
                .label("the whole fleet at once")
                .help(format!(
                    "use a small share of the nodes: `maxUnavailable: 1` for small clusters, or \
                     at most `{}`",
                    show(limit)
                ))
                .fix(Some(fix(value.span, limit))),
            );
            return;
        }
        // Compare like with like: percentages directly, counts directly, and a count against
        // a percentage only when the node count is known.
        let too_high = match (&value.value, limit, nodes) {
            (IntOrPercent::Percent(p), IntOrPercent::Percent(l), _) => p > l,
            (IntOrPercent::Int(i), IntOrPercent::Int(l), _) => i > l,
            (v, l, Some(n)) => match (v.scaled(n), l.scaled(n)) {
                (Some(v), Some(l)) => v > l,
                _ => false,
            },
            _ => false,
        };
        if too_high {
            let of = nodes.map_or(String::new(), |n| format!(" of {n} nodes"));
            cx.report(
                Diagnostic::new(
                    &META,
                    value.span,
                    format!(
                        "`maxUnavailable: {}`{of} is above the configured `max-unavailable: {}`",
                        show(&value.value),
                        show(limit)
                    ),
                )
                .label("too many nodes without the agent during a rollout")
                .help(format!(
                    "lower it to `{}` or less, so a bad version is caught while most nodes still \
                     run the old one",
                    show(limit)
                ))
                .fix(Some(fix(value.span, limit))),
            );
        }
    }
}

/// Rollouts get slower, so this changes how the agent is updated.
fn fix(at: Span, limit: &IntOrPercent) -> Fix {
    Fix::unsafe_(
        format!("lower `maxUnavailable` to `{}`", show(limit)),
        vec![Change::Replace {
            span: at,
            content: show(limit),
        }],
    )
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::test_support::positions_with;

    fn ds(value: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: {value}\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec: {{containers: [{{name: c, image: i:1}}]}}\n"
        )
    }

    fn found(value: &str, nodes: Option<i64>) -> Vec<String> {
        let mut config = Config::default();
        config.settings.cluster_nodes = nodes;
        positions_with(&ds(value), "DS402", config)
    }

    #[test]
    fn everything_at_once_is_an_error() {
        assert_eq!(found("100%", None), ["7:23 error"]);
        assert_eq!(found("40", Some(40)), ["7:23 error"]);
        assert!(
            found("40", None).is_empty(),
            "a count cannot be judged without cluster-nodes"
        );
        assert_eq!(
            found("99%", Some(3)),
            ["7:23 error"],
            "99% of 3 rounds up to 3"
        );
        assert_eq!(
            found("67%", Some(3)),
            ["7:23 error"],
            "67% of 3 rounds up to 3"
        );
        assert_eq!(
            found("66%", Some(3)),
            ["7:23 warning"],
            "66% of 3 rounds up to 2"
        );
    }

    #[test]
    fn above_the_setting_is_a_warning() {
        assert_eq!(found("50%", None), ["7:23 warning"]);
        assert!(found("25%", None).is_empty());
        assert!(found("10%", None).is_empty());
        assert_eq!(found("11", Some(40)), ["7:23 warning"], "25% of 40 is 10");
        assert!(found("10", Some(40)).is_empty());
        assert!(found("1", None).is_empty());
    }
}
