use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::profile::AgentKind;
use crate::rules::probes;

pub static META: RuleMeta = RuleMeta {
    code: "DS602",
    name: "missing-readiness-probe",
    severity: Severity::Note,
    summary: "A container has no readinessProbe, so a rollout cannot tell a broken agent from a working one",
    doc: include_str!("../../rules/DS602.md"),
};

pub struct MissingReadinessProbe;

impl Rule for MissingReadinessProbe {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // An application spread over the nodes is not a node agent: whether it needs probes is
        // its own chart's business, outside the node-agent checklist.
        if cx.profile.kind == AgentKind::Workload {
            return;
        }
        // A liveness probe already shows a failing new version unready (restarted), which
        // stops the rollout; a container that serves nothing over TCP has no endpoint to ask
        // and no consumer for "ready": a crashing new version stops the rollout anyway, and
        // DS601 watches for a hung one.
        // A kubelet plugin (device plugin, CSI node plugin) is working when it has registered
        // with the kubelet over its socket, which no probe of its port sees; DS601 is the
        // finding for it. A pod one of whose containers has a readiness probe already stops a
        // rollout where that container is not ready.
        if matches!(
            cx.profile.kind,
            AgentKind::DevicePlugin | AgentKind::CsiNode
        ) || pod.containers.iter().any(|c| c.readiness_probe.is_some())
        {
            return;
        }
        let asked = |c: &crate::model::Container| {
            c.readiness_probe.is_none() && c.liveness_probe.is_none() && serves_tcp(c)
        };
        for c in probes::judged(pod, cx.profile).filter(|c| asked(c)) {
            cx.report(
                Diagnostic::new(
                    &META,
                    c.at(),
                    format!("{} has no readinessProbe", c.describe()),
                )
                .label("counted as ready as soon as it starts")
                .help(
                    "add a readinessProbe on the agent's health endpoint, so a rolling \
                         update stops at the first nodes where the new version does not work",
                ),
            );
        }
    }
}

/// A TCP port (the default protocol), which an httpGet or tcpSocket probe could ask, or a
/// probe that asks a port; a UDP receiver (StatsD) has nothing such a probe can reach.
fn serves_tcp(c: &crate::model::Container) -> bool {
    probes::tcp_port(c) || (c.ports.is_empty() && probes::serves(c))
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn reported_per_container() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - {name: c, image: i:1, ports: [{containerPort: 9000}]}\n      - {name: ok, image: i:1, livenessProbe: {httpGet: {port: 80}}}\n";
        assert_eq!(positions(y, "DS602"), ["10:10"]);
        // Without a port, and beside a container that is probed, there is nothing to ask.
        let portless = y.replace(", ports: [{containerPort: 9000}]", "");
        assert!(positions(&portless, "DS602").is_empty());
        // Beside a container with a readiness probe, the pod's readiness already waits on it.
        let ready_beside = y.replace("livenessProbe", "readinessProbe");
        assert!(positions(&ready_beside, "DS602").is_empty());
    }
}
