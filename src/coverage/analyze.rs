//! Every DaemonSet against every node, decided per pool: first the controller's placement
//! (selector, affinity, taints), then what the default scheduler checks once the pods of all
//! the given DaemonSets are bound to the node: host ports, the pod count and resources.

use std::collections::{BTreeMap, HashMap};

use super::nodes::Node;
use super::placement::{NodeView, decide};
use super::pools::{self, Pools};
use super::requests::{HostPort, Resources};
use super::{Agent, Cause, Miss};
use crate::model::Quantity;
use crate::rules::host_paths::node_has_socket;

/// Nodes of one pool that every DaemonSet treats alike.
pub struct Group {
    pub pool: usize,
    pub nodes: Vec<usize>,
    /// Per agent, in input order: `None` when its pod runs on these nodes.
    pub outcomes: Vec<Option<Miss>>,
}

/// Two DaemonSets binding the same host port on the same nodes.
pub struct Conflict {
    pub port: i64,
    pub protocol: String,
    /// The agent that got the port, then the one left Pending.
    pub agents: (usize, usize),
    pub nodes: Vec<usize>,
}

pub struct Analysis {
    pub pools: Pools,
    pub groups: Vec<Group>,
    pub conflicts: Vec<Conflict>,
}

/// Resources a node always reports; when a hand-written node leaves one out, it is not
/// judged rather than taken as zero.
const ALWAYS_REPORTED: &[&str] = &["cpu", "memory", "ephemeral-storage"];

pub fn analyze(agents: &[Agent], nodes: &[Node]) -> Analysis {
    let pools = pools::group(nodes);
    let per_node: Vec<bool> = agents.iter().map(|a| a.per_node(&pools)).collect();
    let order = binding_order(agents);
    let mut groups = Vec::new();
    let mut conflicts: BTreeMap<(i64, String, usize, usize), Vec<usize>> = BTreeMap::new();
    for (p, pool) in pools.pools.iter().enumerate() {
        let first = &nodes[pool.nodes[0]];
        let base: Vec<Option<Miss>> = agents
            .iter()
            .zip(&per_node)
            .map(|(a, &own)| if own { None } else { decide_on(a, first) })
            .collect();
        for (overlay, members) in split_by_node(agents, &per_node, &pool.nodes, nodes) {
            let mut verdicts = base.clone();
            for (i, miss) in overlay {
                verdicts[i] = miss;
            }
            let (mut outcomes, clashes) = fit(agents, &order, verdicts, first.allocatable.as_ref());
            // A pod waiting for its socket still holds its node's resources and ports.
            for (outcome, agent) in outcomes.iter_mut().zip(agents) {
                if outcome.is_none() {
                    *outcome = socket_miss(agent, first);
                }
            }
            for (port, protocol, a, b) in clashes {
                conflicts
                    .entry((port, protocol, a, b))
                    .or_default()
                    .extend(&members);
            }
            groups.push(Group {
                pool: p,
                nodes: members,
                outcomes,
            });
        }
    }
    let conflicts = conflicts
        .into_iter()
        .map(|((port, protocol, a, b), mut nodes)| {
            nodes.sort_unstable();
            Conflict {
                port,
                protocol,
                agents: (a, b),
                nodes,
            }
        })
        .collect();
    Analysis {
        pools,
        groups,
        conflicts,
    }
}

/// The kubelet waits for a `type: Socket` volume's socket before starting the containers; a
/// runtime's socket is missing on nodes that run another runtime.
fn socket_miss(agent: &Agent, node: &Node) -> Option<Miss> {
    let runtime = node.runtime.as_deref()?;
    let reasons: Vec<String> = agent
        .sockets
        .iter()
        .filter(|(socket, _)| node_has_socket(runtime, socket) == Some(false))
        .map(|(_, path)| {
            format!(
                "a volume requires `{path}` (`type: Socket`) and the node runs {runtime}: the \
                 pod stays in ContainerCreating"
            )
        })
        .collect();
    (!reasons.is_empty()).then_some(Miss {
        cause: Cause::Socket,
        reasons,
    })
}

fn decide_on(agent: &Agent, node: &Node) -> Option<Miss> {
    if let Some(why) = &agent.rejected {
        return Some(Miss {
            cause: Cause::Rejected,
            reasons: vec![why.clone()],
        });
    }
    let view = NodeView {
        name: &node.name,
        labels: &node.labels,
        taints: &node.taints,
    };
    decide(agent.pod, agent.runtime, &agent.tolerations, &view)
}

type Overlay = Vec<(usize, Option<Miss>)>;

/// The pool's nodes grouped by the verdicts of the agents that look at single nodes (by name
/// or hostname); with no such agent, the whole pool is one group.
fn split_by_node(
    agents: &[Agent],
    per_node: &[bool],
    members: &[usize],
    nodes: &[Node],
) -> Vec<(Overlay, Vec<usize>)> {
    let own: Vec<usize> = (0..agents.len()).filter(|&i| per_node[i]).collect();
    if own.is_empty() {
        return vec![(Vec::new(), members.to_vec())];
    }
    let mut index: HashMap<Overlay, usize> = HashMap::new();
    let mut split: Vec<(Overlay, Vec<usize>)> = Vec::new();
    for &n in members {
        let overlay: Overlay = own
            .iter()
            .map(|&i| (i, decide_on(&agents[i], &nodes[n])))
            .collect();
        let next = split.len();
        let at = *index.entry(overlay.clone()).or_insert(next);
        if at == next {
            split.push((overlay, Vec::new()));
        }
        split[at].1.push(n);
    }
    split
}

type Clash = (i64, String, usize, usize);

/// Higher priority first: the scheduler takes them first, and a pod that does not fit
/// preempts pods of lower priority (for resources, the pod count and host ports alike). Equal
/// priorities never preempt each other, so among them the earlier input binds first.
fn binding_order(agents: &[Agent]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..agents.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(agents[i].priority));
    order
}

/// Binds the pods the controller creates one after another in binding order; a pod that
/// finds its port taken or too little left stays Pending.
fn fit(
    agents: &[Agent],
    order: &[usize],
    verdicts: Vec<Option<Miss>>,
    allocatable: Option<&Resources>,
) -> (Vec<Option<Miss>>, Vec<Clash>) {
    let mut placed: Vec<usize> = Vec::new();
    let mut used = Resources::new();
    let mut outcomes = verdicts;
    let mut clashes = Vec::new();
    for &i in order {
        if outcomes[i].is_some() {
            continue;
        }
        let agent = &agents[i];
        if let Some((port, holder)) = port_taken(agent, &placed, agents) {
            clashes.push((port.port, port.protocol.clone(), holder, i));
            outcomes[i] = Some(Miss {
                cause: Cause::HostPort,
                reasons: vec![format!(
                    "host port {}/{} is already bound by {}, so the pod stays Pending",
                    port.port,
                    port.protocol,
                    agents[holder].display()
                )],
            });
            continue;
        }
        let higher = placed
            .iter()
            .filter(|&&j| agents[j].priority > agent.priority)
            .count();
        let before = Before {
            others: placed.len(),
            higher,
        };
        if let Some(miss) = allocatable.and_then(|a| shortfall(agent, a, &used, &before)) {
            outcomes[i] = Some(miss);
            continue;
        }
        for (name, q) in &agent.requests {
            used.entry(name.clone())
                .and_modify(|sum| *sum = sum.saturating_add(*q))
                .or_insert(*q);
        }
        placed.push(i);
    }
    (outcomes, clashes)
}

fn port_taken<'a>(
    agent: &'a Agent,
    placed: &[usize],
    agents: &[Agent],
) -> Option<(&'a HostPort, usize)> {
    agent.ports.iter().find_map(|port| {
        placed
            .iter()
            .find(|&&j| agents[j].ports.iter().any(|other| other.conflicts(port)))
            .map(|&j| (port, j))
    })
}

/// The pods already bound to the node when one more comes.
struct Before {
    others: usize,
    /// Of them, those of a higher priority: they got their share first, by preemption if
    /// need be.
    higher: usize,
}

impl std::fmt::Display for Before {
    /// ` after 2 other DaemonSets (1 of higher priority)`, or nothing for an empty node.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let noun = if self.others == 1 {
            "DaemonSet"
        } else {
            "DaemonSets"
        };
        match (self.others, self.higher) {
            (0, _) => Ok(()),
            (n, 0) => write!(f, " after {n} other {noun}"),
            (n, h) if h == n => write!(f, " after {n} other {noun} of higher priority"),
            (n, h) => write!(f, " after {n} other {noun} ({h} of higher priority)"),
        }
    }
}

/// The NodeResourcesFit filter: the pod count first, then every resource the pod requests.
fn shortfall(
    agent: &Agent,
    allocatable: &Resources,
    used: &Resources,
    before: &Before,
) -> Option<Miss> {
    let mut reasons = Vec::new();
    let mut cause = Cause::Pods;
    let others = before.others;
    let after = before.to_string();
    if let (Some(pods), Ok(wanted)) = (
        allocatable.get("pods"),
        Quantity::parse(&(others + 1).to_string()),
    ) && wanted > *pods
    {
        let running = match others {
            1 => "1 other DaemonSet already runs".to_owned(),
            n => format!("{n} other DaemonSets already run"),
        };
        reasons.push(format!(
            "too many pods: the node allows {pods} and {running} there"
        ));
    }
    for (name, request) in &agent.requests {
        if request.is_zero() || request.is_negative() {
            continue;
        }
        let Some(total) = allocatable.get(name) else {
            if !ALWAYS_REPORTED.contains(&name.as_str()) {
                cause = Cause::Resources;
                reasons.push(format!(
                    "insufficient {name}: the pod requests {}, the node has none",
                    requested(agent, name, *request)
                ));
            }
            continue;
        };
        let left = used.get(name).map_or(*total, |u| total.saturating_sub(*u));
        if *request > left {
            cause = Cause::Resources;
            let request = requested(agent, name, *request);
            reasons.push(if left == *total {
                format!("insufficient {name}: the pod requests {request}, the node has {total} allocatable")
            } else {
                format!("insufficient {name}: the pod requests {request}, {left} of {total} allocatable is left{after}")
            });
        }
    }
    (!reasons.is_empty()).then_some(Miss { cause, reasons })
}

/// A request, split into the containers' part and the RuntimeClass's pod overhead when the
/// overhead is part of it.
fn requested(agent: &Agent, name: &str, total: Quantity) -> String {
    let overhead = agent
        .runtime
        .and_then(|rc| Some((rc, *rc.overhead.get(name)?)))
        .filter(|(_, o)| !o.is_zero());
    match overhead {
        Some((rc, o)) => format!(
            "{total} ({} for the containers + {o} pod overhead of RuntimeClass `{}`)",
            total.saturating_sub(o),
            rc.name
        ),
        None => total.to_string(),
    }
}
