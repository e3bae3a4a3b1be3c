use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::rules::probes;

pub static META: RuleMeta = RuleMeta {
    code: "DS603",
    name: "short-liveness-delay",
    severity: Severity::Warning,
    summary: "The liveness probe starts before the agent can be up, and no startupProbe guards startup",
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
        for c in probes::judged(pod) {
            // Liveness checks wait until a startupProbe has succeeded.
            let (Some(probe), None) = (&c.liveness_probe, &c.startup_probe) else {
                continue;
            };
            let (delay, at) = match &probe.initial_delay_seconds {
                Some(d) => (d.value, d.whole()),
                None => (0, probe.key),
            };
            if delay >= min {
                continue;
            }
            let what = if probe.initial_delay_seconds.is_some() {
                format!("`initialDelaySeconds: {delay}`")
            } else {
                "no `initialDelaySeconds` (0)".to_owned()
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "the liveness probe of {} starts with {what}, below {min} seconds, and no \
                         startupProbe guards startup",
                        c.describe()
                    ),
                )
                .label("probed before the agent is up")
                .help(format!(
                    "set `initialDelaySeconds: {min}` or more (cover config loading and first \
                     connections), or add a startupProbe"
                )),
            );
        }
    }
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
    fn delays() {
        let short = ds(
            "        livenessProbe:\n          httpGet: {port: 80}\n          initialDelaySeconds: 3\n",
        );
        assert_eq!(positions(&short, "DS603"), ["14:11"]);
        let absent = ds("        livenessProbe:\n          httpGet: {port: 80}\n");
        assert_eq!(positions(&absent, "DS603"), ["12:9"]);
        let guarded = ds(
            "        livenessProbe: {httpGet: {port: 80}}\n        startupProbe: {httpGet: {port: 80}}\n",
        );
        assert!(positions(&guarded, "DS603").is_empty());
        let long = ds("        livenessProbe: {httpGet: {port: 80}, initialDelaySeconds: 30}\n");
        assert!(positions(&long, "DS603").is_empty());
    }
}
