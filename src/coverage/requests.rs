//! What one DaemonSet pod takes from a node once it is bound there: its resource requests
//! (`PodRequests` of pkg/api/v1/resource) and its host ports (the NodePorts filter).

use std::collections::BTreeMap;

use crate::model::{Container, PodSpec, Quantity, QuantityError};
use crate::yaml::{Node as Yaml, Value};

pub type Resources = BTreeMap<String, Quantity>;

/// A map of resource quantities as the API reads it: strings, and JSON numbers. `bad` is told
/// of each value that is not a quantity (its offset, name and why), which is left out.
pub(super) fn quantity_map(map: &Yaml, mut bad: impl FnMut(u32, &str, QuantityError)) -> Resources {
    let Value::Map(entries) = &map.value else {
        return Resources::new();
    };
    let mut out = Resources::new();
    for e in entries {
        let text = match &e.value.value {
            Value::Str(s) => s.trim().to_owned(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) if f.is_finite() => f.to_string(),
            _ => String::new(),
        };
        match Quantity::parse(&text) {
            Ok(q) => {
                out.insert(e.key.clone(), q);
            }
            Err(err) => bad(e.value.span.start, &e.key, err),
        }
    }
    out
}

/// A container's requests after API defaulting: a resource with only a limit requests the
/// limit. Quantities that do not parse are left out (the linter reports them as DS005).
fn container_requests(c: &Container) -> Resources {
    let mut requests = Resources::new();
    let Some(resources) = &c.resources else {
        return requests;
    };
    for list in [&resources.requests, &resources.limits] {
        for entry in &list.entries {
            if let Ok(q) = entry.value.parsed {
                requests.entry(entry.value.resource.clone()).or_insert(q);
            }
        }
    }
    requests
}

pub fn add(total: &mut Resources, more: &Resources) {
    for (name, q) in more {
        total
            .entry(name.clone())
            .and_modify(|sum| *sum = sum.saturating_add(*q))
            .or_insert(*q);
    }
}

fn max(total: &mut Resources, other: &Resources) {
    for (name, q) in other {
        let slot = total.entry(name.clone()).or_insert(*q);
        *slot = (*slot).max(*q);
    }
}

/// `PodRequests`: app containers and sidecars (init containers with `restartPolicy: Always`)
/// run together and add up; each plain init container runs alone beside the sidecars started
/// before it; the pod needs the larger of the two.
pub fn pod_requests(pod: &PodSpec) -> Resources {
    let mut total = Resources::new();
    for c in &pod.containers {
        add(&mut total, &container_requests(c));
    }
    let mut sidecars = Resources::new();
    let mut init_peak = Resources::new();
    for c in &pod.init_containers {
        let own = container_requests(c);
        let running = if is_sidecar(c) {
            add(&mut total, &own);
            add(&mut sidecars, &own);
            sidecars.clone()
        } else {
            let mut alone = own;
            add(&mut alone, &sidecars);
            alone
        };
        max(&mut init_peak, &running);
    }
    max(&mut total, &init_peak);
    total
}

fn is_sidecar(c: &Container) -> bool {
    c.restart_policy
        .as_ref()
        .is_some_and(|p| p.value == "Always")
}

/// A port bound on the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    pub port: i64,
    pub protocol: String,
    /// `0.0.0.0` when not given: every address.
    pub ip: String,
}

const ANY_ADDRESS: &str = "0.0.0.0";

impl HostPort {
    /// `HostPortInfo.CheckConflict`: the same port and protocol on the same address, or on
    /// any address when either side binds them all.
    pub fn conflicts(&self, other: &HostPort) -> bool {
        self.port == other.port
            && self.protocol == other.protocol
            && (self.ip == other.ip || self.ip == ANY_ADDRESS || other.ip == ANY_ADDRESS)
    }
}

/// Host ports of the app containers and sidecars: a plain init container's port is free
/// again once it exits. Under hostNetwork every containerPort is a host port.
pub fn host_ports(pod: &PodSpec) -> Vec<HostPort> {
    let host_network = pod.host_network();
    let running = pod
        .containers
        .iter()
        .chain(pod.init_containers.iter().filter(|c| is_sidecar(c)));
    let mut ports = Vec::new();
    for c in running {
        for p in &c.ports {
            let explicit = p.host_port.as_ref().map_or(0, |h| h.value);
            let port = match (&p.container_port, host_network) {
                (Some(cp), true) => cp.value,
                _ => explicit,
            };
            if port <= 0 {
                continue;
            }
            let text = |s: &Option<crate::model::Spanned<String>>, default: &str| {
                s.as_ref()
                    .map(|s| s.value.clone())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| default.to_owned())
            };
            let port = HostPort {
                port,
                protocol: text(&p.protocol, "TCP"),
                ip: text(&p.host_ip, ANY_ADDRESS),
            };
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
    }
    ports
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(spec: &str) -> PodSpec {
        super::super::test_pod(spec)
    }

    fn q(text: &str) -> Option<Quantity> {
        Quantity::parse(text).ok()
    }

    #[test]
    fn sidecars_add_up_and_plain_init_containers_peak() {
        let p = pod(
            "      initContainers:\n      - {name: setup, image: i, resources: {requests: {cpu: 900m}}}\n      - {name: proxy, image: i, restartPolicy: Always, resources: {requests: {cpu: 100m, memory: 64Mi}}}\n      - {name: late, image: i, resources: {requests: {cpu: 450m}}}\n      containers:\n      - {name: app, image: i, resources: {limits: {cpu: 200m, memory: 128Mi}}}\n",
        );
        let r = pod_requests(&p);
        // app 200m (from its limit) + proxy 100m = 300m; setup 900m alone; late 450m + proxy
        // 100m = 550m: the peak is 900m.
        assert_eq!(r.get("cpu").copied(), q("900m"));
        assert_eq!(r.get("memory").copied(), q("192Mi"));
    }

    #[test]
    fn host_network_makes_every_container_port_a_host_port() {
        let p = pod(
            "      hostNetwork: true\n      initContainers:\n      - {name: once, image: i, ports: [{containerPort: 7000}]}\n      containers:\n      - {name: app, image: i, ports: [{containerPort: 2020}, {containerPort: 8125, protocol: UDP}]}\n",
        );
        let ports: Vec<_> = host_ports(&p)
            .into_iter()
            .map(|h| (h.port, h.protocol))
            .collect();
        assert_eq!(
            ports,
            vec![(2020, "TCP".to_owned()), (8125, "UDP".to_owned())]
        );
        let plain = pod(
            "      containers:\n      - {name: app, image: i, ports: [{containerPort: 2020}]}\n",
        );
        assert!(host_ports(&plain).is_empty());
    }

    #[test]
    fn addresses_conflict_when_either_binds_all() {
        let at = |ip: &str| HostPort {
            port: 9100,
            protocol: "TCP".into(),
            ip: ip.into(),
        };
        assert!(at("0.0.0.0").conflicts(&at("10.0.0.1")));
        assert!(at("10.0.0.1").conflicts(&at("10.0.0.1")));
        assert!(!at("10.0.0.1").conflicts(&at("10.0.0.2")));
    }
}
