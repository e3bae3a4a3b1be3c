use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{Container, DaemonSet, PodSpec, PortRef, Spanned};
use crate::prose::listed;
use crate::rules::k8s_names::port_name_problem;

pub static META: RuleMeta = RuleMeta {
    code: "DS008",
    name: "dangling-reference",
    severity: Severity::Error,
    summary: "A volumeMount or probe port names nothing, or two containers or volumes share a name",
    doc: include_str!("../../rules/DS008.md"),
};

pub struct DanglingReference;

impl Rule for DanglingReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        duplicates(
            cx,
            pod.all_containers().filter_map(|c| c.name.as_ref()),
            "container",
            "pod",
        );
        duplicates(
            cx,
            pod.volumes.iter().filter_map(|v| v.name.as_ref()),
            "volume",
            "pod",
        );
        for c in pod.all_containers() {
            for m in &c.volume_mounts {
                let Some(name) = &m.name else { continue };
                if pod
                    .volumes
                    .iter()
                    .any(|v| v.name.as_ref().is_some_and(|n| n.value == name.value))
                {
                    continue;
                }
                cx.report(
                    Diagnostic::new(
                        &META,
                        name.span,
                        format!(
                            "{} mounts volume `{}`, which the pod does not define",
                            c.describe(),
                            name.value
                        ),
                    )
                    .label("no such volume")
                    .help(format!(
                        "add a volume named `{}` under `spec.template.spec.volumes`, or fix the name",
                        name.value
                    )),
                );
            }
            unprojected_files(cx, pod, c);
            probe_ports(cx, c);
            // `validateContainerPorts` keeps port names unique within one container only.
            duplicates(
                cx,
                c.ports
                    .iter()
                    .filter_map(|p| p.name.as_ref())
                    .filter(|n| port_name_problem(&n.value).is_none()),
                "port",
                "container",
            );
        }
    }
}

/// A file the container's command or args name under a `configMap` or `secret` volume whose
/// `items` do not project it: with `items`, the volume holds only the listed paths, so the
/// agent finds no such file when it starts (node-problem-detector told to load a monitor
/// config its ConfigMap volume leaves out).
fn unprojected_files(cx: &mut Context, pod: &PodSpec, c: &Container) {
    for arg in c.command.iter().chain(&c.args) {
        // `--config.system-log-monitor=/config/a.json,/config/b.json` names two files.
        let words = arg
            .text
            .split(|ch: char| ch.is_whitespace() || ch == ',' || ch == '=')
            .map(|w| w.trim_matches(|ch| matches!(ch, '"' | '\'' | ';')));
        for word in words {
            if word.contains(['$', '*']) {
                continue;
            }
            // The file lives in the deepest mount whose path holds it: a volume mounted
            // inside the config folder serves its own files.
            let under = |m: &&crate::model::VolumeMount| {
                m.mount_path.as_ref().is_some_and(|p| {
                    let p = p.value.trim_end_matches('/');
                    word.strip_prefix(p)
                        .is_some_and(|rest| rest.starts_with('/'))
                })
            };
            let deepest = c
                .volume_mounts
                .iter()
                .filter(under)
                .max_by_key(|m| m.mount_path.as_ref().map_or(0, |p| p.value.len()));
            let unprojected = deepest.and_then(|m| {
                if m.sub_path.is_some() {
                    return None;
                }
                let name = m.name.as_ref()?;
                let items = pod.volume_of(m)?.items.as_ref()?;
                let at = m.mount_path.as_ref()?.value.trim_end_matches('/');
                let file = word.strip_prefix(at)?.strip_prefix('/')?;
                let projected = items.paths.iter().any(|p| {
                    let p = p.trim_start_matches("./");
                    p == file || p.starts_with(&format!("{file}/"))
                });
                (!file.is_empty() && !projected).then_some((name, items))
            });
            let Some((volume, items)) = unprojected else {
                continue;
            };
            let listed_paths: Vec<String> = items.paths.iter().map(|p| format!("`{p}`")).collect();
            let listed_paths: Vec<&str> = listed_paths.iter().map(String::as_str).collect();
            cx.report(
                Diagnostic::new(
                    &META,
                    arg.span,
                    format!(
                        "{} reads `{word}`, but volume `{}` projects only {} (its `items`), so \
                         the file does not exist in the container",
                        c.describe(),
                        volume.value,
                        if listed_paths.is_empty() {
                            "nothing".to_owned()
                        } else {
                            listed(&listed_paths)
                        }
                    ),
                )
                .severity(Severity::Warning)
                .label("not projected into the volume")
                .related(items.span, "only these paths are projected")
                .help(
                    "add the file's key to the volume's `items` (or drop `items` to project every \
                     key), or point the argument at a file the volume holds",
                ),
            );
        }
    }
}

fn probe_ports(cx: &mut Context, c: &Container) {
    // The kubelet cannot resolve the name, so every run of the probe errors, and the prober
    // throws errored results away (`doProbe`): each probe keeps its initial result forever.
    let probes = [
        (
            &c.liveness_probe,
            "liveness",
            "it never fails, so a hung agent is never restarted",
        ),
        (
            &c.readiness_probe,
            "readiness",
            "the container never becomes Ready, so a rollout stalls on the first node",
        ),
        (
            &c.startup_probe,
            "startup",
            "the container is never marked started, so it never becomes Ready and its other \
             probes never run",
        ),
    ];
    for (probe, kind, effect) in probes {
        let Some(probe) = probe else { continue };
        let Some(port) = &probe.port else { continue };
        let PortRef::Name(name) = &port.value else {
            continue;
        };
        // A name the API rejects outright is DS004's finding.
        if port_name_problem(name).is_some() {
            continue;
        }
        if c.ports
            .iter()
            .any(|p| p.name.as_ref().is_some_and(|n| &n.value == name))
        {
            continue;
        }
        let declared: Vec<&str> = c
            .ports
            .iter()
            .filter_map(|p| p.name.as_ref().map(|n| n.value.as_str()))
            .collect();
        let help = if declared.is_empty() {
            format!(
                "declare a port named `{name}` in the container's `ports`, or use the port number"
            )
        } else {
            format!("the container's named ports are: {}", declared.join(", "))
        };
        cx.report(
            Diagnostic::new(
                &META,
                port.span,
                format!(
                    "the {kind} probe of {} uses port `{name}`, which the container does not \
                     declare: the API server accepts it, but the kubelet cannot resolve the name \
                     and discards every result: {effect}",
                    c.describe()
                ),
            )
            // Not an API rejection, unlike the rest of DS0xx: a warning, as sure to break.
            .severity(Severity::Warning)
            .label("no such named port")
            .help(help),
        );
    }
}

/// Reports every name given twice; `scope` is where the API wants names unique.
fn duplicates<'a>(
    cx: &mut Context,
    names: impl Iterator<Item = &'a Spanned<String>>,
    what: &str,
    scope: &str,
) {
    let mut seen: HashMap<&str, &Spanned<String>> = HashMap::new();
    for name in names {
        if let Some(first) = seen.get(name.value.as_str()) {
            cx.report(
                Diagnostic::new(
                    &META,
                    name.span,
                    format!(
                        "the API server rejects two {what}s named `{}` in one {scope}",
                        name.value
                    ),
                )
                .label("duplicate name")
                .related(first.span, "first defined here")
                .help(format!("{what} names must be unique within the {scope}")),
            );
        } else {
            seen.insert(&name.value, name);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn references() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      volumes: [{name: logs}, {name: logs}]\n      containers:\n      - name: c\n        image: i:1\n        ports: [{name: http, containerPort: 80}]\n        livenessProbe: {httpGet: {port: metrics}}\n        readinessProbe: {httpGet: {port: http}}\n        volumeMounts: [{name: logs, mountPath: /l}, {name: varlog, mountPath: /v}]\n      - name: c\n        image: i:1\n";
        assert_eq!(positions(y, "DS008"), ["9:38", "14:41", "16:60", "17:15"]);
    }

    /// A file under a volume with `items` must be one of them, unless another volume is
    /// mounted deeper, where the file lives instead.
    #[test]
    fn files_outside_a_volumes_items() {
        let y = |args: &str| {
            crate::rules::test_support::pod_spec(&format!(
                "      containers:\n      - name: c\n        image: i:1\n        args: [{args}]\n        volumeMounts: [{{name: conf, mountPath: /conf}}, {{name: extra, mountPath: /conf/extra}}]\n      volumes:\n      - {{name: conf, configMap: {{name: c, items: [{{key: a, path: a.json}}]}}}}\n      - {{name: extra, emptyDir: {{}}}}\n"
            ))
        };
        assert_eq!(
            positions(&y("--a=/conf/a.json,/conf/b.json"), "DS008"),
            ["12:33"]
        );
        assert!(positions(&y("--a=/conf/a.json"), "DS008").is_empty());
        assert!(positions(&y("--x=/conf/extra/x.json"), "DS008").is_empty());
        assert!(positions(&y("'--x=$(DIR)/b.json'"), "DS008").is_empty());
    }

    #[test]
    fn port_names_are_unique_per_container() {
        let y = crate::rules::test_support::pod_spec(
            "      containers:\n      - {name: a, image: i:1, ports: [{name: m, containerPort: 1}, {name: m, containerPort: 2}]}\n      - {name: b, image: i:1, ports: [{name: m, containerPort: 3}]}\n",
        );
        assert_eq!(positions(&y, "DS008"), ["10:75"]);
    }
}
