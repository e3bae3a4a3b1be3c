use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, image_reference};

pub static META: RuleMeta = RuleMeta {
    code: "DS011",
    name: "invalid-image-reference",
    severity: Severity::Error,
    summary: "An image reference the kubelet cannot parse or pull, such as a repository path \
              with capitals: the API server accepts it, and the container never starts",
    doc: include_str!("../../rules/DS011.md"),
};

pub struct InvalidImageReference;

impl Rule for InvalidImageReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in pod.all_containers() {
            let Some(image) = &c.image else { continue };
            // `ko://<import path>` is ko's build placeholder: `ko apply` and `ko resolve` build
            // the Go program and write the pushed reference in its place (Knative's and
            // Tekton's manifests), so the kubelet never sees it.
            if image.value.trim().starts_with("ko://") {
                continue;
            }
            let Some(problem) = image_reference::problem(&image.value) else {
                continue;
            };
            let lower = image.value.trim().to_ascii_lowercase();
            let help = if image_reference::problem(&lower).is_none() {
                format!(
                    "write it in lower case, `{lower}`: registries keep repository names in lower \
                     case (GHCR lowers organisation names too)"
                )
            } else {
                "write the reference as `[registry/]path[:tag][@sha256:digest]`, with a lower-case \
                 path"
                    .to_owned()
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    image.span,
                    format!(
                        "{} has image `{}`, which the kubelet cannot use ({problem}): the API \
                         server accepts it, but the container never starts",
                        c.describe(),
                        image.value
                    ),
                )
                .label("not a usable image reference")
                .help(help),
            );
        }
    }
}
