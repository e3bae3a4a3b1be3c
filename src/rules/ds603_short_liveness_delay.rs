use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::AgentKind;
use crate::model::{Container, DaemonSet, Probe};
use crate::rules::probes;

pub static META: RuleMeta = RuleMeta {
    code: "DS603",
    name: "short-liveness-delay",
    severity: Severity::Warning,
    summary: "A liveness or startup probe can restart the agent before it can be up",
    doc: include_str!("../../rules/DS603.md"),
};

pub struct ShortLivenessDelay;

impl Rule for ShortLivenessDelay {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let min = cx.settings.min_liveness_delay;
        let kind = cx.profile.kind;
        for c in probes::judged(pod, cx.profile) {
            // Liveness checks wait until a startupProbe has succeeded, so then the startup
            // probe's own budget is what decides.
            let (probe, which) = match (&c.liveness_probe, &c.startup_probe) {
                (_, Some(startup)) => (startup, "startupProbe"),
                (Some(liveness), None) => (liveness, "livenessProbe"),
                (None, None) => continue,
            };
            let budget = probes::time_to_restart(probe);
            if budget >= min {
                continue;
            }
            // DS604 reports a failure threshold below its floor; when raising it to the floor
            // gives the probe its time too, that one change is the fix, and one finding says it.
            let floor = cx.settings.min_failure_threshold;
            if probes::failure_threshold(probe) < floor
                && probes::time_to_restart_at(probe, floor) >= min
            {
                continue;
            }
            cx.report(finding(c, probe, which, budget, min, kind));
        }
    }
}

fn finding(
    c: &Container,
    probe: &Probe,
    which: &str,
    budget: i64,
    min: i64,
    kind: AgentKind,
) -> Diagnostic {
    let at = probe
        .initial_delay_seconds
        .as_ref()
        .map_or(probe.key, |d| d.whole());
    let delay = probe.initial_delay_seconds.as_ref().map_or(0, |d| d.value);
    let period = probe.period_seconds.as_ref().map_or(10, |p| p.value);
    let threshold = probes::failure_threshold(probe);
    let guard = if which == "livenessProbe" {
        ", and no startupProbe guards startup"
    } else {
        ""
    };
    let why = match kind {
        AgentKind::LogCollector => {
            ": a log shipper replays its backlog at start, and each restart replays it again"
        }
        _ => ": a slow start on a busy node turns into a restart loop",
    };
    Diagnostic::new(
        &META,
        at,
        format!(
            "the {which} of {} can restart it {budget} seconds after it starts ({delay} s delay, \
             then {threshold} failures {period} s apart), below {min} seconds{guard}{why}",
            c.describe()
        ),
    )
    .label("restarts before the agent can be up")
    .help(format!(
        "give the probe {min} seconds or more before its first restart: raise \
         `initialDelaySeconds`, `periodSeconds` or `failureThreshold` (or add a startupProbe)"
    ))
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(container: &str) -> String {
        pod_spec(&format!(
            "      containers:\n      - name: c\n        image: i:1\n{container}"
        ))
    }

    #[test]
    fn time_until_the_first_restart() {
        let short = ds(
            "        livenessProbe:\n          httpGet: {port: 80}\n          initialDelaySeconds: 5\n          periodSeconds: 3\n",
        );
        assert_eq!(positions(&short, "DS603"), ["14:11"]);
        let defaults = ds("        livenessProbe:\n          httpGet: {port: 80}\n");
        assert!(positions(&defaults, "DS603").is_empty(), "0 + 2 x 10 s");
        let fast = ds(
            "        livenessProbe:\n          httpGet: {port: 80}\n          periodSeconds: 5\n",
        );
        assert_eq!(positions(&fast, "DS603"), ["12:9"]);
        let guarded = ds(
            "        livenessProbe: {httpGet: {port: 80}, periodSeconds: 1}\n        startupProbe: {httpGet: {port: 80}, failureThreshold: 30}\n",
        );
        assert!(positions(&guarded, "DS603").is_empty());
        let hasty_startup = ds(
            "        livenessProbe: {httpGet: {port: 80}}\n        startupProbe: {httpGet: {port: 80}, failureThreshold: 1, periodSeconds: 5}\n",
        );
        assert_eq!(positions(&hasty_startup, "DS603"), ["13:9"]);
    }
}
