//! Which nodes a pod's node selection lets it onto. The DaemonSet controller places pods by
//! nodeSelector, required node affinity and taints only: a pod runs on a node when every
//! nodeSelector entry matches and, if there are required terms, at least one term matches.

use super::{PodSpec, Requirement};
use crate::source::Span;

pub const OS: &str = "kubernetes.io/os";
pub const CONTROL_PLANE: &str = "node-role.kubernetes.io/control-plane";
pub const MASTER: &str = "node-role.kubernetes.io/master";

/// Labels every node carries that describe its platform or location, not a pool of nodes:
/// selecting on them does not say "only these special nodes".
const PLATFORM_LABELS: &[&str] = &[
    OS,
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
];

/// One label requirement on nodes, with a nodeSelector entry read as `key In [value]`.
#[derive(Debug)]
pub struct NodeRequirement<'a> {
    pub key: &'a str,
    pub operator: &'a str,
    pub values: Vec<&'a str>,
    /// The key as written, for findings.
    pub at: Span,
}

impl<'a> NodeRequirement<'a> {
    pub fn from_expression(r: &'a Requirement) -> Option<NodeRequirement<'a>> {
        let key = r.key.as_ref()?;
        Some(NodeRequirement {
            key: &key.value,
            operator: r.operator.as_ref().map_or("", |o| o.value.as_str()),
            values: r.values.iter().map(|v| v.value.as_str()).collect(),
            at: key.span,
        })
    }

    /// Whether `other` tests its label the same way: the same operator and the same values,
    /// in any order.
    pub fn same_test(&self, other: &NodeRequirement) -> bool {
        fn sorted<'v>(values: &[&'v str]) -> Vec<&'v str> {
            let mut v = values.to_vec();
            v.sort_unstable();
            v
        }
        self.operator == other.operator && sorted(&self.values) == sorted(&other.values)
    }

    /// Requirements a node meets only by carrying a label: In, Exists, Gt, Lt.
    pub fn is_positive(&self) -> bool {
        matches!(self.operator, "In" | "Exists" | "Gt" | "Lt")
    }

    /// `kubernetes.io/os` (or its deprecated beta twin, which the kubelet still sets) with
    /// In or NotIn: the pod is kept to, or away from, named operating systems.
    pub fn constrains_os(&self) -> bool {
        matches!(self.key, OS | "beta.kubernetes.io/os") && matches!(self.operator, "In" | "NotIn")
    }

    /// A positive requirement on a label that only Linux nodes carry: node feature discovery
    /// (`feature.node.kubernetes.io/...`) and NVIDIA's GPU stack (`nvidia.com/...`) run on
    /// Linux only, GKE labels only its GPU and TPU nodes with `cloud.google.com/gke-gpu`,
    /// `gke-accelerator` and `gke-tpu-*`, which Windows node pools cannot have, and the
    /// control plane runs on Linux only; GKE's `cloud.google.com/gke-os-distribution` In
    /// values that are not Windows images (`cos`, `ubuntu`) names a Linux image. A pod kept to
    /// such labels is kept to Linux nodes.
    pub fn only_linux_nodes_carry(&self) -> bool {
        let gke_linux_image = self.key == "cloud.google.com/gke-os-distribution"
            && self.operator == "In"
            && !self.values.is_empty()
            && self.values.iter().all(|v| !v.starts_with("windows"));
        gke_linux_image
            || self.selects_control_plane()
            || self.is_positive()
                && (self.key.starts_with("feature.node.kubernetes.io/")
                    || self.key.starts_with("nvidia.com/")
                    || self.key.starts_with("cloud.google.com/gke-gpu")
                    || self.key.starts_with("cloud.google.com/gke-accelerator")
                    || self.key.starts_with("cloud.google.com/gke-tpu"))
    }

    /// An OS requirement no Linux node meets (`In` without `linux`, `NotIn` with it), e.g.
    /// `kubernetes.io/os: windows`.
    pub fn excludes_linux(&self) -> bool {
        self.constrains_os()
            && match self.operator {
                "In" => !self.values.contains(&"linux"),
                _ => self.values.contains(&"linux"),
            }
    }

    /// A positive requirement on a label that marks a subset of nodes (a pool, an instance
    /// type, a GPU label, a worker role), rather than a platform label or the control-plane
    /// role.
    pub fn selects_pool(&self) -> bool {
        self.is_positive()
            && !PLATFORM_LABELS.contains(&self.key)
            && !matches!(self.key, CONTROL_PLANE | MASTER)
    }

    /// A positive requirement on the control-plane role label (or its old `master` twin):
    /// the pod is kept to control-plane nodes.
    pub fn selects_control_plane(&self) -> bool {
        self.is_positive() && matches!(self.key, CONTROL_PLANE | MASTER)
    }

    /// `node-role.kubernetes.io/control-plane` DoesNotExist, or NotIn `""` (the value kubeadm
    /// gives the label): control-plane nodes are left out.
    pub fn excludes_control_plane(&self) -> bool {
        self.key == CONTROL_PLANE
            && (self.operator == "DoesNotExist"
                || (self.operator == "NotIn" && self.values.contains(&"")))
    }
}

impl PodSpec {
    fn selector_requirements(&self) -> impl Iterator<Item = NodeRequirement<'_>> {
        self.node_selector.iter().map(|pair| NodeRequirement {
            key: &pair.value.0,
            operator: "In",
            values: vec![pair.value.1.as_str()],
            at: pair.key,
        })
    }

    /// Whether every node the pod may run on meets a requirement for which `test` holds:
    /// some nodeSelector entry passes, or there are required terms and each term (they are
    /// ORed) has a passing expression.
    pub fn only_on_nodes(&self, test: impl Fn(&NodeRequirement) -> bool) -> bool {
        if self.selector_requirements().any(|r| test(&r)) {
            return true;
        }
        !self.required_node_terms.is_empty()
            && self.required_node_terms.iter().all(|term| {
                term.iter()
                    .filter_map(NodeRequirement::from_expression)
                    .any(|r| test(&r))
            })
    }

    /// Whether the pod runs only on Windows nodes: a HostProcess pod, or node selection that
    /// keeps it off Linux.
    pub fn windows_only(&self) -> bool {
        self.host_process || self.only_on_nodes(|r| r.excludes_linux())
    }

    /// Every label requirement on nodes: nodeSelector, required and preferred node affinity.
    pub fn node_requirements(&self) -> Vec<NodeRequirement<'_>> {
        let expressions = self
            .required_node_terms
            .iter()
            .chain(&self.preferred_node_terms)
            .flatten()
            .filter_map(NodeRequirement::from_expression);
        self.selector_requirements().chain(expressions).collect()
    }
}
