use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{Arg, Container, DaemonSet};

pub static META: RuleMeta = RuleMeta {
    code: "DS805",
    name: "pod-network-sysctl",
    severity: Severity::Warning,
    summary: "A container sets network sysctls (`net.*`) in a pod without hostNetwork: they change \
              the pod's own network namespace, not the node's",
    doc: include_str!("../../rules/DS805.md"),
};

pub struct PodNetworkSysctl;

impl Rule for PodNetworkSysctl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        if pod.host_network() {
            return;
        }
        for c in pod.all_containers() {
            // `nsenter` reaches the node's namespaces (its network one with `-n`) through a
            // host process: the settings land on the node.
            if enters_host(c) {
                continue;
            }
            let Some((arg, setting)) = network_setting(ds, c) else {
                continue;
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    arg.span,
                    format!(
                        "{} sets `{setting}`, but the pod does not share the node's network \
                         (`hostNetwork`): network sysctls belong to a network namespace, so this \
                         changes the pod's own and the node keeps its value",
                        c.describe()
                    ),
                )
                .label("in the pod's network namespace")
                .help(
                    "set `hostNetwork: true` so the setting reaches the node (or run it through \
                     `nsenter --target 1 --net` with `hostPID`); a value the pod needs for \
                     itself belongs in `securityContext.sysctls`",
                ),
            );
        }
    }
}

fn enters_host(c: &Container) -> bool {
    c.command
        .iter()
        .chain(&c.args)
        .any(|a| a.text.contains("nsenter"))
}

/// The first `net.*` sysctl the container sets, with the command or args item that sets it:
/// `sysctl -w net.core.somaxconn=1024` (or `sysctl net.x=y`), a write to `/proc/sys/net/...`, or
/// `sysctl -p FILE` of a file from a ConfigMap the pod mounts that sets one.
fn network_setting<'c>(ds: &DaemonSet, c: &'c Container) -> Option<(&'c Arg, String)> {
    for arg in c.command.iter().chain(&c.args) {
        for statement in arg.text.split(['\n', ';', '&', '|']) {
            let words: Vec<&str> = statement.split_whitespace().collect();
            if let Some(at) = words
                .iter()
                .position(|w| w.rsplit('/').next() == Some("sysctl"))
            {
                let rest = &words[at + 1..];
                if let Some(set) = rest
                    .iter()
                    .map(|w| w.trim_matches(['"', '\'']))
                    .find(|w| w.starts_with("net.") && w.contains('='))
                {
                    return Some((arg, set.to_owned()));
                }
                // `sysctl -p FILE`: the settings are in the file.
                if let Some(file) = rest
                    .iter()
                    .skip_while(|w| !matches!(**w, "-p" | "--load"))
                    .nth(1)
                    .and_then(|f| f.rsplit('/').next())
                    && let Some(set) = ds
                        .mounted_config
                        .iter()
                        .filter(|m| m.key == file)
                        .flat_map(|m| m.text.lines())
                        .map(str::trim)
                        .find(|l| l.starts_with("net.") && l.contains('='))
                {
                    return Some((arg, set.split_whitespace().collect()));
                }
            }
            if let Some(path) = words.iter().find(|w| w.starts_with("/proc/sys/net/"))
                && statement.contains('>')
            {
                return Some((arg, path.to_string()));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn ds(pod: &str, command: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n{pod}      initContainers:\n      - name: tune\n        image: example/tools:1.0\n        securityContext: {{privileged: true}}\n        command: {command}\n      containers:\n      - {{name: pause, image: 'registry.k8s.io/pause:3.9'}}\n"
        )
    }

    #[test]
    fn network_sysctls_outside_the_node_network() {
        let w = ds(
            "",
            "[sh, -c, 'sysctl -w net.core.somaxconn=4096 && sysctl -w vm.max_map_count=262144']",
        );
        assert_eq!(positions(&w, "DS805"), ["13:27"]);
        let echo = ds(
            "",
            "[sh, -c, 'echo 131072 > /proc/sys/net/core/optmem_max']",
        );
        assert_eq!(positions(&echo, "DS805"), ["13:27"]);
    }

    #[test]
    fn on_the_node_network_or_not_network() {
        let host = ds(
            "      hostNetwork: true\n",
            "[sysctl, -w, net.core.somaxconn=4096]",
        );
        assert!(positions(&host, "DS805").is_empty());
        let vm = ds("", "[sysctl, -w, vm.max_map_count=262144]");
        assert!(positions(&vm, "DS805").is_empty());
        let read = ds("", "[sh, -c, 'cat /proc/sys/net/core/optmem_max']");
        assert!(positions(&read, "DS805").is_empty());
        let nsenter = ds(
            "      hostPID: true\n",
            "[nsenter, --target, '1', --net, --, sysctl, -w, net.core.somaxconn=4096]",
        );
        assert!(positions(&nsenter, "DS805").is_empty());
    }
}
