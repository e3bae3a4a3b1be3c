use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix};
use crate::model::{CONTROL_PLANE, DaemonSet, MASTER};
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "DS703",
    name: "deprecated-node-label",
    severity: Severity::Warning,
    summary: "nodeSelector or node affinity uses a deprecated beta node label",
    doc: include_str!("../../rules/DS703.md"),
};

pub struct DeprecatedNodeLabel;

/// The label kube-up's GCE node scripts set for the fluentd-elasticsearch addon.
const FLUENTD_READY: &str = "beta.kubernetes.io/fluentd-ds-ready";

/// The node labels the API server warns about in pod specs: (label, since, replacement).
const DEPRECATED: &[(&str, &str, &str)] = &[
    ("beta.kubernetes.io/os", "1.14", "kubernetes.io/os"),
    ("beta.kubernetes.io/arch", "1.14", "kubernetes.io/arch"),
    (
        "failure-domain.beta.kubernetes.io/zone",
        "1.17",
        "topology.kubernetes.io/zone",
    ),
    (
        "failure-domain.beta.kubernetes.io/region",
        "1.17",
        "topology.kubernetes.io/region",
    ),
    (
        "beta.kubernetes.io/instance-type",
        "1.17",
        "node.kubernetes.io/instance-type",
    ),
    // kubeadm labels control-plane nodes only `control-plane` since 1.24 (both since 1.20);
    // k3s and RKE2 still set both.
    (MASTER, "1.20", CONTROL_PLANE),
];

impl Rule for DeprecatedNodeLabel {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let requirements = pod.node_requirements();
        // The legacy kube-up scripts for GCE labelled nodes so for the fluentd addon; no other
        // installer sets it, so a pod that requires it runs on no node of other clusters.
        if pod.only_on_nodes(|r| r.key == FLUENTD_READY && r.is_positive())
            && let Some(r) = requirements.iter().find(|r| r.key == FLUENTD_READY)
        {
            cx.report(
                Diagnostic::new(
                    &META,
                    r.at,
                    format!(
                        "node label `{FLUENTD_READY}` is set only by the legacy kube-up scripts \
                         for GCE: on other clusters no node carries it, so the DaemonSet runs on \
                         no node"
                    ),
                )
                .label("no node carries this")
                .help(format!(
                    "remove it, or keep it and label the nodes that should run the agent \
                     (`kubectl label node NODE {FLUENTD_READY}=true`)"
                )),
            );
        }
        for r in &requirements {
            let Some((label, since, instead)) = DEPRECATED.iter().find(|d| d.0 == r.key) else {
                continue;
            };
            // Beside a requirement that asks the same of the GA label (a fallback term, or both
            // keys in one selector), renaming would only repeat it: the deprecated one goes.
            let twin = requirements
                .iter()
                .any(|other| other.key == *instead && other.same_test(r));
            let master = *label == MASTER;
            // kubeadm's nodes lost the old role label: requiring it leaves no node to run on,
            // and keeping pods off it no longer keeps them off the control plane.
            let consequence = match (master, r.is_positive()) {
                (false, _) => "",
                (true, true) => {
                    ": kubeadm has not set it since 1.24, so on its clusters no node matches this \
                     requirement"
                }
                (true, false) => {
                    ": kubeadm has not set it since 1.24, so on its clusters this requirement no \
                     longer keeps the pods off control-plane nodes"
                }
            };
            // The API server warns about the beta labels; the role label was kubeadm's to
            // deprecate, and it warns about nothing.
            let by = if master { "kubeadm" } else { "Kubernetes" };
            let remove = "remove this requirement (or the term it is in): another asks the same \
                          of";
            let help = match (twin, master) {
                (true, true) => {
                    format!("{remove} `{instead}`, which control-plane nodes carry in its place")
                }
                (true, false) => format!(
                    "{remove} `{instead}`, which every node has carried with the same value since \
                     Kubernetes {since}, and the API server warns about this one on every apply"
                ),
                (false, true) => format!(
                    "use `{instead}`, which control-plane nodes carry since Kubernetes 1.20 \
                     (kubeadm), k3s and RKE2 alike"
                ),
                (false, false) => format!(
                    "use `{instead}`, which every node has carried with the same value since \
                     Kubernetes {since} (older clusters have only the beta label)"
                ),
            };
            let diagnostic = Diagnostic::new(
                &META,
                r.at,
                format!("node label `{label}` is deprecated since {by} {since}{consequence}"),
            )
            .label("deprecated label")
            .help(help);
            // Beside its twin there is nothing to rename.
            cx.report(if twin {
                diagnostic
            } else {
                diagnostic.fix(Some(fix(r.at, instead)))
            });
        }
    }
}

/// The GA label carries the same value on every node, so renaming keeps the placement.
fn fix(at: Span, instead: &str) -> Fix {
    Fix::safe(
        format!("rename the label to `{instead}`"),
        vec![Change::Replace {
            span: at,
            content: instead.to_owned(),
        }],
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{helps, positions};

    fn ds(pod: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {{app: a}}\n  template:\n    metadata:\n      labels: {{app: a}}\n    spec:\n{pod}      containers:\n      - name: c\n        image: i:1\n"
        )
    }

    #[test]
    fn deprecated_labels_everywhere() {
        let y = ds(
            "      nodeSelector:\n        beta.kubernetes.io/os: linux\n      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: beta.kubernetes.io/arch, operator: In, values: [amd64]}\n          preferredDuringSchedulingIgnoredDuringExecution:\n          - weight: 1\n            preference:\n              matchExpressions:\n              - {key: failure-domain.beta.kubernetes.io/zone, operator: In, values: [a]}\n",
        );
        assert_eq!(positions(&y, "DS703"), ["13:9", "19:23", "24:23"]);
    }

    #[test]
    fn a_fallback_beside_the_ga_label_is_removed_not_renamed() {
        let y = ds(
            "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: beta.kubernetes.io/instance-type, operator: In, values: [inf1.xlarge, trn1.2xlarge]}\n            - matchExpressions:\n              - {key: node.kubernetes.io/instance-type, operator: In, values: [trn1.2xlarge, inf1.xlarge]}\n",
        );
        assert_eq!(positions(&y, "DS703"), ["17:23"]);
        let help = helps(&y, "DS703").join("");
        assert!(help.starts_with("remove this requirement"), "{help}");
    }

    #[test]
    fn the_old_master_role_label_selects_nothing_on_kubeadm_clusters() {
        let both = ds(
            "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: node-role.kubernetes.io/master, operator: Exists}\n              - {key: node-role.kubernetes.io/control-plane, operator: Exists}\n",
        );
        assert_eq!(positions(&both, "DS703"), ["17:23"]);
        let message = crate::rules::test_support::messages(&both, "DS703").join("");
        assert!(message.contains("no node matches"), "{message}");
        let off = ds(
            "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: node-role.kubernetes.io/master, operator: DoesNotExist}\n",
        );
        let message = crate::rules::test_support::messages(&off, "DS703").join("");
        assert!(
            message.contains("no longer keeps the pods off"),
            "{message}"
        );
    }

    #[test]
    fn the_kube_up_fluentd_label_selects_no_node_elsewhere() {
        let y = ds("      nodeSelector:\n        beta.kubernetes.io/fluentd-ds-ready: \"true\"\n");
        assert_eq!(positions(&y, "DS703"), ["13:9"]);
    }

    #[test]
    fn current_labels_pass() {
        let y = ds(
            "      nodeSelector:\n        kubernetes.io/os: linux\n        kubernetes.io/arch: amd64\n        node.kubernetes.io/instance-type: m5.large\n",
        );
        assert!(positions(&y, "DS703").is_empty());
    }
}
