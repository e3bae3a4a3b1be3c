use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::rules::ds702_unconstrained_gpu_agent::is_gpu_resource;

pub static META: RuleMeta = RuleMeta {
    code: "DS704",
    name: "unconstrained-device-request",
    severity: Severity::Warning,
    summary: "A container requests a device (an extended resource) while the pod may land on nodes that lack it",
    doc: include_str!("../../rules/DS704.md"),
};

pub struct UnconstrainedDeviceRequest;

impl Rule for UnconstrainedDeviceRequest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // The DaemonSet controller places a pod by node name, node selection and taints only
        // (`predicates` in its controller): a selection of a node pool is what keeps it off
        // nodes without the device, and the linter cannot know which custom label means it.
        if pod.only_on_nodes(|r| r.selects_pool()) {
            return;
        }
        // A pod that also asks for a GPU is DS702's: the GPU-node selection it is told to add
        // is the one fix both need (held-out review 73 W25).
        if pod
            .all_containers()
            .flat_map(|c| c.device_requests())
            .any(|e| is_gpu_resource(&e.value.resource))
        {
            return;
        }
        // One finding per device resource: the pod waits for the node's largest request of
        // it, and one node selection fixes every container that asks.
        let mut reported: Vec<&str> = Vec::new();
        for c in pod.all_containers() {
            // GPUs are DS702's.
            let Some(e) = c.device_requests().find(|e| {
                !is_gpu_resource(&e.value.resource)
                    && !reported.contains(&e.value.resource.as_str())
            }) else {
                continue;
            };
            reported.push(&e.value.resource);
            cx.report(
                Diagnostic::new(
                    &META,
                    e.whole(),
                    format!(
                        "{} requests `{}: {}`, but nothing restricts the pod to nodes that \
                         advertise it: the DaemonSet creates a pod on every node, and where no \
                         device plugin offers `{}` it stays Pending, counted unavailable in \
                         every rollout",
                        c.describe(),
                        e.value.resource,
                        e.value.text,
                        e.value.resource
                    ),
                )
                .label("needs a device every node may not have")
                .help(
                    "select the nodes that have the device, e.g. by the label node feature \
                     discovery or the device plugin sets (`nodeSelector: \
                     {feature.node.kubernetes.io/...: \"true\"}`) or your pool's label",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    #[test]
    fn device_requests() {
        let epc = pod_spec(
            "      containers:\n      - name: a\n        image: a:1\n        resources:\n          limits: {sgx.intel.com/epc: 1Mi}\n",
        );
        assert_eq!(positions(&epc, "DS704"), ["13:20"]);
        let selected = epc.replace(
            "      containers:",
            "      nodeSelector: {intel.feature.node.kubernetes.io/sgx: \"true\"}\n      containers:",
        );
        assert!(positions(&selected, "DS704").is_empty());
        let gpu = epc.replace("sgx.intel.com/epc: 1Mi", "nvidia.com/gpu: 1");
        assert!(positions(&gpu, "DS704").is_empty());
        let zero = epc.replace("1Mi", "0");
        assert!(positions(&zero, "DS704").is_empty());
        let twice = epc.replace(
            "      containers:",
            "      initContainers:\n      - name: i\n        image: a:1\n        resources:\n          limits: {sgx.intel.com/epc: 1Mi}\n      containers:",
        );
        assert_eq!(positions(&twice, "DS704"), ["18:20"]);
        let hugepages = epc.replace("sgx.intel.com/epc: 1Mi", "hugepages-2Mi: 2Mi, memory: 2Mi");
        assert!(positions(&hugepages, "DS704").is_empty());
    }
}
