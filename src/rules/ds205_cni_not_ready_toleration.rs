use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::{self, AgentKind};
use crate::model::toleration::{DaemonPodTolerations, taint};
use crate::model::{DaemonSet, PodSpec};
use crate::rules::host_paths::{self, normalize};

pub static META: RuleMeta = RuleMeta {
    code: "DS205",
    name: "cni-not-ready-toleration",
    severity: Severity::Error,
    summary: "A CNI agent that does not tolerate `node.kubernetes.io/not-ready:NoSchedule`: a new \
              node is NotReady until its CNI runs, and the CNI is not scheduled there until it is \
              Ready",
    doc: include_str!("../../rules/DS205.md"),
};

pub struct CniNotReadyToleration;

const NOT_READY: &str = "node.kubernetes.io/not-ready";

/// Image names of service meshes' CNI installers, which chain after the primary network: the
/// node becomes Ready without them, so they may wait for it, as secondary plugins may.
const MESH_CNI: &[&str] = &["istio", "linkerd", "kuma", "cni-repair"];

impl Rule for CniNotReadyToleration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        if cx.profile.kind != AgentKind::Network
            || !pod.host_network()
            || pod.windows_only()
            || !writes_cni_config(pod)
            || profile::runs_image_named(pod, profile::SECONDARY_CNI)
            || profile::runs_image_named(pod, MESH_CNI)
        {
            return;
        }
        if DaemonPodTolerations::of(pod).tolerate(&taint(NOT_READY, "NoSchedule")) {
            return;
        }
        cx.report(
            Diagnostic::new(
                &META,
                pod.tolerations_key.unwrap_or(pod.key),
                format!(
                    "the pod does not tolerate `{NOT_READY}:NoSchedule`: the kubelet registers a \
                     node with that taint and the node lifecycle controller keeps it while the \
                     node is NotReady, which a node without a CNI plugin stays, so this CNI agent \
                     is never scheduled onto a new node and the node never becomes Ready (the \
                     DaemonSet controller adds only the NoExecute form of this toleration)"
                ),
            )
            .label("no not-ready:NoSchedule toleration")
            .help(format!(
                "tolerate it, as upstream CNI manifests do: `{{key: {NOT_READY}, operator: \
                 Exists, effect: NoSchedule}}`, or every NoSchedule taint (`{{operator: Exists, \
                 effect: NoSchedule}}`)"
            )),
        );
    }
}

/// Whether a container of the pod mounts the node's CNI config folder writable: it installs
/// the network configuration the kubelet waits for.
fn writes_cni_config(pod: &PodSpec) -> bool {
    host_paths::mounts(pod).iter().any(|m| {
        matches!(
            normalize(&m.path.value).as_str(),
            "/etc/cni/net.d" | "/etc/cni"
        ) && !m.mount.read_only.as_ref().is_some_and(|r| r.value)
    })
}
