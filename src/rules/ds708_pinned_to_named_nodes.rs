use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, NodeRequirement};

pub static META: RuleMeta = RuleMeta {
    code: "DS708",
    name: "pinned-to-named-nodes",
    severity: Severity::Warning,
    summary: "Node selection by `kubernetes.io/hostname`: the agent runs only on the nodes named, \
              never on nodes added or replaced later",
    doc: include_str!("../../rules/DS708.md"),
};

pub struct PinnedToNamedNodes;

const HOSTNAME: &str = "kubernetes.io/hostname";

fn names_hosts(r: &NodeRequirement) -> bool {
    r.key == HOSTNAME && r.operator == "In"
}

impl Rule for PinnedToNamedNodes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        if !pod.only_on_nodes(names_hosts) {
            return;
        }
        let requirements = pod.node_requirements();
        let named: Vec<&NodeRequirement> = requirements.iter().filter(|r| names_hosts(r)).collect();
        let Some(first) = named.first() else { return };
        let mut hosts: Vec<&str> = named.iter().flat_map(|r| r.values.clone()).collect();
        hosts.sort_unstable();
        hosts.dedup();
        let listed = hosts
            .iter()
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let which = if hosts.len() == 1 { "node" } else { "nodes" };
        cx.report(
            Diagnostic::new(
                &META,
                first.at,
                format!(
                    "the pod template selects nodes by `{HOSTNAME}`, so the DaemonSet runs only \
                     on the {which} {listed}: a node added or replaced later never gets the \
                     agent, and a node's name says nothing of what the agent needs from it"
                ),
            )
            .label("named hosts only")
            .help(
                "select the nodes by a label that says what the agent needs (a node pool, a \
                 role, a node feature discovery label); if this was left from debugging on one \
                 node, remove it",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    #[test]
    fn hostnames() {
        let selector = pod_spec(
            "      nodeSelector:\n        kubernetes.io/hostname: worker3\n      containers: [{name: a, image: 'i:1'}]\n",
        );
        assert_eq!(positions(&selector, "DS708"), ["10:9"]);
        let affinity = pod_spec(
            "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: kubernetes.io/hostname, operator: NotIn, values: [old-1]}\n      containers: [{name: a, image: 'i:1'}]\n",
        );
        assert!(
            positions(&affinity, "DS708").is_empty(),
            "NotIn leaves nodes out"
        );
    }
}
