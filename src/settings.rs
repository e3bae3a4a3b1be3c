//! Thresholds the rules read, with the defaults of the production checklist. Built once per
//! run; the config file (when there is one) overrides them.

use std::fmt;
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::model::fields::KubernetesVersion;
use crate::model::profile::{AgentKind, normalize};
/// Kept here too: the settings were its first home, and rules still name it from here.
pub use crate::model::taint::Taint;
use crate::model::{IntOrPercent, PodSpec, Quantity};
use crate::yaml::{Node, Value};

#[derive(Clone, Debug)]
pub struct Settings {
    /// DS402: the largest acceptable maxUnavailable.
    pub max_unavailable: IntOrPercent,
    /// DS402: the cluster's node count, to judge absolute maxUnavailable values.
    pub cluster_nodes: Option<i64>,
    /// DS701: the operating systems the cluster's nodes run; empty when unknown.
    pub cluster_os: Vec<String>,
    /// DS603: the fewest seconds before a liveness or startup probe can first restart a
    /// container (initialDelaySeconds + failureThreshold x periodSeconds).
    pub min_liveness_delay: i64,
    /// DS604: the smallest acceptable liveness failureThreshold.
    pub min_failure_threshold: i64,
    /// DS404: the smallest acceptable terminationGracePeriodSeconds.
    pub min_termination_grace: i64,
    /// DS104: the lowest acceptable memory limit for an unrecognised image.
    pub memory_limit_floor: Quantity,
    /// DS102: whether a missing cpu limit is reported.
    pub require_cpu_limit: bool,
    /// DS301: host paths that may be mounted writable.
    pub writable_host_paths: PathGlobs,
    /// DS305: capabilities that must not be added.
    pub dangerous_capabilities: Vec<String>,
    /// DS203: taints of the cluster's own node pools that every agent must tolerate.
    pub required_tolerations: Vec<Taint>,
    /// DS501: allowed priority classes; empty means any class is accepted.
    pub priority_classes: Vec<String>,
    /// DS002: the release whose schema fields are checked against.
    pub kubernetes_version: KubernetesVersion,
    /// The agent kind, instead of the one inferred from the manifest.
    pub profile: Option<AgentKind>,
    /// DS801: image tags that name a moving target, as globs (`*-latest`).
    pub mutable_tags: Vec<String>,
    /// DS203, DS701, DS702: the nodes given with `--nodes`, so findings can name them.
    pub cluster: Option<Arc<Cluster>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_unavailable: IntOrPercent::Percent(25),
            cluster_nodes: None,
            cluster_os: Vec::new(),
            min_liveness_delay: 15,
            min_failure_threshold: 3,
            min_termination_grace: 30,
            memory_limit_floor: Quantity::parse("64Mi").unwrap_or_else(|_| unreachable!()),
            require_cpu_limit: false,
            writable_host_paths: PathGlobs::new(
                DEFAULT_WRITABLE_HOST_PATHS
                    .iter()
                    .map(|p| (*p).to_owned())
                    .collect(),
            )
            .unwrap_or_default(),
            dangerous_capabilities: [
                "ALL",
                "SYS_ADMIN",
                "SYS_MODULE",
                "SYS_RAWIO",
                "SYS_BOOT",
                "NET_ADMIN",
                "DAC_READ_SEARCH",
                "BPF",
            ]
            .map(str::to_owned)
            .to_vec(),
            required_tolerations: Vec::new(),
            priority_classes: Vec::new(),
            kubernetes_version: KubernetesVersion::NEWEST,
            profile: None,
            mutable_tags: DEFAULT_MUTABLE_TAGS.map(str::to_owned).to_vec(),
            cluster: None,
        }
    }
}

/// The nodes of a real cluster (`--nodes`), as the rules ask about them. `daemonlint coverage`
/// builds it and supplies the placement decision, so rules never import the coverage code.
#[derive(Debug)]
pub struct Cluster {
    pub pools: Vec<NodePool>,
    /// Whether the DaemonSet controller creates the pod on the pool's nodes (nodeSelector,
    /// required node affinity, taints).
    pub places: fn(&PodSpec, &NodePool) -> bool,
}

/// Nodes that no DaemonSet can tell apart.
#[derive(Debug)]
pub struct NodePool {
    /// The node group's name (its pool label, role, or first node); several pools may share it.
    pub name: String,
    pub nodes: Vec<String>,
    /// The labels the nodes share (not the ones naming a single node).
    pub labels: std::collections::BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// `kubernetes.io/os`, when the nodes carry it.
    pub os: Option<String>,
    /// The nodes have a GPU: a GPU resource in their status, or a GPU label.
    pub gpu: bool,
    /// The nodes' container runtime (`containerd`, `cri-o`, `docker`), when their status says.
    pub runtime: Option<String>,
}

impl Cluster {
    /// The pools whose nodes carry a taint for which `test` holds.
    pub fn carrying(&self, test: impl Fn(&Taint) -> bool) -> Vec<&NodePool> {
        self.pools
            .iter()
            .filter(|p| p.taints.iter().any(&test))
            .collect()
    }

    /// The pools where the pod is created, among those `which` keeps.
    pub fn placing<'a>(
        &'a self,
        pod: &PodSpec,
        which: impl Fn(&NodePool) -> bool,
    ) -> Vec<&'a NodePool> {
        self.pools
            .iter()
            .filter(|p| which(p) && (self.places)(pod, p))
            .collect()
    }
}

/// Pools merged by name, shown as `3 nodes (pool gpu: gpu-1, gpu-2, gpu-3)`; long lists are
/// cut to a few names and counted.
pub struct Nodes<'a> {
    groups: Vec<(&'a str, Vec<&'a str>)>,
}

/// Names shown per pool, and pools shown, before the rest is counted.
const NAMES_SHOWN: usize = 3;

impl<'a> Nodes<'a> {
    pub fn of(pools: &[&'a NodePool]) -> Nodes<'a> {
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for pool in pools {
            let names = pool.nodes.iter().map(String::as_str);
            match groups.iter_mut().find(|(name, _)| *name == pool.name) {
                Some((_, nodes)) => nodes.extend(names),
                None => groups.push((&pool.name, names.collect())),
            }
        }
        Nodes { groups }
    }

    pub fn count(&self) -> usize {
        self.groups.iter().map(|(_, nodes)| nodes.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

impl fmt::Display for Nodes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.count();
        let noun = if count == 1 { "node" } else { "nodes" };
        let shown: Vec<String> = self
            .groups
            .iter()
            .take(NAMES_SHOWN)
            .map(|(pool, nodes)| {
                let names = nodes[..nodes.len().min(NAMES_SHOWN)].join(", ");
                match nodes.len().saturating_sub(NAMES_SHOWN) {
                    0 => format!("pool {pool}: {names}"),
                    rest => format!("pool {pool}: {names} and {rest} more"),
                }
            })
            .collect();
        let more = match self.groups.len().saturating_sub(NAMES_SHOWN) {
            0 => String::new(),
            1 => "; and 1 more pool".to_owned(),
            rest => format!("; and {rest} more pools"),
        };
        write!(f, "{count} {noun} ({}{more})", shown.join("; "))
    }
}

/// Host paths node plugins must write by design: the kubelet's plugin and device-plugin
/// registration sockets, the kubelet's default FlexVolume driver folder that driver installers
/// fill, the CNI binary and config directories that CNI installers fill,
/// the iptables lock that every iptables user takes, the BPF filesystem where eBPF agents pin
/// their maps and the tracing filesystems where they register kprobes (both are interfaces to
/// the kernel, useless read-only), and Windows named pipes (csi-proxy), which are not files at
/// all. Log and metric collectors need none of them.
pub const DEFAULT_WRITABLE_HOST_PATHS: &[&str] = &[
    "/var/lib/kubelet/plugins_registry",
    "/var/lib/kubelet/plugins_registry/**",
    "/var/lib/kubelet/plugins/**",
    "/var/lib/kubelet/device-plugins",
    "/var/lib/kubelet/device-plugins/**",
    "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
    "/usr/libexec/kubernetes/kubelet-plugins/volume/exec/**",
    "/opt/cni/bin",
    "/etc/cni/net.d",
    "/run/xtables.lock",
    "/var/run/xtables.lock",
    "/sys/fs/bpf",
    "/sys/kernel/debug",
    "/sys/kernel/tracing",
    "//./pipe/**",
];

/// Tags that name a branch or a rolling release rather than a build.
pub const DEFAULT_MUTABLE_TAGS: [&str; 21] = [
    "latest",
    "main",
    "master",
    "develop",
    "devel",
    "edge",
    "nightly",
    "dev",
    "ci",
    "snapshot",
    "canary",
    "stable",
    "*-latest",
    "latest-*",
    "*-stable",
    "snapshot-*",
    "canary-*",
    "*-head",
    "release",
    "*-develop",
    "pr-*",
];

/// Glob patterns over host paths, compiled once.
#[derive(Clone, Debug, Default)]
pub struct PathGlobs {
    set: GlobSet,
}

impl PathGlobs {
    pub fn new(patterns: Vec<String>) -> Result<PathGlobs, String> {
        let mut builder = GlobSetBuilder::new();
        for p in &patterns {
            // Host paths are matched in one spelling (`C:\k` as `/k`): a Windows path in the
            // setting is spelled the same way, not read as glob escapes.
            let pattern = if p.contains('\\') || p.get(1..2) == Some(":") {
                normalize(p)
            } else {
                p.clone()
            };
            builder.add(Glob::new(&pattern).map_err(|e| format!("invalid glob `{p}`: {e}"))?);
        }
        let set = builder.build().map_err(|e| e.to_string())?;
        Ok(PathGlobs { set })
    }

    pub fn matches(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{ParseLimits, parse_stream};

    fn node(yaml: &str) -> Node {
        parse_stream(yaml, ParseLimits::default())
            .documents
            .remove(0)
    }

    #[test]
    fn windows_host_paths_in_the_setting_match_as_written() {
        let globs = PathGlobs::new(vec![r"C:\k".to_owned(), "/var/lib/agent/**".to_owned()])
            .expect("valid globs");
        assert!(globs.matches(&normalize(r"C:\k")));
        assert!(globs.matches("/var/lib/agent/db"));
        assert!(!globs.matches("/var/lib/kubelet"));
    }

    #[test]
    fn defaults_in_the_table_match_the_struct() {
        let mut from_table = Settings::default();
        for doc in SETTINGS {
            from_table
                .apply(doc.key, &node(doc.default))
                .expect(doc.key);
        }
        let d = Settings::default();
        assert_eq!(format!("{from_table:?}"), format!("{d:?}"));
    }

    fn pool(name: &str, nodes: &[&str]) -> NodePool {
        NodePool {
            name: name.into(),
            nodes: nodes.iter().map(|n| (*n).to_owned()).collect(),
            labels: std::collections::BTreeMap::new(),
            taints: Vec::new(),
            os: None,
            gpu: false,
            runtime: None,
        }
    }

    #[test]
    fn node_lists_merge_pools_by_name_and_count_the_rest() {
        let pools = [
            pool("gpu", &["g1", "g2"]),
            pool("gpu", &["g3", "g4"]),
            pool("spot", &["s1"]),
            pool("a", &["a1"]),
            pool("b", &["b1"]),
            pool("c", &["c1"]),
        ];
        let all: Vec<&NodePool> = pools.iter().collect();
        assert_eq!(
            Nodes::of(&all).to_string(),
            "8 nodes (pool gpu: g1, g2, g3 and 1 more; pool spot: s1; pool a: a1; and 2 more pools)"
        );
        assert_eq!(Nodes::of(&all[2..3]).to_string(), "1 node (pool spot: s1)");
    }

    #[test]
    fn wrong_values_are_explained() {
        let mut s = Settings::default();
        assert!(s.apply("max-unavailable", &node("\"25\"")).is_err());
        assert!(s.apply("max-unavailable", &node("10%")).is_ok());
        assert!(s.apply("cluster-nodes", &node("0")).is_err());
        assert!(s.apply("memory-limit-floor", &node("64MB")).is_err());
        assert!(
            s.apply("required-tolerations", &node("[a:NoScheduler]"))
                .is_err()
        );
        assert!(s.apply("nope", &node("1")).is_err());
        assert!(s.apply("kubernetes-version", &node("1.31")).is_ok());
        assert!(s.apply("kubernetes-version", &node("v1.31.4")).is_ok());
        assert!(s.apply("kubernetes-version", &node("1.30")).is_err());
        assert!(s.apply("kubernetes-version", &node("\"1.30\"")).is_ok());
        assert!(s.apply("profile", &node("log-collector")).is_ok());
        assert_eq!(s.profile, Some(AgentKind::LogCollector));
        assert!(s.apply("profile", &node("logs")).is_err());
        assert!(s.apply("mutable-tags", &node("[main]")).is_ok());
    }
}

/// The type of a setting's value, for validation messages and the config JSON schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    IntOrPercent,
    Count,
    Quantity,
    Bool,
    Strings,
    Version,
    Profile,
}

/// A setting as the config file spells it: key, type, default (as YAML) and meaning.
pub struct SettingDoc {
    pub key: &'static str,
    pub kind: Kind,
    pub default: &'static str,
    pub rules: &'static str,
    pub help: &'static str,
}

/// Every setting, in the order `daemonlint init` writes them. The config reader, the starter
/// config and the JSON schema are all generated from this table.
pub const SETTINGS: &[SettingDoc] = &[
    SettingDoc {
        key: "max-unavailable",
        kind: Kind::IntOrPercent,
        default: "25%",
        rules: "DS402",
        help: "largest acceptable rollingUpdate.maxUnavailable (a count, or a percentage like 25%)",
    },
    SettingDoc {
        key: "cluster-nodes",
        kind: Kind::Count,
        default: "~",
        rules: "DS402",
        help: "the cluster's node count, to judge absolute maxUnavailable values; unset: unknown",
    },
    SettingDoc {
        key: "cluster-os",
        kind: Kind::Strings,
        default: "[]",
        rules: "DS701",
        help: "operating systems the cluster's nodes run, e.g. [linux, windows]; empty: unknown, and DS701 reports only pods whose tolerations let them onto tainted Windows nodes",
    },
    SettingDoc {
        key: "min-liveness-delay",
        kind: Kind::Count,
        default: "15",
        rules: "DS603",
        help: "fewest seconds before a liveness (or startup) probe can first restart a container: initialDelaySeconds + (failureThreshold - 1) x periodSeconds",
    },
    SettingDoc {
        key: "min-failure-threshold",
        kind: Kind::Count,
        default: "3",
        rules: "DS604",
        help: "smallest failureThreshold of a liveness or startup probe",
    },
    SettingDoc {
        key: "min-termination-grace",
        kind: Kind::Count,
        default: "30",
        rules: "DS404",
        help: "smallest terminationGracePeriodSeconds",
    },
    SettingDoc {
        key: "memory-limit-floor",
        kind: Kind::Quantity,
        default: "64Mi",
        rules: "DS104",
        help: "lowest memory limit for images without a known floor of their own",
    },
    SettingDoc {
        key: "require-cpu-limit",
        kind: Kind::Bool,
        default: "false",
        rules: "DS102",
        help: "report containers without a cpu limit",
    },
    SettingDoc {
        key: "writable-host-paths",
        kind: Kind::Strings,
        default: "[/var/lib/kubelet/plugins_registry, /var/lib/kubelet/plugins_registry/**, /var/lib/kubelet/plugins/**, /var/lib/kubelet/device-plugins, /var/lib/kubelet/device-plugins/**, /usr/libexec/kubernetes/kubelet-plugins/volume/exec, /usr/libexec/kubernetes/kubelet-plugins/volume/exec/**, /opt/cni/bin, /etc/cni/net.d, /run/xtables.lock, /var/run/xtables.lock, /sys/fs/bpf, /sys/kernel/debug, /sys/kernel/tracing, //./pipe/**]",
        rules: "DS301",
        help: "globs of host paths that may be mounted writable (replaces the default list of node-plugin paths)",
    },
    SettingDoc {
        key: "dangerous-capabilities",
        kind: Kind::Strings,
        default: "[ALL, SYS_ADMIN, SYS_MODULE, SYS_RAWIO, SYS_BOOT, NET_ADMIN, DAC_READ_SEARCH, BPF]",
        rules: "DS305",
        help: "capabilities a container must not add",
    },
    SettingDoc {
        key: "required-tolerations",
        kind: Kind::Strings,
        default: "[]",
        rules: "DS203",
        help: "taints of your node pools every agent must tolerate, as key[=value]:Effect",
    },
    SettingDoc {
        key: "priority-classes",
        kind: Kind::Strings,
        default: "[]",
        rules: "DS501",
        help: "priority classes agents may use; empty accepts any",
    },
    SettingDoc {
        key: "kubernetes-version",
        kind: Kind::Version,
        default: "\"1.37\"",
        rules: "DS002",
        help: "the Kubernetes release the manifests target; fields it does not have are reported",
    },
    SettingDoc {
        key: "profile",
        kind: Kind::Profile,
        default: "~",
        rules: "DS101 DS102 DS104 DS201 DS301 DS404 DS601 DS602 DS603 DS604",
        help: "the agent kind (log-collector, metrics-exporter, network, csi-node, device-plugin, gpu-agent, security, node-maintenance, workload, other); unset: inferred from the manifest",
    },
    SettingDoc {
        key: "mutable-tags",
        kind: Kind::Strings,
        default: "[latest, main, master, develop, devel, edge, nightly, dev, ci, snapshot, canary, stable, \"*-latest\", \"latest-*\", \"*-stable\", \"snapshot-*\", \"canary-*\", \"*-head\", release, \"*-develop\", \"pr-*\"]",
        rules: "DS801",
        help: "image tags that move (a glob may start or end with *); an untagged image always counts",
    },
];

impl Settings {
    /// Sets one setting from its config value; the message says what was expected.
    pub fn apply(&mut self, key: &str, node: &Node) -> Result<(), String> {
        let doc = SETTINGS.iter().find(|d| d.key == key).ok_or_else(|| {
            let keys: Vec<&str> = SETTINGS.iter().map(|d| d.key).collect();
            match crate::did_you_mean::suggest(key, &keys) {
                Some(k) => format!("unknown setting `{key}`; did you mean `{k}`?"),
                None => format!("unknown setting `{key}`"),
            }
        })?;
        let expected = || format!("`{key}` must be {}", describe(doc.kind));
        match key {
            "max-unavailable" => {
                self.max_unavailable = match &node.value {
                    Value::Int(i) if *i >= 0 => IntOrPercent::Int(*i),
                    Value::Str(s) => match IntOrPercent::parse(s) {
                        IntOrPercent::Invalid(_) => return Err(expected()),
                        IntOrPercent::Percent(p) if p > 100 => {
                            return Err(format!("`{key}` cannot be more than 100%"));
                        }
                        v => v,
                    },
                    _ => return Err(expected()),
                }
            }
            "cluster-nodes" => {
                self.cluster_nodes = match node.value {
                    Value::Null => None,
                    Value::Int(i) if i > 0 => Some(i),
                    _ => return Err(format!("`{key}` must be a positive number of nodes")),
                }
            }
            "cluster-os" => {
                self.cluster_os = strings(node)
                    .ok_or_else(expected)?
                    .into_iter()
                    .map(|os| os.to_lowercase())
                    .collect();
            }
            "min-liveness-delay" => self.min_liveness_delay = count(node).ok_or_else(expected)?,
            "min-failure-threshold" => {
                self.min_failure_threshold = count(node).ok_or_else(expected)?;
            }
            "min-termination-grace" => {
                self.min_termination_grace = count(node).ok_or_else(expected)?;
            }
            "memory-limit-floor" => {
                let text = match &node.value {
                    Value::Str(s) => s.clone(),
                    Value::Int(i) => i.to_string(),
                    _ => return Err(expected()),
                };
                self.memory_limit_floor =
                    Quantity::parse(&text).map_err(|e| format!("`{key}`: `{text}` {e}"))?;
            }
            "require-cpu-limit" => {
                self.require_cpu_limit = match node.value {
                    Value::Bool(b) => b,
                    _ => return Err(expected()),
                }
            }
            "writable-host-paths" => {
                self.writable_host_paths = PathGlobs::new(strings(node).ok_or_else(expected)?)?;
            }
            "dangerous-capabilities" => {
                self.dangerous_capabilities = strings(node).ok_or_else(expected)?;
            }
            "required-tolerations" => {
                self.required_tolerations = strings(node)
                    .ok_or_else(expected)?
                    .iter()
                    .map(|t| Taint::parse(t))
                    .collect::<Result<_, _>>()?;
            }
            "priority-classes" => self.priority_classes = strings(node).ok_or_else(expected)?,
            "kubernetes-version" => self.kubernetes_version = version(node)?,
            "profile" => self.profile = profile(node)?,
            "mutable-tags" => self.mutable_tags = strings(node).ok_or_else(expected)?,
            _ => return Err(format!("unknown setting `{key}`")),
        }
        Ok(())
    }
}

pub fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::IntOrPercent => "a count or a percentage string like \"25%\"",
        Kind::Count => "a whole number, 0 or more",
        Kind::Quantity => "a quantity like 64Mi",
        Kind::Bool => "true or false",
        Kind::Strings => "a list of strings",
        Kind::Version => "a Kubernetes version like \"1.31\"",
        Kind::Profile => "an agent kind like log-collector",
    }
}

fn profile(node: &Node) -> Result<Option<AgentKind>, String> {
    match &node.value {
        Value::Null => Ok(None),
        Value::Str(s) => AgentKind::parse(s).map(Some).ok_or_else(|| {
            let names: Vec<&str> = AgentKind::ALL.iter().map(|k| k.name()).collect();
            format!(
                "unknown profile `{s}`; it must be one of {}",
                names.join(", ")
            )
        }),
        _ => Err(format!("`profile` must be {}", describe(Kind::Profile))),
    }
}

/// A version is best quoted: unquoted, YAML reads `1.30` as the number 1.3.
fn version(node: &Node) -> Result<KubernetesVersion, String> {
    match &node.value {
        Value::Str(s) => KubernetesVersion::parse(s),
        Value::Float(f) => KubernetesVersion::parse(&f.to_string())
            .map_err(|e| format!("{e}; quote the version: YAML reads 1.30 as 1.3")),
        _ => Err(format!(
            "`kubernetes-version` must be {}",
            describe(Kind::Version)
        )),
    }
}

fn count(node: &Node) -> Option<i64> {
    match node.value {
        Value::Int(i) if i >= 0 => Some(i),
        _ => None,
    }
}

fn strings(node: &Node) -> Option<Vec<String>> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}
