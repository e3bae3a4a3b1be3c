//! Shared by the probe rules (DS601-DS604): which containers are judged.

use crate::model::{Container, PodSpec};

/// Containers that have nothing to probe: the CSI `livenessprobe` sidecar, whose job is to
/// serve another container's health check, and `pause`, which only sleeps (DaemonSets use it
/// to pre-pull images or hold a node resource).
const NOT_JUDGED: &[&str] = &["livenessprobe", "pause"];

/// Regular containers, without those in `NOT_JUDGED`. Init containers run to completion
/// before the agent starts and cannot have liveness or readiness probes.
pub fn judged(pod: &PodSpec) -> impl Iterator<Item = &Container> {
    pod.containers
        .iter()
        .filter(|c| !c.image_name().is_some_and(|n| NOT_JUDGED.contains(&n)))
}
