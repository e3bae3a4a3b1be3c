use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::profile::{Role, init_parks};

pub static META: RuleMeta = RuleMeta {
    code: "DS808",
    name: "init-container-parks",
    severity: Severity::Warning,
    summary: "An init container can sleep forever: the pod's agent never starts where it does",
    doc: include_str!("../../rules/DS808.md"),
};

pub struct InitContainerParks;

impl Rule for InitContainerParks {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in &pod.init_containers {
            // A native sidecar (`restartPolicy: Always`) runs all along by design.
            if cx.profile.role(c) != Role::Init {
                continue;
            }
            let Some((at, statement)) = init_parks(c) else {
                continue;
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} runs `{statement}`: on the nodes where it gets there it never \
                         exits, so the pod's app containers never start and a rolling update \
                         stalls on that node",
                        c.describe()
                    ),
                )
                .label("never exits from here")
                .help(
                    "exit instead (`exit 0` when the work is already done), or move the loop \
                     that must keep running into an app container",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(script: &str) -> String {
        pod_spec(&format!(
            "      initContainers:\n      - name: setup\n        image: example.com/setup:1.0\n        command: [sh, -c, '{script}']\n      containers:\n      - name: agent\n        image: example.com/agent:1.0\n"
        ))
    }

    #[test]
    fn parks() {
        assert_eq!(
            positions(&ds("[ -e /done ] && sleep infinity; touch /done"), "DS808"),
            ["12:27"]
        );
        assert_eq!(positions(&ds("tail -f /dev/null"), "DS808"), ["12:27"]);
        assert!(positions(&ds("modprobe br_netfilter; sleep 5"), "DS808").is_empty());
        assert!(positions(&ds("echo sleep infinity"), "DS808").is_empty());
    }
}
