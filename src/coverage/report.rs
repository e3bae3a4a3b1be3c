//! The coverage report: for people, one line per DaemonSet with its missed nodes grouped by
//! reason and pool (so thousands of nodes fit on a screen); for tools, every missed node.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use serde::Serialize;

use super::analyze::Analysis;
use super::nodes::Node;
use super::{Agent, Cause};

/// Node names shown per pool before the rest is counted.
const NAMES_SHOWN: usize = 3;

/// Missed nodes of one agent: by (cause, reasons), then by pool family (in order of the
/// family's first pool), with the number of pools and the nodes in node order.
type Misses = BTreeMap<(Cause, String), BTreeMap<(usize, String), (BTreeSet<usize>, Vec<usize>)>>;

fn misses(analysis: &Analysis, agent: usize, family_at: &HashMap<&str, usize>) -> Misses {
    let mut by_reason = Misses::new();
    for g in &analysis.groups {
        if let Some(miss) = &g.outcomes[agent] {
            let family = &analysis.pools.pools[g.pool].family;
            let at = family_at.get(family.as_str()).copied().unwrap_or(g.pool);
            let (pools, nodes) = by_reason
                .entry((miss.cause, miss.reasons.join("; ")))
                .or_default()
                .entry((at, family.clone()))
                .or_default();
            pools.insert(g.pool);
            nodes.extend(&g.nodes);
        }
    }
    for families in by_reason.values_mut() {
        for (_, nodes) in families.values_mut() {
            nodes.sort_unstable();
        }
    }
    by_reason
}

/// Where each pool family first appears, so families are listed in pool order.
fn family_order(analysis: &Analysis) -> HashMap<&str, usize> {
    let mut at = HashMap::new();
    for (i, pool) in analysis.pools.pools.iter().enumerate() {
        at.entry(pool.family.as_str()).or_insert(i);
    }
    at
}

fn scheduled(analysis: &Analysis, agent: usize) -> usize {
    analysis
        .groups
        .iter()
        .filter(|g| g.outcomes[agent].is_none())
        .map(|g| g.nodes.len())
        .sum()
}

fn names(list: &[usize], nodes: &[Node]) -> String {
    let shown: Vec<&str> = list
        .iter()
        .take(NAMES_SHOWN)
        .map(|&n| nodes[n].name.as_str())
        .collect();
    let rest = list.len().saturating_sub(NAMES_SHOWN);
    if rest == 0 {
        shown.join(", ")
    } else {
        format!("{} and {rest} more", shown.join(", "))
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn human(analysis: &Analysis, agents: &[Agent], nodes: &[Node]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} in {}, {}\n",
        count(nodes.len(), "node", "nodes"),
        count(analysis.pools.pools.len(), "pool", "pools"),
        count(agents.len(), "DaemonSet", "DaemonSets")
    );
    let labels: Vec<String> = agents.iter().map(Agent::display).collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let mut blocked = 0;
    let family_at = family_order(analysis);
    for (i, agent) in agents.iter().enumerate() {
        let by_reason = misses(analysis, i, &family_at);
        if by_reason.keys().any(|(cause, _)| !cause.intended()) {
            blocked += 1;
        }
        let _ = writeln!(
            out,
            "{:<width$}  {}/{} nodes  {}:{}",
            labels[i],
            scheduled(analysis, i),
            nodes.len(),
            agent.file,
            agent.line
        );
        for note in &agent.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        for ((_, reason), families) in &by_reason {
            let _ = writeln!(out, "  {reason}");
            for ((_, family), (pools, members)) in families {
                let pools = if pools.len() > 1 {
                    format!(" ({} pools)", pools.len())
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "    {family}{pools}: {} ({})",
                    count(members.len(), "node", "nodes"),
                    names(members, nodes)
                );
            }
        }
    }
    if !analysis.conflicts.is_empty() {
        out.push_str("\nhost-port conflicts (one of the two pods stays Pending):\n");
        for c in &analysis.conflicts {
            let _ = writeln!(
                out,
                "  {}/{}: {} and {} on {} ({})",
                c.port,
                c.protocol,
                labels[c.agents.0],
                labels[c.agents.1],
                count(c.nodes.len(), "node", "nodes"),
                names(&c.nodes, nodes)
            );
        }
    }
    out.push('\n');
    out.push_str(&if blocked == 0 && analysis.conflicts.is_empty() {
        "every DaemonSet runs on every node its selector and affinity allow\n".to_owned()
    } else {
        format!(
            "{} of {} kept off nodes {} by taints, resources, the pod count, host ports or runtime \
             sockets\n",
            blocked,
            count(agents.len(), "DaemonSet", "DaemonSets"),
            if blocked == 1 {
                "it selects"
            } else {
                "they select"
            }
        )
    });
    out
}

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    nodes: usize,
    pools: Vec<PoolOut<'a>>,
    daemonsets: Vec<DaemonSetOut<'a>>,
    conflicts: Vec<ConflictOut<'a>>,
}

#[derive(Serialize)]
struct PoolOut<'a> {
    name: &'a str,
    nodes: usize,
}

#[derive(Serialize)]
struct Object<'a> {
    kind: &'static str,
    namespace: Option<&'a str>,
    name: &'a str,
}

#[derive(Serialize)]
struct DaemonSetOut<'a> {
    object: Object<'a>,
    file: &'a str,
    line: usize,
    scheduled: usize,
    /// Higher priorities were given resources and ports first.
    priority: i64,
    missed: Vec<MissOut<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct MissOut<'a> {
    node: &'a str,
    pool: &'a str,
    cause: &'static str,
    reasons: &'a [String],
}

#[derive(Serialize)]
struct ConflictOut<'a> {
    port: i64,
    protocol: &'a str,
    daemonsets: [Object<'a>; 2],
    nodes: Vec<&'a str>,
}

fn object<'a>(agent: &'a Agent) -> Object<'a> {
    Object {
        kind: "DaemonSet",
        namespace: agent.namespace.as_deref(),
        name: &agent.name,
    }
}

/// Serialised straight from borrowed data, and compact: a 5,000-node cluster has hundreds of
/// thousands of missed-node entries, too many to build as a JSON value tree first, and
/// indenting them doubles a report that tools read anyway.
pub fn json(analysis: &Analysis, agents: &[Agent], nodes: &[Node]) -> String {
    let pools = &analysis.pools.pools;
    let pool_of = &analysis.pools.of_node;
    let daemonsets = agents
        .iter()
        .enumerate()
        .map(|(i, agent)| {
            let mut missed: Vec<(usize, MissOut)> = Vec::new();
            for g in &analysis.groups {
                let Some(miss) = &g.outcomes[i] else { continue };
                missed.extend(g.nodes.iter().map(|&n| {
                    let out = MissOut {
                        node: &nodes[n].name,
                        pool: &pools[pool_of[n]].name,
                        cause: miss.cause.as_str(),
                        reasons: &miss.reasons,
                    };
                    (n, out)
                }));
            }
            missed.sort_unstable_by_key(|(n, _)| *n);
            DaemonSetOut {
                object: object(agent),
                file: &agent.file,
                line: agent.line,
                scheduled: scheduled(analysis, i),
                priority: agent.priority,
                missed: missed.into_iter().map(|(_, m)| m).collect(),
                notes: &agent.notes,
            }
        })
        .collect();
    let conflicts = analysis
        .conflicts
        .iter()
        .map(|c| ConflictOut {
            port: c.port,
            protocol: &c.protocol,
            daemonsets: [object(&agents[c.agents.0]), object(&agents[c.agents.1])],
            nodes: c.nodes.iter().map(|&n| nodes[n].name.as_str()).collect(),
        })
        .collect();
    let report = Report {
        version: 1,
        nodes: nodes.len(),
        pools: pools
            .iter()
            .map(|p| PoolOut {
                name: &p.name,
                nodes: p.nodes.len(),
            })
            .collect(),
        daemonsets,
        conflicts,
    };
    serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")) + "\n"
}
