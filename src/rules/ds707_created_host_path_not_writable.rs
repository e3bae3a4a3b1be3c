use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::profile::words;
use crate::rules::{hardening, host_paths};

pub static META: RuleMeta = RuleMeta {
    code: "DS707",
    name: "created-host-path-not-writable",
    severity: Severity::Warning,
    summary: "A container that runs as a non-root user writes a host path the kubelet creates \
              (`DirectoryOrCreate`, `FileOrCreate`): it is created owned by root, so the writes fail",
    doc: include_str!("../../rules/DS707.md"),
};

pub struct CreatedHostPathNotWritable;

impl Rule for CreatedHostPathNotWritable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        if pod.windows_only() {
            return;
        }
        // An init container that hands the path over (`chown 1000 /data`) runs before the agent.
        let handed_over = pod
            .init_containers
            .iter()
            .any(|c| words(c).iter().any(|w| matches!(*w, "chown" | "chmod")));
        if handed_over {
            return;
        }
        for m in host_paths::mounts(pod) {
            let Some(kind) = m
                .volume_kind
                .filter(|k| matches!(*k, "DirectoryOrCreate" | "FileOrCreate"))
            else {
                continue;
            };
            if m.mount.read_only.as_ref().is_some_and(|r| r.value) || m.container.privileged() {
                continue;
            }
            let Some(uid) = hardening::run_as_user(pod, m.container).filter(|u| u.value > 0) else {
                continue;
            };
            let (what, mode) = if kind == "FileOrCreate" {
                ("an empty file", "0644")
            } else {
                ("a folder", "0755")
            };
            let at = m.mount.name.as_ref().map_or(m.mount.span, |n| n.whole());
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} runs as user {} and mounts host path `{}` writable, which the kubelet \
                         creates (`{kind}`) as {what} owned by root with mode {mode}: the \
                         container cannot write there",
                        m.container.describe(),
                        uid.value,
                        m.path.value
                    ),
                )
                .label("created owned by root")
                .related(uid.span, "not root")
                .help(format!(
                    "hand the path to user {}: an init container running as root with \
                     `chown -R {}: {}` mounted the same way (fsGroup does not apply to hostPath \
                     volumes), or create it with that owner when the node is provisioned; if the \
                     agent only reads there, mount it with `readOnly: true`",
                    uid.value,
                    uid.value,
                    m.mount
                        .mount_path
                        .as_ref()
                        .map_or(m.path.value.as_str(), |p| p.value.as_str())
                )),
            );
        }
    }
}
