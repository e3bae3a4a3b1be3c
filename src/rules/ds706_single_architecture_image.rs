use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, split_registry};

pub static META: RuleMeta = RuleMeta {
    code: "DS706",
    name: "single-architecture-image",
    severity: Severity::Warning,
    summary: "An image built for one CPU architecture (`-amd64`, `:ppc64le`) in a DaemonSet \
              that nodes of other architectures also run: there it fails with `exec format error`",
    doc: include_str!("../../rules/DS706.md"),
};

pub struct SingleArchitectureImage;

/// Words in image references that name one architecture, and the `kubernetes.io/arch` value
/// of its nodes.
const ARCHITECTURES: &[(&str, &str)] = &[
    ("amd64", "amd64"),
    ("x86_64", "amd64"),
    ("arm64", "arm64"),
    ("arm64v8", "arm64"),
    ("aarch64", "arm64"),
    ("ppc64le", "ppc64le"),
    ("s390x", "s390x"),
    ("armhf", "arm"),
    ("armv7", "arm"),
    ("arm32v7", "arm"),
];

const ARCH_LABELS: [&str; 2] = ["kubernetes.io/arch", "beta.kubernetes.io/arch"];

impl Rule for SingleArchitectureImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // Windows nodes are amd64 in practice; a selected pool is provisioned alike.
        if pod.windows_only() || pod.only_on_nodes(|r| r.selects_pool()) {
            return;
        }
        let mut reported: Vec<&str> = Vec::new();
        for c in pod.all_containers() {
            let Some(image) = &c.image else { continue };
            let Some((word, arch)) = architecture(&image.value) else {
                continue;
            };
            let kept = pod.only_on_nodes(|r| {
                ARCH_LABELS.contains(&r.key)
                    && r.operator == "In"
                    && !r.values.is_empty()
                    && r.values.iter().all(|v| *v == arch)
            });
            if kept || reported.contains(&image.value.as_str()) {
                continue;
            }
            reported.push(&image.value);
            let named = if word == arch {
                String::new()
            } else {
                format!(" (`{word}`)")
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    image.span,
                    format!(
                        "{} runs `{}`, built for {arch}{named}, but nothing keeps the pod to \
                         `kubernetes.io/arch: {arch}` nodes: on nodes of another architecture \
                         it fails with `exec format error` and restarts in a loop",
                        c.describe(),
                        image.value
                    ),
                )
                .label(format!("{arch} only"))
                .help(format!(
                    "add `nodeSelector: {{kubernetes.io/arch: {arch}}}` to the pod template, or \
                     use the project's multi-architecture image (the same tag without `{word}`, \
                     where it publishes one)"
                )),
            );
        }
    }
}

/// The architecture an image reference names as a word of its path or tag.
fn architecture(image: &str) -> Option<(&'static str, &'static str)> {
    let image = image.trim().to_ascii_lowercase();
    let name = image.split('@').next().unwrap_or(&image);
    // Not the registry host: `arm64.example.com` names a server.
    let (_, name) = split_registry(name);
    let boundary = |c: Option<char>| c.is_none_or(|c| matches!(c, '-' | '_' | '.' | ':' | '/'));
    ARCHITECTURES.iter().copied().find(|(word, _)| {
        name.match_indices(word).any(|(at, _)| {
            boundary(name[..at].chars().next_back())
                && boundary(name[at + word.len()..].chars().next())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::architecture;

    #[test]
    fn architecture_words() {
        let arch = |i| architecture(i).map(|(_, a)| a);
        assert_eq!(
            arch("ghcr.io/arianvp/cgroup-exporter:0.3.3-amd64"),
            Some("amd64")
        );
        assert_eq!(arch("mellanox/ipoib-cni:ppc64le"), Some("ppc64le"));
        assert_eq!(arch("example.com/driver:550-fc39.x86_64"), Some("amd64"));
        assert_eq!(
            arch("gcr.io/google_containers/kubedns-amd64:1.7"),
            Some("amd64")
        );
        assert_eq!(arch("arm64.example.com/agent:1"), None);
        assert_eq!(arch("example.com/swarm64:1"), None);
        assert_eq!(arch("quay.io/cilium/cilium:v1.16.3"), None);
    }
}
