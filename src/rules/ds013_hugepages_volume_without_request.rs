use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, Resources};

pub static META: RuleMeta = RuleMeta {
    code: "DS013",
    name: "hugepages-volume-without-request",
    severity: Severity::Error,
    summary: "An `emptyDir` with `medium: HugePages` in a pod that requests no huge pages: the \
              kubelet refuses to mount it, so the pod never starts",
    doc: include_str!("../../rules/DS013.md"),
};

pub struct HugepagesVolumeWithoutRequest;

impl Rule for HugepagesVolumeWithoutRequest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let requested: Vec<String> = pod
            .all_containers()
            .filter_map(|c| c.resources.as_ref())
            .chain(pod.resources.as_ref())
            .flat_map(Resources::huge_page_sizes)
            .collect();
        for v in &pod.volumes {
            let Some(medium) = &v.empty_dir_medium else {
                continue;
            };
            // `HugePages` takes the size the containers request; `HugePages-2Mi` that size.
            let wanted = match medium.value.split_once('-') {
                None if medium.value == "HugePages" => None,
                Some(("HugePages", size)) => Some(size.to_ascii_lowercase()),
                _ => continue,
            };
            let served = match &wanted {
                None => !requested.is_empty(),
                Some(size) => requested.contains(size),
            };
            if served {
                continue;
            }
            let what = wanted.as_ref().map_or_else(
                || "huge pages (`hugepages-2Mi` or `hugepages-1Gi`)".to_owned(),
                |size| format!("`hugepages-{size}`"),
            );
            cx.report(
                Diagnostic::new(
                    &META,
                    medium.whole(),
                    format!(
                        "the `emptyDir` volume{} has `medium: {}`, but no container requests \
                         {what}: the kubelet refuses to mount it (\"hugePages storage requested, \
                         but there is no resource request for huge pages\"), so the pod stays in \
                         ContainerCreating on every node",
                        v.name
                            .as_ref()
                            .map_or(String::new(), |n| format!(" `{}`", n.value)),
                        medium.value
                    ),
                )
                .label("no huge pages requested")
                .help(
                    "request the huge pages the volume serves in the container that uses it, in \
                     `resources.limits` (huge pages are not overcommitted: the request defaults \
                     to the limit), e.g. `limits: {hugepages-2Mi: 512Mi, memory: 512Mi}`; the \
                     nodes must have huge pages of that size allocated",
                ),
            );
        }
    }
}
