use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::profile::package_install;

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
}
