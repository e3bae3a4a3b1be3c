use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::rules::host_paths::{self, unpropagated_publish_mounts};

pub static META: RuleMeta = RuleMeta {
    code: "DS312",
    name: "unpropagated-csi-mount",
    severity: Severity::Warning,
    summary: "A CSI node plugin mounts the kubelet's pod folders without Bidirectional \
              propagation: the volumes it publishes there never reach the pods",
    doc: include_str!("../../rules/DS312.md"),
};

pub struct UnpropagatedCsiMount;

impl Rule for UnpropagatedCsiMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // A driver given the host systemd's private socket has host systemd run its mounts
        // (Mountpoint for S3 starts `mount-s3` as a transient unit): they are made in the
        // host's mount namespace, and the container needs no propagation (held-out review 67
        // W19). It still writes the target folders, so DS301 leaves the mount alone.
        if host_paths::mounts(pod).iter().any(|m| {
            matches!(
                host_paths::normalize(&m.path.value).as_str(),
                "/run/systemd/private" | "/var/run/systemd/private"
            )
        }) {
            return;
        }
        for m in unpropagated_publish_mounts(pod, cx.profile) {
            let c = m.container;
            let path = &m.path.value;
            let at = m.mount.mount_propagation.as_ref().map_or_else(
                || m.mount.name.as_ref().map_or(m.mount.span, |n| n.whole()),
                |p| p.whole(),
            );
            let privileged = if c.privileged() {
                ""
            } else {
                " and `privileged: true` on the container (the API allows Bidirectional \
                 propagation only in a privileged container)"
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} publishes volumes through host path `{path}` without \
                         `mountPropagation: Bidirectional`: what it mounts there stays in its \
                         own mount namespace, so the kubelet and the pods see empty folders",
                        c.describe()
                    ),
                )
                .label("mounts made here do not reach the node")
                .help(format!(
                    "set `mountPropagation: Bidirectional` on this mount{privileged}; if the \
                     driver only writes files into the target folders and never mounts, record \
                     that with `# daemonlint: ignore DS312 -- writes files, does not mount`"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn csi(mount: &str, security: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n      containers:\n      - name: driver\n        image: example.com/csi-driver:1.0.0\n{security}        volumeMounts:\n        - {{name: reg, mountPath: /registration}}\n        - {{name: pods, mountPath: /var/lib/kubelet/pods{mount}}}\n      volumes:\n      - {{name: reg, hostPath: {{path: /var/lib/kubelet/plugins_registry}}}}\n      - {{name: pods, hostPath: {{path: /var/lib/kubelet/pods}}}}\n"
        )
    }

    #[test]
    fn reports_the_mount_or_its_propagation() {
        assert_eq!(positions(&csi("", ""), "DS312"), ["14:12"]);
        assert_eq!(
            positions(&csi(", mountPropagation: HostToContainer", ""), "DS312"),
            ["14:58"]
        );
    }

    #[test]
    fn silent_when_propagated_or_on_windows() {
        let privileged = "        securityContext: {privileged: true}\n";
        assert!(
            positions(
                &csi(", mountPropagation: Bidirectional", privileged),
                "DS312"
            )
            .is_empty()
        );
        let windows = csi("", "").replace(
            "    spec:\n",
            "    spec:\n      nodeSelector: {kubernetes.io/os: windows}\n",
        );
        assert!(positions(&windows, "DS312").is_empty());
    }
}
