use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::profile::exits_at_once;

pub static META: RuleMeta = RuleMeta {
    code: "DS803",
    name: "container-exits-at-once",
    severity: Severity::Warning,
    summary: "An app container runs a one-shot command and exits: the kubelet restarts it forever",
    doc: include_str!("../../rules/DS803.md"),
};

pub struct ContainerExitsAtOnce;

impl Rule for ContainerExitsAtOnce {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in &pod.containers {
            let Some(what) = exits_at_once(c) else {
                continue;
            };
            let at = c
                .command
                .first()
                .or(c.args.first())
                .map_or(c.at(), |a| a.span);
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} runs `{what}` and exits: a DaemonSet's pods always restart their \
                         containers, so the kubelet runs it again and again, backing off up to \
                         5 minutes (CrashLoopBackOff) on every node",
                        c.describe()
                    ),
                )
                .label("exits when done")
                .help(
                    "run the step in an init container and keep the pod up with a `pause` \
                     container (`registry.k8s.io/pause`), or end the script with \
                     `sleep infinity`",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    #[test]
    fn one_shot_commands_only() {
        let ds = |c: &str| pod_spec(&format!("      containers:\n      - {c}\n"));
        let direct = ds(
            "{name: s, image: 'busybox:1.36', command: [nsenter, -t, '1', -m, --, sysctl, -w, vm.max_map_count=262144]}",
        );
        assert_eq!(positions(&direct, "DS803"), ["10:52"]);
        let script =
            ds("{name: s, image: 'busybox:1.36', command: [sh, -c, 'sysctl -w a=1 && echo done']}");
        assert_eq!(positions(&script, "DS803"), ["10:52"]);
        for quiet in [
            "{name: s, image: 'busybox:1.36', command: [sh, -c, 'sysctl -w a=1 && sleep infinity']}",
            "{name: s, image: 'busybox:1.36', command: [sh, -c, 'while true; do sysctl -w a=1; sleep 60; done']}",
            "{name: s, image: 'example.com/agent:1.0', args: [--sysctl]}",
        ] {
            assert!(positions(&ds(quiet), "DS803").is_empty(), "{quiet}");
        }
    }
}
