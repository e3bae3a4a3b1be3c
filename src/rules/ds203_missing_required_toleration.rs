use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::toleration::DaemonPodTolerations;
use crate::settings::{Nodes, Taint};

pub static META: RuleMeta = RuleMeta {
    code: "DS203",
    name: "missing-required-toleration",
    severity: Severity::Warning,
    summary: "The agent does not tolerate a taint of the cluster's own node pools (`required-tolerations`)",
    doc: include_str!("../../rules/DS203.md"),
};

pub struct MissingRequiredToleration;

impl Rule for MissingRequiredToleration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let tolerations = DaemonPodTolerations::of(pod);
        let at = pod.tolerations_key.unwrap_or(pod.key);
        for required in &cx.settings.required_tolerations {
            // PreferNoSchedule only steers the scheduler's scoring; a DaemonSet pod is bound
            // to its node, so the taint never keeps it away.
            if required.effect == "PreferNoSchedule" {
                continue;
            }
            let written = written(required);
            let Some(first) = tolerations.first_match(required) else {
                let outcome = if required.effect == "NoExecute" {
                    "never runs on those nodes (and would be evicted from them)"
                } else {
                    "never runs on those nodes"
                };
                cx.report(
                    Diagnostic::new(
                        &META,
                        at,
                        format!(
                            "the pod does not tolerate the cluster taint `{written}`, so the agent \
                             {outcome}{}",
                            carriers(cx, required)
                        ),
                    )
                    .label("taint not tolerated")
                    .help(toleration_help(required)),
                );
                continue;
            };
            // A NoExecute taint tolerated for a while still evicts the agent.
            if required.effect != "NoExecute" {
                continue;
            }
            let (Some(seconds), Some(declared)) =
                (tolerations.eviction_after(required), first.declared)
            else {
                continue;
            };
            let span = declared
                .toleration_seconds
                .as_ref()
                .map_or(declared.span, |s| s.whole());
            cx.report(
                Diagnostic::new(
                    &META,
                    span,
                    format!(
                        "the pod tolerates the cluster taint `{written}` for only {seconds} \
                         seconds: the taint manager then evicts the agent from those nodes{}",
                        carriers(cx, required)
                    ),
                )
                .label("temporary toleration")
                .help("remove `tolerationSeconds` so the agent stays on those nodes"),
            );
        }
    }
}

/// `; the taint is on 3 nodes (pool gpu: …)` when `--nodes` gave nodes that carry it.
fn carriers(cx: &Context, taint: &Taint) -> String {
    let Some(cluster) = &cx.settings.cluster else {
        return String::new();
    };
    let nodes = Nodes::of(&cluster.carrying(|t| t == taint));
    if nodes.is_empty() {
        String::new()
    } else {
        format!("; the taint is on {nodes}")
    }
}

/// The taint as `kubectl taint` writes it, as the setting was given.
fn written(t: &Taint) -> String {
    if t.value.is_empty() {
        format!("{}:{}", t.key, t.effect)
    } else {
        format!("{}={}:{}", t.key, t.value, t.effect)
    }
}

fn toleration_help(t: &Taint) -> String {
    if t.value.is_empty() {
        format!(
            "add a toleration `{{key: {}, operator: Exists, effect: {}}}`",
            t.key, t.effect
        )
    } else {
        format!(
            "add a toleration `{{key: {}, operator: Equal, value: {}, effect: {}}}` (or \
             `operator: Exists` without a value for every value of the key)",
            t.key, t.value, t.effect
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::test_support::positions_with;
    use crate::settings::Taint;

    fn ds(pod: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {{app: a}}\n  template:\n    metadata:\n      labels: {{app: a}}\n    spec:\n{pod}      containers:\n      - name: c\n        image: i:1\n"
        )
    }

    fn positions(yaml: &str, taints: &[&str]) -> Vec<String> {
        let mut config = Config::default();
        config.settings.required_tolerations = taints
            .iter()
            .map(|t| Taint::parse(t).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        positions_with(yaml, "DS203", config)
            .into_iter()
            .map(|p| p.split(' ').next().unwrap_or_default().to_owned())
            .collect()
    }

    #[test]
    fn nothing_required_by_default() {
        assert!(positions(&ds(""), &[]).is_empty());
    }

    #[test]
    fn untolerated_taints() {
        let pool = ["dedicated=gpu:NoSchedule", "example.com/spot:NoExecute"];
        assert_eq!(positions(&ds(""), &pool), ["11:5", "11:5"]);
        let wrong_value = ds(
            "      tolerations:\n      - {key: dedicated, operator: Equal, value: infra, effect: NoSchedule}\n      - {key: example.com/spot, operator: Exists}\n",
        );
        assert_eq!(positions(&wrong_value, &pool), ["12:7"]);
        // PreferNoSchedule never keeps a DaemonSet pod off a node.
        assert!(positions(&ds(""), &["dedicated=gpu:PreferNoSchedule"]).is_empty());
    }

    #[test]
    fn tolerated_taints() {
        let pool = ["dedicated=gpu:NoSchedule", "example.com/spot:NoExecute"];
        for pod in [
            "      tolerations:\n      - {key: dedicated, value: gpu, effect: NoSchedule}\n      - {key: example.com/spot, operator: Exists, effect: NoExecute}\n",
            "      tolerations:\n      - {key: dedicated, operator: Exists}\n      - {key: example.com/spot, operator: Exists}\n",
            "      tolerations:\n      - operator: Exists\n",
        ] {
            assert!(positions(&ds(pod), &pool).is_empty(), "{pod}");
        }
        // The controller's own tolerations count: unschedulable is always tolerated.
        assert!(positions(&ds(""), &["node.kubernetes.io/unschedulable:NoSchedule"]).is_empty());
    }

    #[test]
    fn temporary_toleration_of_a_noexecute_taint() {
        let y = ds(
            "      tolerations:\n      - {key: example.com/spot, operator: Exists, effect: NoExecute, tolerationSeconds: 30}\n",
        );
        assert_eq!(positions(&y, &["example.com/spot:NoExecute"]), ["13:70"]);
    }
}
