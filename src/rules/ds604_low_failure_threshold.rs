use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::rules::probes;

pub static META: RuleMeta = RuleMeta {
    code: "DS604",
    name: "low-failure-threshold",
    severity: Severity::Warning,
    summary: "The liveness probe restarts the agent after too few failures",
    doc: include_str!("../../rules/DS604.md"),
};

pub struct LowFailureThreshold;

/// The API's default when the field is absent.
const DEFAULT_THRESHOLD: i64 = 3;

impl Rule for LowFailureThreshold {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let min = cx.settings.min_failure_threshold;
        for c in probes::judged(pod) {
            let Some(probe) = &c.liveness_probe else {
                continue;
            };
            let (threshold, at) = match &probe.failure_threshold {
                Some(t) => (t.value, t.whole()),
                None => (DEFAULT_THRESHOLD, probe.key),
            };
            if threshold >= min {
                continue;
            }
            let period = probe.period_seconds.as_ref().map_or(10, |p| p.value);
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "the liveness probe of {} restarts it after {threshold} failed {} \
                         ({} seconds): a load spike or a slow disk is enough",
                        c.describe(),
                        if threshold == 1 { "check" } else { "checks" },
                        threshold * period
                    ),
                )
                .label("restarts on a short hiccup")
                .help(format!(
                    "set `failureThreshold: {min}` or more; a restarted collector replays from \
                     its checkpoint and loses or duplicates data"
                )),
            );
        }
    }
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
    }
}
