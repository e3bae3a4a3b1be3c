//! Thresholds the rules read, with the defaults of the production checklist. Built once per
//! run; the config file (when there is one) overrides them.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::model::{IntOrPercent, Quantity};

#[derive(Clone, Debug)]
pub struct Settings {
    /// DS402: the largest acceptable maxUnavailable.
    pub max_unavailable: IntOrPercent,
    /// DS402: the cluster's node count, to judge absolute maxUnavailable values.
    pub cluster_nodes: Option<i64>,
    /// DS603: the smallest acceptable liveness initialDelaySeconds without a startupProbe.
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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_unavailable: IntOrPercent::Percent(25),
            cluster_nodes: None,
            min_liveness_delay: 10,
            min_failure_threshold: 3,
            min_termination_grace: 30,
            memory_limit_floor: Quantity::parse("64Mi").unwrap_or_else(|_| unreachable!()),
            require_cpu_limit: true,
            writable_host_paths: PathGlobs::default(),
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
        }
    }
}

/// Glob patterns over host paths, compiled once.
#[derive(Clone, Debug, Default)]
pub struct PathGlobs {
    pub patterns: Vec<String>,
    set: GlobSet,
}

impl PathGlobs {
    pub fn new(patterns: Vec<String>) -> Result<PathGlobs, String> {
        let mut builder = GlobSetBuilder::new();
        for p in &patterns {
            builder.add(Glob::new(p).map_err(|e| format!("invalid glob `{p}`: {e}"))?);
        }
        let set = builder.build().map_err(|e| e.to_string())?;
        Ok(PathGlobs { patterns, set })
    }

    pub fn matches(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

/// A node taint, written `key[=value]:Effect` as `kubectl taint` writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

impl Taint {
    pub fn parse(text: &str) -> Result<Taint, String> {
        let (kv, effect) = text
            .rsplit_once(':')
            .ok_or_else(|| format!("taint `{text}` needs an effect: `key[=value]:NoSchedule`"))?;
        if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            return Err(format!("taint `{text}` has an unknown effect `{effect}`"));
        }
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        if key.is_empty() {
            return Err(format!("taint `{text}` has an empty key"));
        }
        Ok(Taint {
            key: key.to_owned(),
            value: value.to_owned(),
            effect: effect.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taint_syntax() {
        assert_eq!(
            Taint::parse("dedicated=gpu:NoSchedule"),
            Ok(Taint {
                key: "dedicated".into(),
                value: "gpu".into(),
                effect: "NoSchedule".into()
            })
        );
        assert_eq!(
            Taint::parse("node.example.com/pool:NoExecute").map(|t| t.value),
            Ok(String::new())
        );
        assert!(Taint::parse("nokey").is_err());
        assert!(Taint::parse("a=b:NoScheduler").is_err());
        assert!(Taint::parse(":NoSchedule").is_err());
    }
}
