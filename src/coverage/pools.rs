//! Node pools: nodes that no DaemonSet can tell apart, because they have the same labels
//! (leaving out the ones naming a single node), taints, allocatable resources and cordon. The
//! decision is made once per pool, and reports group missed nodes by pool, so a 5,000-node
//! cluster is a few dozen decisions and a few lines of output.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::nodes::Node;

pub struct Pool {
    /// Unique: the family, `(cordoned)` if so, and a number when still not unique.
    pub name: String,
    /// The node group the pool belongs to (its pool label, role or first node), shared by
    /// the pools that differ only in zone, cordon or size.
    pub family: String,
    /// Indexes into the node list, in input order.
    pub nodes: Vec<usize>,
}

pub struct Pools {
    pub pools: Vec<Pool>,
    /// The pool of each node.
    pub of_node: Vec<usize>,
    /// Label keys left out of some node's signature: a DaemonSet that selects on one of them
    /// is decided node by node.
    pub per_node_keys: BTreeSet<String>,
}

/// Labels that name one machine rather than a kind of machine.
pub(super) fn names_the_node(key: &str, value: &str, node: &str) -> bool {
    key == "kubernetes.io/hostname"
        || key.ends_with("/instance-id")
        || (!value.is_empty() && value == node)
}

/// Labels whose value names the pool, in the order the clouds and Karpenter use them.
const POOL_LABELS: &[&str] = &[
    "karpenter.sh/nodepool",
    "eks.amazonaws.com/nodegroup",
    "alpha.eksctl.io/nodegroup-name",
    "cloud.google.com/gke-nodepool",
    "kubernetes.azure.com/agentpool",
    "agentpool",
    "node-pool",
    "nodepool",
    "pool",
];
const ROLE_PREFIX: &str = "node-role.kubernetes.io/";

type Signature = (
    Vec<(String, String)>,
    Vec<String>,
    Option<Vec<(String, String)>>,
    bool,
    Option<String>,
);

fn signature(node: &Node, per_node_keys: &mut BTreeSet<String>) -> Signature {
    let mut labels = Vec::with_capacity(node.labels.len());
    for (key, value) in &node.labels {
        if names_the_node(key, value, &node.name) {
            if !per_node_keys.contains(key) {
                per_node_keys.insert(key.clone());
            }
        } else {
            labels.push((key.clone(), value.clone()));
        }
    }
    let taints = node.taints.iter().map(ToString::to_string).collect();
    let allocatable = node
        .allocatable
        .as_ref()
        .map(|a| a.iter().map(|(k, q)| (k.clone(), q.to_string())).collect());
    (
        labels,
        taints,
        allocatable,
        node.unschedulable,
        node.runtime.clone(),
    )
}

pub fn group(nodes: &[Node]) -> Pools {
    let mut per_node_keys = BTreeSet::new();
    let mut index: HashMap<Signature, usize> = HashMap::new();
    let mut pools: Vec<Pool> = Vec::new();
    let mut of_node = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let sig = signature(node, &mut per_node_keys);
        let next = pools.len();
        let p = *index.entry(sig).or_insert(next);
        if p == next {
            pools.push(Pool {
                name: String::new(),
                family: String::new(),
                nodes: Vec::new(),
            });
        }
        pools[p].nodes.push(i);
        of_node.push(p);
    }
    name_pools(&mut pools, nodes);
    Pools {
        pools,
        of_node,
        per_node_keys,
    }
}

/// A pool label's value, else the node role, else the first node's name; a cordoned pool
/// says so, and pools sharing a name are numbered.
fn name_pools(pools: &mut [Pool], nodes: &[Node]) {
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    for pool in pools.iter_mut() {
        let first = &nodes[pool.nodes[0]];
        let base = POOL_LABELS
            .iter()
            .find_map(|k| first.labels.get(*k).filter(|v| !v.is_empty()).cloned())
            .or_else(|| {
                first
                    .labels
                    .keys()
                    .find_map(|k| k.strip_prefix(ROLE_PREFIX).map(str::to_owned))
            })
            .unwrap_or_else(|| first.name.clone());
        pool.family = base.clone();
        let base = if first.unschedulable {
            format!("{base} (cordoned)")
        } else {
            base
        };
        let seen = taken.entry(base.clone()).or_insert(0);
        *seen += 1;
        pool.name = if *seen == 1 {
            base
        } else {
            format!("{base} #{seen}")
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, labels: &[(&str, &str)]) -> Node {
        Node {
            name: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            taints: Vec::new(),
            unschedulable: false,
            allocatable: None,
            gpu: false,
            runtime: None,
        }
    }

    #[test]
    fn hostnames_do_not_split_pools() {
        let nodes = vec![
            node("a", &[("kubernetes.io/hostname", "a"), ("pool", "web")]),
            node("b", &[("kubernetes.io/hostname", "b"), ("pool", "web")]),
            node("c", &[("kubernetes.io/hostname", "c"), ("pool", "db")]),
            node("d", &[("zone", "2"), ("pool", "db")]),
        ];
        let pools = group(&nodes);
        let names: Vec<_> = pools.pools.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["web", "db", "db #2"]);
        assert_eq!(pools.of_node, vec![0, 0, 1, 2]);
        assert!(pools.per_node_keys.contains("kubernetes.io/hostname"));
    }
}
