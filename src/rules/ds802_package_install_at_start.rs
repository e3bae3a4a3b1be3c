use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::{package_install, script_line_install};
use crate::model::{Arg, Container, DaemonSet, MountedFile, PodSpec};

pub static META: RuleMeta = RuleMeta {
    code: "DS802",
    name: "package-install-at-start",
    severity: Severity::Warning,
    summary: "A container installs packages when it starts: every node fetches them from a package index, at its own time",
    doc: include_str!("../../rules/DS802.md"),
};

pub struct PackageInstallAtStart;

impl Rule for PackageInstallAtStart {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in pod.all_containers() {
            if let Some((arg, script, file, install)) = script_install(ds, pod, c) {
                cx.report(
                    Diagnostic::new(
                        &META,
                        arg.span,
                        format!(
                            "{} runs `{script}` (key `{}` of ConfigMap `{}`), which installs \
                             packages when it starts (`{install}`): each node fetches them when \
                             its pod starts, so a package index outage or a new release changes \
                             what runs, node by node",
                            c.describe(),
                            file.key,
                            file.config_map
                        ),
                    )
                    .label("its script fetches packages at every start")
                    .help(
                        "install the packages when the image is built, at pinned versions, and \
                         run that image (pinned by digest or an immutable tag); keep the script \
                         for what must happen on the node",
                    ),
                );
                continue;
            }
            let Some((arg, install)) = package_install(c) else {
                continue;
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    arg.span,
                    format!(
                        "{} installs packages when it starts (`{install}`): each node fetches \
                         them when its pod starts, so a package index outage or a new release \
                         changes what runs, node by node",
                        c.describe()
                    ),
                )
                .label("fetched at every start")
                .help(
                    "install the packages when the image is built, at pinned versions, and run \
                     that image (pinned by digest or an immutable tag)",
                ),
            );
        }
    }
}

/// A script the container runs from a ConfigMap of the same input that the pod mounts (the
/// word of its command or args that names the file), and the first package install in it: the
/// `command` or `args` item, the script's path, the ConfigMap entry and the install.
fn script_install<'a>(
    ds: &'a DaemonSet,
    pod: &PodSpec,
    c: &'a Container,
) -> Option<(&'a Arg, &'a str, &'a MountedFile, String)> {
    c.command.iter().chain(&c.args).find_map(|arg| {
        arg.text.split_whitespace().find_map(|word| {
            c.volume_mounts.iter().find_map(|m| {
                let config_map = pod.volume_of(m)?.config_map.as_deref()?;
                let at = m.mount_path.as_ref()?.value.trim_end_matches('/');
                let key = match &m.sub_path {
                    Some(sub) => (word == at).then_some(sub.value.as_str())?,
                    None => word.strip_prefix(at)?.strip_prefix('/')?,
                };
                let file = ds
                    .mounted_config
                    .iter()
                    .find(|f| f.config_map == config_map && f.key == key)?;
                let install = file.text.lines().find_map(script_line_install)?;
                Some((arg, word, file, install))
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(container: &str) -> String {
        pod_spec(&format!("      containers:\n      - {container}\n"))
    }

    #[test]
    fn installs_at_start() {
        let pip = ds(
            "{name: a, image: python:3.12.4, command: [sh, -c, 'pip install kubernetes && python /app/label.py']}",
        );
        assert_eq!(positions(&pip, "DS802"), ["10:59"]);
        let apt = ds(
            "{name: a, image: ubuntu:24.04, args: ['apt-get update && apt-get -y install curl']}",
        );
        assert_eq!(positions(&apt, "DS802"), ["10:47"]);
        let apk = ds("{name: a, image: alpine:3.20, command: [apk, add, --no-cache, curl]}");
        assert_eq!(positions(&apk, "DS802"), ["10:49"]);
    }

    #[test]
    fn not_onto_the_host_or_from_nowhere() {
        let host = ds(
            "{name: a, image: alpine:3.20, command: [nsenter, --mount=/proc/1/ns/mnt, --, apt-get, install, -y, cifs-utils]}",
        );
        assert!(positions(&host, "DS802").is_empty());
        let chroot = ds(
            "{name: a, image: alpine:3.20, command: [chroot, /host, yum, install, -y, nfs-utils]}",
        );
        assert!(positions(&chroot, "DS802").is_empty());
        let offline = ds(
            "{name: a, image: python:3.12.4, command: [pip, install, --no-index, /wheels/agent.whl]}",
        );
        assert!(positions(&offline, "DS802").is_empty());
        let update_only = ds("{name: a, image: ubuntu:24.04, command: [apt-get, update]}");
        assert!(positions(&update_only, "DS802").is_empty());
    }

    /// A script mounted by `subPath` is the file at `mountPath`; one the ConfigMap does not
    /// hold, or a comment that names an install, is nothing to report.
    #[test]
    fn scripts_from_config_maps() {
        let script = |text: &str, mount: &str, run: &str| {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: s}}\ndata:\n  run.sh: |\n    {text}\n---\n{}",
                pod_spec(&format!(
                    "      containers:\n      - {{name: a, image: alpine:3.20, command: [sh, {run}], volumeMounts: [{mount}]}}\n      volumes: [{{name: s, configMap: {{name: s}}}}]\n"
                ))
            )
        };
        let sub_path = script(
            "apk add --no-cache curl",
            "{name: s, mountPath: /run.sh, subPath: run.sh}",
            "/run.sh",
        );
        assert_eq!(positions(&sub_path, "DS802"), ["17:53"]);
        let other_key = script("apk add curl", "{name: s, mountPath: /s}", "/s/other.sh");
        assert!(positions(&other_key, "DS802").is_empty());
        let comment = script("# apk add curl", "{name: s, mountPath: /s}", "/s/run.sh");
        assert!(positions(&comment, "DS802").is_empty());
    }
}
