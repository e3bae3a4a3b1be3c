use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix, Value, set_security_field};
use crate::model::DaemonSet;
use crate::model::profile::{AgentKind, package_install};
use crate::model::{Capabilities, Container, Spanned};
use crate::rules::hardening;
use crate::rules::host_paths::{self, is_socket};

pub static META: RuleMeta = RuleMeta {
    code: "DS308",
    name: "writable-root-filesystem",
    severity: Severity::Note,
    summary: "A container's root filesystem is writable (readOnlyRootFilesystem is not true)",
    doc: include_str!("../../rules/DS308.md"),
};

pub struct WritableRootFilesystem;

impl Rule for WritableRootFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // A collector's image writes its buffers, checkpoints and rendered config to its own
        // filesystem: read-only needs a volume per path, which no reviewer asked of one.
        if cx.profile.kind == AgentKind::LogCollector {
            return;
        }
        // A container that can write files on the node already has a place to change what
        // outlives it; a read-only root would not bound a compromise (DS301 judges the mount).
        // A socket or a lock file (`/run/xtables.lock`) is shared to talk or take turns, not
        // to hold files.
        let writes_host: Vec<&Container> = host_paths::mounts(pod)
            .into_iter()
            .filter(|m| {
                !m.mount.read_only.as_ref().is_some_and(|r| r.value)
                    && !is_socket(&m.path.value)
                    && !m.path.value.ends_with(".lock")
            })
            .map(|m| m.container)
            .collect();
        let dangerous = hardening::dangerous_capabilities(cx.settings);
        for c in hardening::judged(pod, cx.profile) {
            if writes_host.iter().any(|w| std::ptr::eq(*w, c)) {
                continue;
            }
            // Agents that render their config into their own filesystem at every start, as
            // the collectors above do: the CloudWatch agent translates its JSON config into
            // TOML under `/opt/aws`, and node-local-dns's node-cache writes `/etc/Corefile`
            // from the template it mounts.
            if c.image_name()
                .is_some_and(|n| matches!(n, "cloudwatch-agent" | "k8s-dns-node-cache"))
            {
                continue;
            }
            // It installs packages into its own filesystem at start: DS802 reports that, and
            // a read-only root would only break the install.
            if package_install(c).is_some() {
                continue;
            }
            // A read-only root is the last layer of a container's hardening: on one that runs
            // as root with the runtime's default capabilities, dropping them (DS304) and
            // running as another user are the steps that bound a compromise, and this note on
            // top is one nobody acts on.
            // A non-root process cannot write the image's files, which belong to root: a
            // read-only root would only close the few paths the image hands its user.
            if hardening::non_root(pod, c) {
                continue;
            }
            // A container that adds a dangerous capability (DAC_READ_SEARCH reads any file of
            // the node, NET_ADMIN on the host network rewires it) reaches the node through
            // it: its own root filesystem bounds nothing more, and DS305 is the finding.
            if c.capabilities().is_some_and(|k| {
                k.add
                    .iter()
                    .any(|a| dangerous.contains(&Capabilities::normalize(&a.value)))
            }) {
                continue;
            }
            let hardened = match c.capabilities() {
                Some(k) if k.drops_all() && k.add.is_empty() => "drops every capability".to_owned(),
                Some(k) if k.drops_all() => format!(
                    "drops every capability except {}",
                    k.add
                        .iter()
                        .map(|a| a.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => continue,
            };
            let setting = c
                .security_context
                .as_ref()
                .and_then(|sc| sc.read_only_root_filesystem.as_ref());
            let at = match setting {
                Some(s) if s.value => continue,
                Some(s) => s.whole(),
                None => c.security_at(),
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} {hardened}, yet can still write to its root filesystem",
                        c.describe()
                    ),
                )
                .label("readOnlyRootFilesystem is not true")
                .help(
                    "set `readOnlyRootFilesystem: true` and give the agent an emptyDir for the \
                     paths it writes (buffers, temp files)",
                )
                .fix(Some(fix(c, setting))),
            );
        }
    }
}

/// An agent that writes to its root filesystem fails once it is read-only.
fn fix(c: &Container, setting: Option<&Spanned<bool>>) -> Fix {
    let change = match setting {
        Some(s) => Change::Replace {
            span: s.span,
            content: "true".to_owned(),
        },
        None => set_security_field(c, "readOnlyRootFilesystem", Value::scalar("true")),
    };
    Fix::unsafe_("set `readOnlyRootFilesystem: true`", vec![change])
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn read_only_root() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - {name: a, image: i:1, securityContext: {capabilities: {drop: [ALL]}}}\n      - {name: b, image: i:1, securityContext: {readOnlyRootFilesystem: false, capabilities: {drop: [ALL]}}}\n      - {name: c, image: i:1, securityContext: {readOnlyRootFilesystem: true, runAsUser: 1000}}\n      - {name: d, image: i:1}\n      - {name: e, image: i:1, securityContext: {runAsUser: 1000, capabilities: {drop: [ALL]}}}\n";
        assert_eq!(positions(y, "DS308"), ["10:31", "11:49"]);
    }
}
