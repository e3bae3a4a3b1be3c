use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::AgentKind;
use crate::model::taint::Taint;
use crate::model::toleration::DaemonPodTolerations;
use crate::model::{DaemonSet, PodSpec};
use crate::rules::ds702_unconstrained_gpu_agent::is_gpu_resource;

pub static META: RuleMeta = RuleMeta {
    code: "DS204",
    name: "missing-gpu-toleration",
    severity: Severity::Warning,
    summary: "An NVIDIA GPU agent does not tolerate the `nvidia.com/gpu:NoSchedule` taint of GPU node pools",
    doc: include_str!("../../rules/DS204.md"),
};

pub struct MissingGpuToleration;

/// The taint key GKE puts on GPU node pools (`nvidia.com/gpu=present:NoSchedule`) and that
/// EKS and AKS setups use by convention, with `present` or `true` as the value.
const GPU_TAINT: &str = "nvidia.com/gpu";

impl Rule for MissingGpuToleration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // The profile decides what a GPU agent is (a GPU request, a GPU vendor's image or name,
        // a device-plugins mount); only NVIDIA's stack has a documented taint convention.
        if !matches!(
            cx.profile.kind,
            AgentKind::GpuAgent | AgentKind::DevicePlugin
        ) || !nvidia(ds, pod)
        {
            return;
        }
        // GKE's Windows node pools take no GPUs, and NVIDIA's stack runs on Linux only.
        if pod.windows_only() {
            return;
        }
        // The taint is GKE's (and NVIDIA's operator's) convention: EKS and AKS do not taint GPU
        // nodes so, and a pod kept to their nodes by their labels (EKS's
        // `k8s.amazonaws.com/accelerator`) tolerates what those pools carry, if anything.
        if pod.only_on_nodes(|r| {
            [
                "eks.amazonaws.com/",
                "k8s.amazonaws.com/",
                "kubernetes.azure.com/",
            ]
            .iter()
            .any(|l| r.key.starts_with(l))
        }) {
            return;
        }
        // With `--nodes` the nodes' taints become `required-tolerations`, so DS203 reports the
        // GPU taint the nodes really carry, names them, and stays silent when none does; the
        // same holds when the configuration lists the taint itself. One finding is enough.
        if cx.settings.cluster.is_some()
            || cx
                .settings
                .required_tolerations
                .iter()
                .any(|t| t.key == GPU_TAINT && t.effect == "NoSchedule")
        {
            return;
        }
        // The taint's value differs between clusters (`present` on GKE, often `true`
        // elsewhere): a toleration that accepts the key under some value was written for it.
        let tolerations = DaemonPodTolerations::of(pod);
        if tolerations.list.iter().any(|t| {
            t.terms.tolerates(&Taint {
                key: GPU_TAINT.to_owned(),
                value: t.terms.value.to_owned(),
                effect: "NoSchedule".to_owned(),
            })
        }) {
            return;
        }
        let outcome = outcome(ds, pod, cx.profile.kind);
        cx.report(
            Diagnostic::new(
                &META,
                pod.tolerations_key.unwrap_or(pod.key),
                format!(
                    "the pod does not tolerate `{GPU_TAINT}:NoSchedule`, so the agent never runs \
                     on GPU nodes tainted with it (GKE taints GPU node pools \
                     `{GPU_TAINT}=present:NoSchedule`): {outcome}"
                ),
            )
            .label("no GPU toleration")
            .help(format!(
                "add a toleration `{{key: {GPU_TAINT}, operator: Exists, effect: NoSchedule}}`, \
                 as the NVIDIA device plugin's own manifests do"
            )),
        );
    }
}

/// What the GPU nodes miss without the agent, for the agents whose work is known.
fn outcome(ds: &DaemonSet, pod: &PodSpec, kind: AgentKind) -> &'static str {
    if kind == AgentKind::DevicePlugin {
        return "their GPUs are never advertised, so pods that request one stay Pending";
    }
    let name = ds.metadata.name.as_ref().map_or("", |n| n.value.as_str());
    let runs = |part: &str| {
        name.contains(part)
            || pod
                .all_containers()
                .any(|c| c.image_name().is_some_and(|i| i.contains(part)))
    };
    if runs("feature-discovery") {
        "those nodes get no GPU labels (`nvidia.com/gpu.product` and the rest), and pods that select on them stay Pending"
    } else if runs("dcgm-exporter") {
        "those nodes report no GPU metrics"
    } else {
        "the GPU nodes, the only nodes it is for, go without it"
    }
}

/// Whether the GPU agent is NVIDIA's: it requests an NVIDIA GPU, its image or name is
/// NVIDIA's (DCGM is NVIDIA's GPU manager), or it is kept to nodes with NVIDIA's labels.
fn nvidia(ds: &DaemonSet, pod: &PodSpec) -> bool {
    let resource = pod.all_containers().any(|c| {
        c.extended_resources()
            .any(|r| r.starts_with("nvidia.com/") && is_gpu_resource(r))
    });
    let image = pod.all_containers().any(|c| {
        c.image.as_ref().is_some_and(|i| {
            let lower = i.value.to_ascii_lowercase();
            lower.contains("nvidia") || lower.contains("dcgm")
        })
    });
    let name = ds
        .metadata
        .name
        .as_ref()
        .is_some_and(|n| n.value.to_ascii_lowercase().contains("nvidia"));
    let labels = pod.only_on_nodes(|r| r.is_positive() && r.key.starts_with("nvidia.com/"));
    resource || image || name || labels
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::test_support::{positions, positions_with};
    use crate::settings::{Cluster, Taint};
    use std::sync::Arc;

    fn ds(pod: &str, image: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {{app: a}}\n  template:\n    metadata:\n      labels: {{app: a}}\n    spec:\n{pod}      containers:\n      - name: c\n        image: {image}\n      volumes:\n      - name: dp\n        hostPath: {{path: /var/lib/kubelet/device-plugins}}\n"
        )
    }

    const PLUGIN: &str = "nvcr.io/nvidia/k8s-device-plugin:v0.17.0";

    #[test]
    fn missing() {
        assert_eq!(positions(&ds("", PLUGIN), "DS204"), ["11:5"]);
        let other = ds(
            "      tolerations:\n      - {key: CriticalAddonsOnly, operator: Exists}\n",
            PLUGIN,
        );
        assert_eq!(positions(&other, "DS204"), ["12:7"]);
        // NoExecute does not tolerate a NoSchedule taint.
        let effect = ds(
            "      tolerations:\n      - {key: nvidia.com/gpu, operator: Exists, effect: NoExecute}\n",
            PLUGIN,
        );
        assert_eq!(positions(&effect, "DS204"), ["12:7"]);
        let exporter = ds(
            "",
            "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.0-ubuntu22.04",
        )
        .replace(
            "/var/lib/kubelet/device-plugins",
            "/var/lib/kubelet/pod-resources",
        );
        assert_eq!(positions(&exporter, "DS204"), ["11:5"]);
    }

    #[test]
    fn tolerated_or_not_an_nvidia_agent() {
        for pod in [
            "      tolerations:\n      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}\n",
            "      tolerations:\n      - {key: nvidia.com/gpu, operator: Equal, value: \"true\", effect: NoSchedule}\n",
            "      tolerations:\n      - {key: nvidia.com/gpu, operator: Exists}\n",
            "      tolerations:\n      - operator: Exists\n",
            "      nodeSelector:\n        kubernetes.io/os: windows\n",
        ] {
            assert!(positions(&ds(pod, PLUGIN), "DS204").is_empty(), "{pod}");
        }
        for image in [
            "rocm/k8s-device-plugin:1.25.2.8",
            "intel/intel-gpu-plugin:0.30.0",
        ] {
            assert!(positions(&ds("", image), "DS204").is_empty(), "{image}");
        }
        let log_shipper = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: 'fluent/fluent-bit:3.0'}]\n";
        assert!(positions(log_shipper, "DS204").is_empty());
    }

    #[test]
    fn the_configured_taint_is_ds203s() {
        let mut config = Config::default();
        config.settings.required_tolerations = vec![
            Taint::parse("nvidia.com/gpu=present:NoSchedule").unwrap_or_else(|e| panic!("{e}")),
        ];
        assert!(positions_with(&ds("", PLUGIN), "DS204", config).is_empty());
        // With `--nodes`, the nodes' taints are required tolerations, so DS203 has it too.
        let mut config = Config::default();
        config.settings.cluster = Some(Arc::new(Cluster {
            pools: Vec::new(),
            places: |_, _| true,
        }));
        assert!(positions_with(&ds("", PLUGIN), "DS204", config).is_empty());
    }
}
