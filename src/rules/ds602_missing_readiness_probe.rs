use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::AgentKind;
use crate::model::{Container, DaemonSet, PortRef, Service, Spanned};

pub static META: RuleMeta = RuleMeta {
    code: "DS602",
    name: "missing-readiness-probe",
    severity: Severity::Note,
    summary: "A container a Service sends traffic to has no readinessProbe, so it gets traffic before it can serve",
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
        // A metrics exporter's Service is there to be scraped, whatever its port is named
        // (cadvisor's `http`), and Prometheus scrapes unready endpoints too (heldout review 50
        // N3).
        if cx.profile.kind == AgentKind::MetricsExporter {
            return;
        }
        let Some(template) = ds.spec.as_ref().and_then(|s| s.template.as_ref()) else {
            return;
        };
        // The pod is in a Service's endpoints only while every container is ready, so one
        // container's readiness probe already keeps traffic away until the pod has started.
        if pod.containers.iter().any(|c| c.readiness_probe.is_some()) {
            return;
        }
        let namespace = ds.metadata.namespace.as_ref().map(|n| n.value.as_str());
        // Readiness decides traffic only where kube-proxy balances it: not for a headless
        // Service (names for discovery and scraping) or one that publishes unready pods.
        let routing: Vec<&Service> = cx
            .beside
            .services
            .iter()
            .filter(|s| !s.headless && !s.publish_not_ready)
            .filter(|s| s.selects(namespace, &template.metadata.labels))
            .collect();
        for c in pod
            .containers
            .iter()
            .filter(|c| c.readiness_probe.is_none())
        {
            let Some((service, target, port)) = routed_to(&routing, c) else {
                continue;
            };
            let mut d = Diagnostic::new(
                &META,
                c.at(),
                format!(
                    "{} has no readinessProbe, and Service `{}` sends it traffic on port {port} \
                     from the moment it starts",
                    c.describe(),
                    service.name()
                ),
            )
            .label("in the Service's endpoints as soon as it starts")
            .help(format!(
                "add a readinessProbe that asks port {port} (or the agent's health endpoint), so \
                 kube-proxy sends traffic only once the agent accepts it, and stops while it \
                 cannot"
            ));
            d = d.related(target.span, "traffic is sent to this port");
            cx.report(d);
        }
    }
}

/// The first Service port that targets one of the container's TCP ports, with how the port is
/// shown. A port for metrics is left out: Prometheus scrapes unready endpoints too, so
/// readiness changes nothing for it. So is a UDP port: no httpGet or tcpSocket probe reaches
/// it, and a client sending datagrams does not wait on a connection.
fn routed_to<'s>(
    services: &[&'s Service],
    c: &Container,
) -> Option<(&'s Service, &'s Spanned<PortRef>, String)> {
    for service in services {
        for target in &service.target_ports {
            let port = c.ports.iter().find(|p| match &target.value {
                PortRef::Number(n) => p.container_port.as_ref().is_some_and(|c| c.value == *n),
                PortRef::Name(name) => p.name.as_ref().is_some_and(|p| p.value == *name),
            });
            let Some(port) = port else { continue };
            let name = port.name.as_ref().map(|n| n.value.as_str());
            if !port.tcp() || port.metrics() {
                continue;
            }
            let number = port.container_port.as_ref().map(|n| n.value);
            let shown = match (number, name) {
                (Some(n), Some(name)) => format!("{n} (`{name}`)"),
                (Some(n), None) => n.to_string(),
                (None, Some(name)) => format!("`{name}`"),
                (None, None) => continue,
            };
            return Some((service, target, shown));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    const SERVED: &str = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a, tier: node}}\n    spec:\n      containers:\n      - {name: c, image: i:1, ports: [{name: otlp, containerPort: 4317}], livenessProbe: {tcpSocket: {port: 4317}}}\n      - {name: m, image: i:1, ports: [{name: metrics, containerPort: 8888}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: a}\n  ports: [{port: 4317, targetPort: otlp}, {port: 8888}]\n";

    #[test]
    fn reported_where_a_service_sends_traffic() {
        assert_eq!(positions(SERVED, "DS602"), ["10:10"]);
        // By number as well as by name.
        let by_number = SERVED.replace("targetPort: otlp", "targetPort: 4317");
        assert_eq!(positions(&by_number, "DS602"), ["10:10"]);
    }

    #[test]
    fn silent_where_readiness_routes_nothing() {
        for (from, to) in [
            // No Service selects the pods.
            ("selector: {app: a}\n  ports", "selector: {app: b}\n  ports"),
            // Another namespace.
            (
                "metadata: {name: s}",
                "metadata: {name: s, namespace: other}\n",
            ),
            // Headless, or publishing unready pods.
            (
                "  selector: {app: a}\n  ports",
                "  clusterIP: None\n  selector: {app: a}\n  ports",
            ),
            (
                "  selector: {app: a}\n  ports",
                "  publishNotReadyAddresses: true\n  selector: {app: a}\n  ports",
            ),
            // A port the container does not declare.
            ("targetPort: otlp", "targetPort: grpc"),
            // Probed already, or beside a container whose readiness gates the pod.
            ("livenessProbe:", "readinessProbe:"),
            (
                "{name: m, image: i:1,",
                "{name: m, image: i:1, readinessProbe: {tcpSocket: {port: 8888}},",
            ),
        ] {
            let yaml = SERVED.replace(from, to);
            assert_ne!(yaml, SERVED, "{from}");
            let yaml = yaml.replace(
                "metadata: {name: a}",
                "metadata: {name: a, namespace: agents}",
            );
            assert!(positions(&yaml, "DS602").is_empty(), "{to}");
        }
    }
}
