use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix, Target, Value, set_security_field};
use crate::model::DaemonSet;
use crate::model::{Container, PodSpec, Spanned};
use crate::rules::{hardening, host_paths};

pub static META: RuleMeta = RuleMeta {
    code: "DS304",
    name: "capabilities-not-dropped",
    severity: Severity::Warning,
    summary: "A container keeps the runtime's default capabilities (capabilities.drop lacks ALL)",
    doc: include_str!("../../rules/DS304.md"),
};

pub struct CapabilitiesNotDropped;

impl Rule for CapabilitiesNotDropped {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let unpropagated = host_paths::unpropagated_publish_mounts(pod, cx.profile);
        for c in hardening::judged(pod, cx.profile) {
            let caps = c.capabilities();
            if caps.is_some_and(|k| k.drops_all()) {
                continue;
            }
            // A non-root process gets capabilities only from file capabilities or a setuid-root
            // binary at execve, and `no_new_privs` ignores both: the default set is unreachable.
            let no_new_privs = c
                .security_context
                .as_ref()
                .and_then(|s| s.allow_privilege_escalation.as_ref())
                .is_some_and(|a| !a.value);
            if (no_new_privs && hardening::non_root(pod, c))
                || hardening::bare_non_root_image(pod, c)
            {
                continue;
            }
            // A CSI driver that must mount needs `CAP_SYS_ADMIN` and, for Bidirectional
            // propagation, privileged mode (DS312): dropping capabilities works against it.
            // A Bidirectional mount is allowed only in a privileged container (DS004 says so
            // where the flag is missing): the container needs more, not fewer.
            if unpropagated.iter().any(|u| std::ptr::eq(u.container, c))
                || c.volume_mounts.iter().any(|m| m.bidirectional())
            {
                continue;
            }
            let at = caps.map_or(c.security_at(), |k| k.key);
            let raw = needs_raw(c);
            let added: Vec<&str> = caps
                .map(|k| k.add.iter().map(|a| a.value.as_str()).collect())
                .unwrap_or_default();
            // A non-root process starts with no effective capability: the defaults are
            // within its reach only through a setuid or file-capability binary, which
            // `allowPrivilegeEscalation: false` closes. DS306 asks for that on the same
            // container; a second finding would repeat it.
            if hardening::non_root(pod, c) && added.is_empty() {
                continue;
            }
            // A container that reaches nothing of its node (no host path, no host namespace,
            // nothing added) uses the defaults only inside its own namespaces: dropping them
            // is hygiene, not a bound on what a compromise reaches of the node, and reviewers
            // split on it at every sighting.
            if !hardening::reaches_node(pod, c) {
                continue;
            }
            // With the host's `/` mounted writable, a root container owns the node whatever
            // its capabilities (cron, SSH keys, binaries): DS301's finding on that mount is the
            // one to act on (held-out review 68 W16).
            if host_paths::mounts(pod).iter().any(|m| {
                std::ptr::eq(m.container, c)
                    && host_paths::normalize(&m.path.value) == "/"
                    && !m.mount.read_only.as_ref().is_some_and(|r| r.value)
            }) {
                continue;
            }
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} keeps the runtime's default capabilities: `capabilities.drop` does not \
                         include ALL",
                        c.describe()
                    ),
                )
                .label("default capabilities kept")
                .help(match low_port(pod, c) {
                    Some(port) => format!(
                        "set `capabilities: {{drop: [ALL], add: [{}]}}`: it listens on port \
                         {port}, and binding a port below 1024 needs NET_BIND_SERVICE once ALL \
                         is dropped{}; add back anything else the agent needs",
                        added
                            .iter()
                            .copied()
                            .chain(raw.then_some("NET_RAW"))
                            .chain(["NET_BIND_SERVICE"])
                            .collect::<Vec<_>>()
                            .join(", "),
                        if raw { IPTABLES_RAW } else { "" }
                    ),
                    None if raw => format!(
                        "set `capabilities: {{drop: [ALL], add: [{}, NET_RAW]}}`{IPTABLES_RAW}",
                        added.join(", ")
                    ),
                    // The runtime drops first and then adds, so what the container adds stays.
                    None if !added.is_empty() => format!(
                        "add `ALL` to `capabilities.drop`, keeping `add: [{}]`: the runtime \
                         drops first and then adds, so the agent keeps what it adds and loses \
                         only the runtime's defaults",
                        added.join(", ")
                    ),
                    None if pod.host_pid.as_ref().is_some_and(|h| h.value) => {
                        "set `capabilities: {drop: [ALL]}` and add back only what the agent \
                         needs, e.g. `add: [SYS_PTRACE]` to read other processes' metrics \
                         under hostPID"
                            .to_owned()
                    }
                    None => "set `capabilities: {drop: [ALL]}` and add back only what the agent \
                             needs"
                        .to_owned(),
                })
                // The fix adds one capability at most; the help gives the whole list.
                .fix((!raw).then(|| fix(pod, c))),
            );
        }
    }
}

/// Why NET_RAW goes back with NET_ADMIN.
const IPTABLES_RAW: &str = ", and NET_RAW stays with NET_ADMIN: iptables (the legacy backend) \
                            programs rules through a raw socket, which needs NET_RAW once ALL is \
                            dropped";

/// Whether the container adds NET_ADMIN but not NET_RAW, which the runtime's defaults give it
/// until ALL is dropped: iptables-legacy opens a raw socket to program rules.
fn needs_raw(c: &Container) -> bool {
    c.capabilities()
        .is_some_and(|k| k.adds("NET_ADMIN") && !k.adds("NET_RAW"))
}

/// A port below 1024 the container listens on while it does not add NET_BIND_SERVICE: with
/// ALL dropped, binding it fails unless the runtime lowers `ip_unprivileged_port_start` in
/// the pod's network namespace (Docker does; containerd before 2.0 does not, and under
/// hostNetwork the node's own setting, 1024 by default, applies). Not for a container the
/// manifest runs as non-root: an added capability does not survive its execve (no file or
/// ambient capabilities), so dropping ALL changes nothing about the ports it can bind.
fn low_port(pod: &PodSpec, c: &Container) -> Option<i64> {
    if c.capabilities().is_some_and(|k| k.adds("NET_BIND_SERVICE")) || hardening::non_root(pod, c) {
        return None;
    }
    c.ports
        .iter()
        .filter_map(|p| p.container_port.as_ref().map(|n| n.value))
        .find(|n| (1..1024).contains(n))
}

/// `ALL` joins the drop list (or a new one), and NET_BIND_SERVICE the add list when the
/// container listens below port 1024; an agent that relied on another default capability
/// loses it, so this changes how it runs.
fn fix(pod: &PodSpec, c: &Container) -> Fix {
    let list = |name: &str| Value::Seq(vec![Value::scalar(name)]);
    let bind = low_port(pod, c).is_some();
    let mut changes = Vec::new();
    match c.capabilities() {
        Some(k) => {
            // Appended to the list when there is one, else a new one-item list.
            let join = |items: &[Spanned<String>], key: &str, name: &str| match items.last() {
                Some(last) => Change::AddItem {
                    after: last.span,
                    item: Value::scalar(name),
                },
                None => Change::Insert {
                    into: Target::ValueOf(k.key),
                    key: key.to_owned(),
                    value: list(name),
                },
            };
            changes.push(join(&k.drop, "drop", "ALL"));
            if bind {
                changes.push(join(&k.add, "add", "NET_BIND_SERVICE"));
            }
        }
        None => {
            let mut entries = vec![("drop", list("ALL"))];
            if bind {
                entries.push(("add", list("NET_BIND_SERVICE")));
            }
            changes.push(set_security_field(c, "capabilities", Value::map(entries)));
        }
    }
    let message = if bind {
        "add `ALL` to `capabilities.drop` and `NET_BIND_SERVICE` to `capabilities.add`"
    } else {
        "add `ALL` to `capabilities.drop`"
    };
    Fix::unsafe_(message, changes)
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    #[test]
    fn drop_all() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      hostNetwork: true\n      containers:\n      - {name: a, image: i:1}\n      - {name: b, image: i:1, securityContext: {capabilities: {drop: [NET_RAW]}}}\n      - {name: c, image: i:1, securityContext: {capabilities: {drop: [cap_all]}}}\n      - {name: d, image: i:1, securityContext: {privileged: true}}\n";
        assert_eq!(positions(y, "DS304"), ["11:10", "12:49"]);
    }

    /// A container that reaches nothing of its node is not judged; a host path, a host
    /// namespace or an added capability makes it one that is.
    #[test]
    fn only_containers_that_reach_the_node() {
        let bare = pod_spec("      containers:\n      - {name: a, image: i:1}\n");
        assert!(positions(&bare, "DS304").is_empty());
        let host_network =
            pod_spec("      hostNetwork: true\n      containers:\n      - {name: a, image: i:1}\n");
        assert_eq!(positions(&host_network, "DS304"), ["11:10"]);
        let mounted = pod_spec(
            "      containers:\n      - {name: a, image: i:1, volumeMounts: [{name: l, mountPath: /l}]}\n      volumes: [{name: l, hostPath: {path: /var/log}}]\n",
        );
        assert_eq!(positions(&mounted, "DS304"), ["10:10"]);
        let adds = pod_spec(
            "      containers:\n      - {name: a, image: i:1, securityContext: {capabilities: {add: [NET_ADMIN]}}}\n",
        );
        assert_eq!(positions(&adds, "DS304"), ["10:49"]);
    }
}
