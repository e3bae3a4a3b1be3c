use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::AgentKind;
use crate::model::{DaemonSet, Probe};
use crate::rules::probes;

pub static META: RuleMeta = RuleMeta {
    code: "DS604",
    name: "low-failure-threshold",
    severity: Severity::Warning,
    summary: "A liveness or startup probe restarts the agent after too few failures",
    doc: include_str!("../../rules/DS604.md"),
};

pub struct LowFailureThreshold;

impl Rule for LowFailureThreshold {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let min = cx.settings.min_failure_threshold;
        let why = match cx.profile.kind {
            AgentKind::LogCollector => {
                "a restarted log shipper replays from its checkpoint and loses or duplicates data"
            }
            _ => "a restart loses the agent's work in progress and its warm caches",
        };
        for c in probes::judged(pod, cx.profile) {
            let probes = [
                (&c.liveness_probe, "liveness probe"),
                (&c.startup_probe, "startupProbe"),
            ];
            for (probe, which) in probes {
                let Some(probe) = probe else { continue };
                let threshold = probes::failure_threshold(probe);
                if threshold >= min || (threshold >= 2 && tolerates_as_long(probe, threshold, min))
                {
                    continue;
                }
                cx.report(
                    Diagnostic::new(
                        &META,
                        at(probe),
                        format!(
                            "the {which} of {} restarts it after {}: a load spike or a slow \
                             disk is enough",
                            c.describe(),
                            stall(probe, threshold)
                        ),
                    )
                    .label("restarts on a short hiccup")
                    .help(format!("set `failureThreshold: {min}` or more; {why}")),
                );
            }
        }
    }
}

/// Whether the probe rides out a stall as long as `min` checks at the default 10 s period
/// would: two checks a minute apart tolerate more than three ten seconds apart.
fn tolerates_as_long(probe: &Probe, threshold: i64, min: i64) -> bool {
    let timeout = probe.timeout_seconds.as_ref().map_or(1, |t| t.value);
    let period = probe.period_seconds.as_ref().map_or(10, |p| p.value);
    // The default probe: checks 10 s apart, each failing after its 1 s timeout.
    let default_stall = (min - 1) * 10 + 1;
    (threshold - 1) * period + timeout >= default_stall
}

/// How short a stall restarts the container: the kubelet restarts it at the `threshold`-th
/// failed check in a row, checks come `periodSeconds` apart, and each fails after
/// `timeoutSeconds` without an answer.
fn stall(probe: &Probe, threshold: i64) -> String {
    let timeout = probe.timeout_seconds.as_ref().map_or(1, |t| t.value);
    if threshold <= 1 {
        return format!("one failed check, a single answer slower than its {timeout} s timeout");
    }
    let period = probe.period_seconds.as_ref().map_or(10, |p| p.value);
    let seconds = (threshold - 1) * period + timeout;
    format!("{threshold} failed checks {period} s apart, a stall of about {seconds} seconds")
}

/// The written threshold, or the probe when it is absent (the default 3 only fires when the
/// setting asks for more).
fn at(probe: &Probe) -> crate::source::Span {
    probe
        .failure_threshold
        .as_ref()
        .map_or(probe.key, |t| t.whole())
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(probe: &str) -> String {
        pod_spec(&format!(
            "      containers:\n      - name: c\n        image: i:1\n        livenessProbe:\n          httpGet: {{port: 80}}\n{probe}"
        ))
    }

    #[test]
    fn thresholds() {
        assert_eq!(
            positions(&ds("          failureThreshold: 1\n"), "DS604"),
            ["14:11"]
        );
        assert!(positions(&ds("          failureThreshold: 3\n"), "DS604").is_empty());
        assert!(positions(&ds(""), "DS604").is_empty(), "the default is 3");
        let startup = ds(
            "        startupProbe: {httpGet: {port: 80}, failureThreshold: 1, periodSeconds: 60}\n",
        );
        assert_eq!(positions(&startup, "DS604"), ["14:45"]);
    }
}
