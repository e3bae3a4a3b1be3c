use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix, Target, Value};
use crate::model::DaemonSet;
use crate::model::VolumeMount;
use crate::rules::host_paths;

pub static META: RuleMeta = RuleMeta {
    code: "DS301",
    name: "writable-host-path",
    severity: Severity::Warning,
    summary: "A hostPath volume is mounted writable",
    doc: include_str!("../../rules/DS301.md"),
};

pub struct WritableHostPath;

impl Rule for WritableHostPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // Windows has no mount propagation: a Windows CSI node plugin publishes volumes
        // through a writable kubelet directory, as a Linux one does through Bidirectional.
        let windows = pod.only_on_nodes(|r| r.excludes_linux());
        for m in host_paths::mounts(pod) {
            // A privileged container can remount anything writable; DS303 is the finding.
            if m.container.privileged() {
                continue;
            }
            if m.mount.read_only.as_ref().is_some_and(|r| r.value) {
                continue;
            }
            // Bidirectional propagation exists so the container can mount onto the host
            // (CSI node plugins); that needs a writable mount by design.
            if m.mount
                .mount_propagation
                .as_ref()
                .is_some_and(|p| p.value == "Bidirectional")
            {
                continue;
            }
            let path = host_paths::normalize(&m.path.value);
            if windows && path == "/var/lib/kubelet" {
                continue;
            }
            if cx.settings.writable_host_paths.matches(&path) {
                continue;
            }
            let at = m.mount.name.as_ref().map_or(m.mount.span, |n| n.whole());
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} mounts host path `{}` writable",
                        m.container.describe(),
                        m.path.value
                    ),
                )
                .label("no `readOnly: true`")
                .related(m.path.span, "host path")
                .help(format!(
                    "add `readOnly: true` to this mount; if the agent must write there (a \
                     position database, a plugin socket), list `{path}` under the \
                     `writable-host-paths` setting"
                ))
                .fix(Some(fix(m.mount))),
            );
        }
    }
}

/// An agent that writes through the mount fails once it is read-only.
fn fix(mount: &VolumeMount) -> Fix {
    let change = match &mount.read_only {
        Some(r) => Change::Replace {
            span: r.span,
            content: "true".to_owned(),
        },
        None => Change::Insert {
            into: Target::Node(mount.span),
            key: "readOnly".to_owned(),
            value: Value::scalar("true"),
        },
    };
    Fix::unsafe_("mount it with `readOnly: true`", vec![change])
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(mounts: &str) -> String {
        pod_spec(&format!(
            "      containers:\n      - name: c\n        image: i:1\n        volumeMounts:\n{mounts}      volumes:\n      - {{name: log, hostPath: {{path: /var/log}}}}\n      - {{name: kubelet, hostPath: {{path: /var/lib/kubelet}}}}\n      - {{name: reg, hostPath: {{path: /var/lib/kubelet/plugins_registry/}}}}\n      - {{name: cm, configMap: {{name: x}}}}\n"
        ))
    }

    #[test]
    fn writable_mounts() {
        let y = ds(
            "        - {name: log, mountPath: /var/log}\n        - {name: log, mountPath: /l2, readOnly: false}\n        - {name: cm, mountPath: /etc/x}\n",
        );
        assert_eq!(positions(&y, "DS301"), ["13:12", "14:12"]);
    }

    #[test]
    fn windows_kubelet_directory() {
        let y = ds("        - {name: kubelet, mountPath: /k}\n").replace(
            "    spec:\n",
            "    spec:\n      nodeSelector: {kubernetes.io/os: windows}\n",
        );
        assert!(positions(&y, "DS301").is_empty());
        let linux = ds("        - {name: kubelet, mountPath: /k}\n");
        assert_eq!(positions(&linux, "DS301"), ["13:12"]);
    }

    #[test]
    fn exemptions() {
        let y = ds(
            "        - {name: log, mountPath: /var/log, readOnly: true}\n        - {name: kubelet, mountPath: /var/lib/kubelet, mountPropagation: Bidirectional}\n        - {name: reg, mountPath: /registration}\n",
        );
        assert!(positions(&y, "DS301").is_empty());
    }
}
