//! The node list of a normal lint (`--nodes`): the same nodes and pools as the coverage
//! report, handed to the rules as plain data plus this module's placement decision.

use std::collections::BTreeMap;

use super::nodes::Node;
use super::placement::{NodeView, decide};
use super::pools::{self, names_the_node};
use crate::model::PodSpec;
use crate::model::taint::Taint;
use crate::model::toleration::DaemonPodTolerations;
use crate::rules::ds702_unconstrained_gpu_agent::is_gpu_label;
use crate::settings::{Cluster, NodePool};

/// Reads the nodes at `path` into pools for the rules.
pub fn cluster(path: &str) -> Result<Cluster, String> {
    let mut warnings = Vec::new();
    let nodes = super::load_nodes(path, &mut warnings);
    if nodes.is_empty() {
        let why = warnings.first().cloned().unwrap_or_default();
        return Err(format!("--nodes {path}: no Node objects found {why}"));
    }
    Ok(from_nodes(&nodes))
}

fn from_nodes(nodes: &[Node]) -> Cluster {
    let grouped = pools::group(nodes);
    let pools = grouped
        .pools
        .iter()
        .map(|pool| {
            let first = &nodes[pool.nodes[0]];
            let labels: BTreeMap<String, String> = first
                .labels
                .iter()
                .filter(|(k, v)| !names_the_node(k, v, &first.name))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            NodePool {
                name: pool.family.clone(),
                nodes: pool.nodes.iter().map(|&n| nodes[n].name.clone()).collect(),
                os: labels
                    .get(crate::model::OS)
                    .or_else(|| labels.get("beta.kubernetes.io/os"))
                    .cloned(),
                gpu: first.gpu || labels.iter().any(|(k, v)| is_gpu_label(k, v)),
                taints: first.taints.clone(),
                runtime: first.runtime.clone(),
                labels,
            }
        })
        .collect();
    Cluster {
        pools,
        places: places_pod,
    }
}

/// The controller's decision for the pool's first node. Labels naming single nodes are left
/// out, so a DaemonSet that selects one node by its hostname is judged as missing the pool.
fn places_pod(pod: &PodSpec, pool: &NodePool) -> bool {
    let view = NodeView {
        name: pool.nodes.first().map_or("", String::as_str),
        labels: &pool.labels,
        taints: &pool.taints,
    };
    decide(pod, None, &DaemonPodTolerations::of(pod), &view).is_none()
}

/// The taints of a cluster's nodes that every node agent must tolerate, for DS203 in a normal
/// lint (`--nodes`): NoSchedule and NoExecute taints, without the control-plane ones (DS201's
/// business) and the node-condition taints the DaemonSet controller tolerates by itself.
pub fn required_taints(cluster: &Cluster) -> Vec<Taint> {
    let mut taints: Vec<Taint> = Vec::new();
    for taint in cluster.pools.iter().flat_map(|p| &p.taints) {
        let own = !taint.key.starts_with("node.kubernetes.io/")
            && !matches!(
                taint.key.as_str(),
                "node-role.kubernetes.io/control-plane" | "node-role.kubernetes.io/master"
            );
        if own && taint.effect != "PreferNoSchedule" && !taints.contains(taint) {
            taints.push(taint.clone());
        }
    }
    taints
}
