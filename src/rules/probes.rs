//! Shared by the probe rules (DS601-DS604): which containers are judged.

use crate::model::{Container, PodSpec};

/// Sidecars whose whole job is to serve another container's health checks; asking them for
/// probes of their own would be noise.
const PROBE_SERVERS: &[&str] = &["livenessprobe"];

/// Regular containers, without probe-serving sidecars. Init containers run to completion
/// before the agent starts and cannot have liveness or readiness probes.
pub fn judged(pod: &PodSpec) -> impl Iterator<Item = &Container> {
    pod.containers
        .iter()
        .filter(|c| !c.image_name().is_some_and(|n| PROBE_SERVERS.contains(&n)))
}
