use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::AgentKind;
use crate::model::{Capabilities, DaemonSet};
use crate::rules::{hardening, listed};

pub static META: RuleMeta = RuleMeta {
    code: "DS305",
    name: "dangerous-capability",
    severity: Severity::Warning,
    summary: "A container adds a capability that amounts to control of the node",
    doc: include_str!("../../rules/DS305.md"),
};

pub struct DangerousCapability;

impl Rule for DangerousCapability {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let dangerous: Vec<String> = cx
            .settings
            .dangerous_capabilities
            .iter()
            .map(|c| Capabilities::normalize(c))
            .collect();
        for c in pod.all_containers().filter(|c| !c.privileged()) {
            // As for DS303: a CNI installer writing the plugin folder runs code as root on
            // the node through it, so no capability adds to what it can do.
            if hardening::cni_installer(pod, cx.profile, c) {
                continue;
            }
            let Some(caps) = c.capabilities() else {
                continue;
            };
            let added: Vec<(&crate::model::Spanned<String>, String)> = caps
                .add
                .iter()
                .map(|a| (a, Capabilities::normalize(&a.value)))
                .filter(|(_, name)| {
                    dangerous.contains(name) && !network_tool(cx.profile.kind, name)
                })
                .collect();
            // One finding per container: the reviewer weighs the set, not each item.
            let Some((first, first_name)) = added.first() else {
                continue;
            };
            let names: Vec<&str> = added.iter().map(|(_, n)| n.as_str()).collect();
            let (what, label) = if names.len() == 1 {
                (
                    format!("the capability {first_name}"),
                    why(first_name).to_owned(),
                )
            } else {
                (
                    format!("the capabilities {}", listed(&names)),
                    format!("{first_name}: {}", why(first_name)),
                )
            };
            cx.report(
                Diagnostic::new(&META, first.span, format!("{} adds {what}", c.describe()))
                    .label(label)
                    .help(
                        "drop each one the agent works without; if one is needed, suppress this \
                         finding with what the agent uses it for",
                    ),
            );
        }
    }
}

/// Routes, interfaces, iptables and raw sockets are what a network agent is for: a reviewer
/// expects NET_ADMIN and NET_RAW there, and looks for anything beyond them.
fn network_tool(kind: AgentKind, capability: &str) -> bool {
    kind == AgentKind::Network && matches!(capability, "NET_ADMIN" | "NET_RAW")
}

fn why(capability: &str) -> &'static str {
    match capability {
        "ALL" => "every capability: as good as privileged",
        "SYS_ADMIN" => "mounts, namespaces, BPF and more: close to root on the node",
        "SYS_MODULE" => "loads kernel modules into the node's kernel",
        "SYS_RAWIO" => "raw access to devices and memory",
        "SYS_BOOT" => "can reboot the node",
        "NET_ADMIN" => "reconfigures the node's network",
        "DAC_READ_SEARCH" => {
            "reads any file, whatever its permissions, and opens files by handle \
             (`open_by_handle_at`), which reaches files outside the container's mounts"
        }
        "BPF" => "loads BPF programs into the node's kernel",
        _ => "listed in the dangerous-capabilities setting",
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn dangerous_adds() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - {name: a, image: i:1, securityContext: {capabilities: {drop: [ALL], add: [SYS_PTRACE, CAP_SYS_ADMIN, net_admin]}}}\n";
        assert_eq!(
            positions(y, "DS305"),
            ["10:95"],
            "one finding for the container"
        );
    }
}
