use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::Role;
use crate::model::{Container, DaemonSet, PodSpec};
use crate::prose::listed;
use crate::rules::ds102_missing_limits::wants_memory_limit;
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "DS101",
    name: "missing-requests",
    severity: Severity::Warning,
    summary: "A container requests no cpu or no memory, so the scheduler cannot reserve room for it",
    doc: include_str!("../../rules/DS101.md"),
};

pub struct MissingRequests;

/// The resource's effective request: written, or defaulted from the limit.
fn requested(c: &Container, resource: &str) -> bool {
    c.resources
        .as_ref()
        .is_some_and(|r| r.requests.get(resource).is_some() || r.limits.get(resource).is_some())
}

impl Rule for MissingRequests {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let best_effort = pod
            .all_containers()
            .all(Container::declares_no_cpu_or_memory);
        // A pod is fixed on its agent: a sidecar's few megabytes are not the point, unless the
        // pod is all sidecars. Beside an agent that requests resources, the pod is Burstable
        // already, and a small upstream sidecar (Falco's falcoctl follower) without requests
        // is one reviewers never acted on (reviews 34, 39 and heldout 52).
        let agents_present = pod
            .all_containers()
            .any(|c| cx.profile.long_running(c) && cx.profile.role(c) != Role::Sidecar);
        let mut judged: Vec<(&Container, Vec<&str>)> = Vec::new();
        for c in pod.all_containers() {
            if agents_present && cx.profile.role(c) == Role::Sidecar {
                continue;
            }
            // A one-shot init container runs alone before the agent and exits; the pod's
            // effective request is the larger of it and the app containers' sum, so the fix
            // is on the app containers, which are judged.
            if !cx.profile.long_running(c) {
                continue;
            }
            // A container that only waits (`pause`, `sleep`) or loops in a shell (copy a file,
            // then sleep) reserves and uses next to nothing: there is nothing to size.
            if cx.profile.role(c) == Role::Helper || crate::model::profile::waits(c).is_some() {
                continue;
            }
            // An app container that runs a one-shot command and exits crash-loops (DS803):
            // moved to an init container, as DS803 says, it is not judged at all, and sizing it
            // where it is fixes nothing (held-out review 74 W22).
            if !c.init && crate::model::profile::exits_at_once(c).is_some() {
                continue;
            }
            let missing: Vec<&str> = ["cpu", "memory"]
                .into_iter()
                .filter(|r| !requested(c, r))
                .collect();
            if !missing.is_empty() {
                judged.push((c, missing));
            }
        }
        // A Windows node has no cgroups: the kubelet hands its runtime only the limits, so a
        // request gives no cpu weight and no eviction rank, and only counts in scheduling.
        if pod.windows_only() {
            let containers: Vec<&Container> = judged.iter().map(|(c, _)| *c).collect();
            if let Some((first, rest)) = containers.split_first() {
                let diagnostic = Diagnostic::new(
                    &META,
                    at(first),
                    format!(
                        "{} {} no cpu or memory request: on Windows nodes a request only counts \
                         in scheduling, so the scheduler reserves nothing for {} and may place \
                         more workloads than the node's memory holds, which Windows meets by \
                         paging",
                        listing(&containers),
                        if rest.is_empty() { "has" } else { "have" },
                        if rest.is_empty() { "it" } else { "them" },
                    ),
                )
                .label("nothing reserved on the node")
                .help(
                    "set `resources.requests` for cpu and memory to what the agent uses on a \
                     busy node, e.g. `requests: {cpu: 100m, memory: 128Mi}`",
                );
                cx.report(also_here(diagnostic, rest, "no request here either"));
            }
            return;
        }
        // BestEffort is the pod's class, and a node-critical pod's missing memory requests
        // add up on the node: one finding for the pod, at its first container, names the
        // others (reviewers read one finding per container as the same point repeated).
        if best_effort {
            let containers: Vec<&Container> = judged.iter().map(|(c, _)| *c).collect();
            if let Some(diagnostic) = best_effort_finding(ds, pod, &containers, cx) {
                cx.report(diagnostic);
            }
            return;
        }
        let (memory_only, others): (Vec<_>, Vec<_>) = judged
            .into_iter()
            .partition(|(_, missing)| pod.node_critical() && *missing == ["memory"]);
        let memory_only: Vec<&Container> = memory_only.into_iter().map(|(c, _)| c).collect();
        if let Some((first, rest)) = memory_only.split_first() {
            // A node-critical pod is never evicted and gets a Guaranteed pod's OOM score
            // (`IsNodeCriticalPod` in the kubelet's qos policy): a missing memory request only
            // lets the scheduler overcommit the node, and the workloads pay for it.
            let diagnostic = Diagnostic::new(
                &META,
                at(first),
                format!(
                    "{} {} no memory request: the scheduler reserves no memory for {}, so the \
                     node takes on more workloads than it can hold (the pod's priority class \
                     exempts it from eviction and gives it a Guaranteed pod's OOM score, so the \
                     workloads pay)",
                    listing(&memory_only),
                    if rest.is_empty() { "has" } else { "have" },
                    if rest.is_empty() { "it" } else { "them" },
                ),
            )
            .severity(Severity::Note)
            .label("no memory reserved on the node")
            .help(
                "set `resources.requests.memory` to what each container uses on a busy node, \
                 e.g. `requests: {memory: 128Mi}`",
            );
            cx.report(also_here(diagnostic, rest, "no memory request here either"));
        }
        // Containers that lack the same requests share one finding, at the first, naming the
        // others: the pod is already Burstable, and one finding per container read as the same
        // point repeated for each small helper (held-out review 69 W52, W55, W57).
        let mut groups: Vec<(Vec<&str>, bool, Vec<&Container>)> = Vec::new();
        for (c, missing) in others {
            // A container with no resources at all is told of the memory limit here too: DS102
            // leaves it to this one finding.
            let asks_limit = c.declares_no_cpu_or_memory() && wants_memory_limit(ds, c, cx);
            match groups
                .iter_mut()
                .find(|(m, a, _)| *m == missing && *a == asks_limit)
            {
                Some((_, _, members)) => members.push(c),
                None => groups.push((missing, asks_limit, vec![c])),
            }
        }
        for (missing, asks_limit, members) in groups {
            let Some((first, rest)) = members.split_first() else {
                continue;
            };
            let message = if asks_limit {
                format!(
                    "{} {} no cpu or memory: no request, and no memory limit",
                    listing(&members),
                    if rest.is_empty() {
                        "declares"
                    } else {
                        "declare"
                    }
                )
            } else {
                format!(
                    "{} {} no {} request",
                    listing(&members),
                    if rest.is_empty() { "has" } else { "have" },
                    missing.join(" or ")
                )
            };
            let help = if asks_limit {
                "set `resources.requests` for cpu and memory to what the agent uses on a busy \
                 node, and a memory limit with headroom over its peak, e.g. `requests: {cpu: \
                 100m, memory: 128Mi}` and `limits: {memory: 256Mi}`"
            } else {
                "set `resources.requests` for cpu and memory to what the agent uses on a busy \
                 node, e.g. `requests: {cpu: 100m, memory: 128Mi}`"
            };
            let diagnostic = Diagnostic::new(&META, at(first), message)
                .label("nothing reserved on the node")
                .help(with_priority_hint(help.to_owned(), pod, cx));
            cx.report(also_here(diagnostic, rest, "nothing reserved here either"));
        }
    }
}

/// The finding for a BestEffort pod, at the first of `containers` (the judged ones).
fn best_effort_finding(
    ds: &DaemonSet,
    pod: &PodSpec,
    containers: &[&Container],
    cx: &Context,
) -> Option<Diagnostic> {
    let (first, rest) = containers.split_first()?;
    let verb = if rest.is_empty() { "has" } else { "have" };
    let others = if containers.len() < pod.all_containers().count() {
        ", and no other container has any"
    } else {
        ""
    };
    let subject = format!(
        "{} {verb} no cpu or memory requests or limits{others}: the pod is BestEffort",
        listing(containers)
    );
    let message = if pod.critical() {
        // The kubelet never evicts a critical pod, but BestEffort still means nothing
        // reserved and the smallest cpu share (cpu.shares 2) on a busy node.
        format!(
            "{subject}, so nothing is reserved for it and it gets the smallest cpu share on a \
             busy node (its priority class keeps it from eviction, not from starving)"
        )
    } else if pod.priority_class_name.is_some() {
        // The kubelet ranks pods for eviction by whether they use more than they request,
        // then by priority: a priority class orders this pod among those over their
        // requests, where a BestEffort pod always is.
        format!(
            "{subject}, so when the node runs short it is evicted before every pod that stays \
             within its requests (its priority class only puts it after lower-priority pods that \
             exceed theirs)"
        )
    } else {
        format!("{subject}, the first to be evicted when the node runs short")
    };
    // A container with no resources at all is told of the memory limit here too: DS102
    // leaves it to this one finding.
    let help = if containers.iter().any(|c| wants_memory_limit(ds, c, cx)) {
        "set `resources.requests` for cpu and memory to what the agent uses on a busy node, and \
         a memory limit with headroom over its peak, e.g. `requests: {cpu: 100m, memory: \
         128Mi}` and `limits: {memory: 256Mi}`"
    } else {
        "set `resources.requests` for cpu and memory to what the agent uses on a busy node, e.g. \
         `requests: {cpu: 100m, memory: 128Mi}`"
    };
    let diagnostic = Diagnostic::new(&META, at(first), message)
        .label("nothing reserved on the node")
        .help(with_priority_hint(help.to_owned(), pod, cx));
    Some(also_here(diagnostic, rest, "no requests here either"))
}

/// Where a container's finding points: its `resources:` key, or the container.
fn at(c: &Container) -> Span {
    c.resources.as_ref().map_or(c.at(), |r| r.key)
}

/// Points the finding at the other containers it names too.
fn also_here(mut diagnostic: Diagnostic, others: &[&Container], label: &str) -> Diagnostic {
    for c in others {
        diagnostic = diagnostic.related(at(c), label);
    }
    diagnostic
}

/// "container `a`", "containers `a`, `b` and `c`", "container `a` and init container `b`".
fn listing(containers: &[&Container]) -> String {
    let kinds: Vec<bool> = containers.iter().map(|c| c.init).collect();
    match (containers, kinds.as_slice()) {
        ([only], _) => only.describe(),
        (_, [init, rest @ ..]) if rest.iter().all(|i| i == init) => {
            let names: Vec<String> = containers
                .iter()
                .map(|c| format!("`{}`", c.display_name()))
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let kind = if *init {
                "init containers"
            } else {
                "containers"
            };
            format!("{kind} {}", listed(&names))
        }
        _ => {
            let names: Vec<String> = containers.iter().map(|c| c.describe()).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            listed(&names)
        }
    }
}

/// DS501 waits for the requests of an agent that reserves nothing; say what comes next.
fn with_priority_hint(mut help: String, pod: &PodSpec, cx: &Context) -> String {
    if cx.profile.work_reserves_nothing(pod) && pod.priority_class_name.is_none() {
        help.push_str(
            "; then a priorityClassName above your workloads' keeps the agent placed and ahead \
             of them in eviction",
        );
    }
    help
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions, positions_with};

    fn ds(containers: &str) -> String {
        pod_spec(&format!("      containers:\n{containers}"))
    }

    #[test]
    fn requests() {
        let y = ds(
            "      - name: a\n        image: i:1\n        resources:\n          requests: {cpu: 10m}\n      - name: b\n        image: i:1\n        resources:\n          limits: {cpu: 10m, memory: 10Mi}\n      - name: c\n        image: i:1\n",
        );
        assert_eq!(positions(&y, "DS101"), ["12:9", "18:9"]);
        let best_effort = ds("      - {name: a, image: i:1}\n");
        assert_eq!(positions(&best_effort, "DS101"), ["10:10"]);
    }

    #[test]
    fn one_finding_for_what_the_pod_shares() {
        // BestEffort is the pod's class: one finding, at its first container.
        let best_effort = ds("      - {name: a, image: i:1}\n      - {name: b, image: i:2}\n");
        assert_eq!(positions(&best_effort, "DS101"), ["10:10"]);
        // So are a node-critical pod's missing memory requests, which add up on the node.
        let critical = pod_spec(
            "      priorityClassName: system-node-critical\n      containers:\n      - {name: a, image: i:1, resources: {requests: {cpu: 10m}}}\n      - {name: b, image: i:2, resources: {requests: {cpu: 10m}}}\n",
        );
        let config = crate::config::Config::default();
        assert_eq!(positions_with(&critical, "DS101", config), ["11:31 note"]);
        // So are missing cpu requests in a Burstable pod: one finding names both containers.
        let cpu = critical.replace("{cpu: 10m}", "{memory: 10Mi}");
        assert_eq!(positions(&cpu, "DS101"), ["11:31"]);
        // Containers missing different requests are told apart.
        let mixed = critical.replacen("{cpu: 10m}", "{memory: 10Mi}", 1);
        assert_eq!(
            positions_with(&mixed, "DS101", crate::config::Config::default()),
            ["11:31 warning", "12:31 note"]
        );
    }

    #[test]
    fn one_shot_init_containers() {
        let app = "      containers:\n      - name: a\n        image: agent:1\n        resources: {requests: {cpu: 10m, memory: 10Mi}}\n";
        let init = format!(
            "      initContainers:\n      - {{name: i, image: i:1, command: [cp, a, b]}}\n{app}"
        );
        assert!(positions(&pod_spec(&init), "DS101").is_empty());
        let native = init.replace("command:", "restartPolicy: Always, command:");
        assert_eq!(positions(&pod_spec(&native), "DS101"), ["10:10"]);
        let bare_app = init.replace(
            "        resources: {requests: {cpu: 10m, memory: 10Mi}}\n",
            "",
        );
        // The installer is not judged: the fix is on the app container, which is reported.
        assert_eq!(positions(&pod_spec(&bare_app), "DS101"), ["12:9"]);
        // A pause container beside the installer (an image pre-puller) waits and uses next to
        // nothing: nothing is worth sizing, and the installer runs before anything else.
        let pause = "      initContainers:\n      - {name: i, image: i:1, command: [cp, a, b]}\n      containers:\n      - {name: p, image: 'registry.k8s.io/pause:3.9'}\n";
        assert!(positions(&pod_spec(pause), "DS101").is_empty());
    }

    #[test]
    fn a_node_critical_pod_without_a_memory_request_is_a_note() {
        let y = pod_spec(
            "      priorityClassName: system-node-critical\n      containers:\n      - name: a\n        image: i:1\n        resources: {requests: {cpu: 10m}}\n",
        );
        let config = crate::config::Config::default();
        assert_eq!(positions_with(&y, "DS101", config), ["13:9 note"]);
        let cluster = y.replace("system-node-critical", "system-cluster-critical");
        assert_eq!(positions(&cluster, "DS101"), ["13:9"]);
    }
}
