//! Shared by the probe rules (DS601-DS604): which containers are judged.

use crate::model::profile::{AgentKind, Profile, Role, cni_shim, words};
use crate::model::{Container, ContainerPort, PodSpec, Probe};

/// Regular containers that do the agent's work. Sidecars (the CSI registrar and livenessprobe
/// sidecars, kube-rbac-proxy, config reloaders) and helpers that only sleep or loop have
/// nothing to probe, and neither has a device plugin without probes whose ports name no health
/// endpoint (a `metrics` or plain `http` port serves its scraper): it talks to the kubelet over
/// a socket, and the kubelet notices when it goes away; nor a CNI shim without a port (Multus,
/// the SR-IOV CNI), which copies its binary and relays CNI calls. Init
/// containers run to completion before the agent starts and cannot have liveness or readiness
/// probes. An application spread over the nodes (the `workload` profile) is not a node agent:
/// its probes are its own chart's business, outside the node-agent checklist.
pub fn judged<'a>(pod: &'a PodSpec, profile: &'a Profile) -> impl Iterator<Item = &'a Container> {
    let device_plugin = profile.kind == AgentKind::DevicePlugin;
    let workload = profile.kind == AgentKind::Workload;
    pod.containers.iter().filter(move |c| {
        let socket_only =
            (device_plugin && serves_no_health(c)) || (cni_shim(c) && c.ports.is_empty());
        !workload && profile.role(c) == Role::Agent && !socket_only
    })
}

/// Whether a container has no probe and names no health endpoint.
fn serves_no_health(c: &Container) -> bool {
    c.liveness_probe.is_none() && c.readiness_probe.is_none() && !names_health_endpoint(c)
}

/// Whether a container names a health endpoint: a health flag, or a port whose name says
/// health (`healthz`, `liveness`, `probe`).
pub fn names_health_endpoint(c: &Container) -> bool {
    let health_port = c.ports.iter().any(|p| {
        p.name.as_ref().is_some_and(|n| {
            ["health", "live", "ready", "probe"]
                .iter()
                .any(|w| n.value.contains(w))
        })
    });
    health_port || health_flag(c).is_some()
}

/// The flag that turns on a health endpoint the container serves without declaring its port
/// (`--health-probe-bind-addr=:8163`, `--healthz-port 10256`: a `--health...` flag naming a
/// port, address or listener), as written; not one that turns it off (`0`, as
/// controller-runtime reads it, or empty).
pub fn health_flag(c: &Container) -> Option<String> {
    let words = words(c);
    words.iter().enumerate().find_map(|(i, w)| {
        let (flag, inline) = match w.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (*w, None),
        };
        let name = flag.trim_start_matches('-');
        let endpoint = ["port", "addr", "bind", "listen"]
            .iter()
            .any(|part| name.contains(part));
        if !flag.starts_with("--") || !name.starts_with("health") || !endpoint {
            return None;
        }
        let value = inline.or_else(|| words.get(i + 1).copied().filter(|v| !v.starts_with('-')))?;
        let off = value.is_empty() || value == "0" || value == "false";
        (!off).then(|| format!("{flag}={value}"))
    })
}

/// Whether the container declares a TCP port (the default protocol), which an httpGet or
/// tcpSocket probe can ask; a UDP receiver (StatsD, syslog) gives a probe nothing to connect to.
pub fn tcp_port(c: &Container) -> bool {
    c.ports.iter().any(ContainerPort::tcp)
}

/// Whether a container without ports sits beside another that has a liveness probe: the pod
/// is already watched through that one, and this one (a token refresher, a config watcher)
/// serves nothing a probe could ask.
pub fn liveness_watched_beside(pod: &PodSpec, c: &Container) -> bool {
    c.ports.is_empty()
        && pod
            .containers
            .iter()
            .any(|other| !std::ptr::eq(other, c) && other.liveness_probe.is_some())
}

/// Seconds from a container's start until a probe can first restart it, with the API's
/// defaults: the kubelet probes first once initialDelaySeconds (0) have passed and then every
/// periodSeconds (10), and restarts at the failureThreshold-th (3) failure in a row, so the
/// earliest restart is the delay + (failureThreshold - 1) x periodSeconds.
pub fn time_to_restart(probe: &Probe) -> i64 {
    time_to_restart_at(probe, failure_threshold(probe))
}

/// [`time_to_restart`] with the failure threshold set to `threshold`.
pub fn time_to_restart_at(probe: &Probe, threshold: i64) -> i64 {
    let delay = probe.initial_delay_seconds.as_ref().map_or(0, |d| d.value);
    let period = probe.period_seconds.as_ref().map_or(10, |p| p.value);
    delay + (threshold - 1).max(0) * period
}

pub fn failure_threshold(probe: &Probe) -> i64 {
    probe.failure_threshold.as_ref().map_or(3, |t| t.value)
}
