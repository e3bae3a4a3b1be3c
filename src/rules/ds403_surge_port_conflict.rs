use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, IntOrPercent};

pub static META: RuleMeta = RuleMeta {
    code: "DS403",
    name: "surge-port-conflict",
    severity: Severity::Error,
    summary: "maxSurge with a host port: the surge pod can never bind the port and the rollout stalls",
    doc: include_str!("../../rules/DS403.md"),
};

pub struct SurgePortConflict;

impl Rule for SurgePortConflict {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        if !ds.rolls_out() {
            return;
        }
        let Some(surge) = ds.rolling_update().and_then(|r| r.max_surge.as_ref()) else {
            return;
        };
        if surge.value.is_zero() || matches!(surge.value, IntOrPercent::Invalid(_)) {
            return;
        }
        let Some(pod) = ds.pod() else { return };
        let host_network = pod.host_network();
        // The scheduler's NodePorts filter counts regular and restartable init containers
        // (GetHostPorts); a plain init container has exited, and freed its port, before the
        // surge pod's ports matter.
        let holding = pod.all_containers().filter(|c| {
            !c.init
                || c.restart_policy
                    .as_ref()
                    .is_some_and(|p| p.value == "Always")
        });
        for c in holding {
            for p in &c.ports {
                let (port, how) = match (&p.host_port, &p.container_port) {
                    (Some(h), _) if h.value > 0 => (h, "hostPort"),
                    (_, Some(cp)) if host_network => (cp, "containerPort under hostNetwork"),
                    _ => continue,
                };
                cx.report(
                    Diagnostic::new(
                        &META,
                        port.span,
                        format!(
                            "{} binds node port {} ({how}), but `maxSurge` starts the new pod \
                             while the old one still holds it",
                            c.describe(),
                            port.value
                        ),
                    )
                    .label("taken by the old pod during the surge")
                    .related(surge.whole(), "surge enabled here")
                    .help(
                        "set `maxSurge: 0` and use `maxUnavailable` (the default) for agents that \
                         bind host ports",
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn ds(surge: &str, pod: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  updateStrategy:\n    rollingUpdate: {{maxUnavailable: 0, maxSurge: {surge}}}\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n{pod}      containers:\n      - name: c\n        image: i:1\n        ports: [{{containerPort: 9100, hostPort: 9100}}, {{containerPort: 8080}}]\n"
        )
    }

    #[test]
    fn surge_with_host_ports() {
        assert_eq!(positions(&ds("1", ""), "DS403"), ["14:49"]);
        assert_eq!(
            positions(&ds("10%", "      hostNetwork: true\n"), "DS403"),
            ["15:49", "15:72"]
        );
        assert!(positions(&ds("0", "      hostNetwork: true\n"), "DS403").is_empty());
        let init = "      initContainers:\n      - {name: i, image: i:1, ports: [{containerPort: 80, hostPort: 80}]}\n      - {name: s, image: i:1, restartPolicy: Always, ports: [{containerPort: 81, hostPort: 81}]}\n";
        assert_eq!(positions(&ds("1", init), "DS403"), ["13:92", "17:49"]);
    }
}
