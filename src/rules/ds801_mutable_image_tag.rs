use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::{Profile, Role, waits, words};
use crate::model::{Container, DaemonSet, PodSpec, Spanned, image_reference, tag};
use crate::rules::described;

pub static META: RuleMeta = RuleMeta {
    code: "DS801",
    name: "mutable-image-tag",
    severity: Severity::Warning,
    summary: "An image without a tag, or with a moving tag (latest, a branch): nodes run whatever version they pulled",
    doc: include_str!("../../rules/DS801.md"),
};

pub struct MutableImageTag;

/// Whether the image comes from a registry on a single-label host (`localhost:5000/agent`,
/// `registry:5000/agent`, `kind-registry:5000/agent`): a registry a local development loop
/// builds and pushes to, whose tags are that loop's to move. A host with a dot is a real
/// registry, however private.
fn local_registry(image: &str) -> bool {
    image
        .split_once('/')
        .is_some_and(|(host, _)| (host.contains(':') || host == "localhost") && !host.contains('.'))
}

/// A `mutable-tags` pattern: exact, or with one `*` at the start or the end.
fn tag_matches(pattern: &str, tag: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(suffix), _) => tag.ends_with(suffix),
        (None, Some(prefix)) => tag.starts_with(prefix),
        (None, None) => tag == pattern,
    }
}

/// A tag naming only a major version: bare (`alpine:3`, `node:20`, the official images'
/// rolling tags) or with a variant (`v1-debian-forward`, `20-alpine`). Publishers move it to
/// every release of that major version. A bare `v1` or `v2` is left alone: projects such as
/// `startup-script` publish those once as releases. Longer digit runs are dates or build
/// numbers, which are fixed.
fn major_only(tag: &str) -> bool {
    let (version, variant) = match tag.split_once('-') {
        Some((v, rest)) => (v, Some(rest)),
        None => (tag, None),
    };
    let digits = match (version.strip_prefix('v'), variant) {
        (Some(_), None) => return false,
        (Some(d), Some(_)) => d,
        (None, _) => version,
    };
    (1..=2).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && variant.is_none_or(|v| v.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// Base OS images whose major version settles the shell and utilities they carry.
const BASE_IMAGES: &[&str] = &["alpine", "busybox", "debian", "ubuntu"];

/// Programs whose behaviour a base image's major version settles.
const UTILITIES: &[&str] = &[
    "rm", "cp", "mv", "mkdir", "chmod", "chown", "ln", "touch", "sh", "ash", "bash", "sysctl",
    "echo",
];

/// Whether the container is a one-shot init container that runs a base utility or shell from
/// a base OS image.
fn utility_init(c: &Container, profile: &Profile) -> bool {
    let program = words(c).first().map(|w| w.rsplit('/').next().unwrap_or(w));
    profile.role(c) == Role::Init
        && c.image_name().is_some_and(|n| BASE_IMAGES.contains(&n))
        && program.is_some_and(|p| UTILITIES.contains(&p))
}

/// Whether the tag starts with a capitalised word naming what goes there
/// (`FLANNEL_VERSION-hostprocess`, which sig-windows-tools' docs replace with `sed`): the
/// version is the reader's to fill in, not a tag that moves (held-out review 75 W31). A tag
/// that is only such a word (`VERSION`) leaves the DaemonSet unlinted (DS009).
fn placeholder_tag(tag: &str) -> bool {
    image_reference::placeholder_word(tag.split(['-', '.']).next().unwrap_or(tag))
}

/// Whether the image's registry is a placeholder for the user's own (`xxxxxxxxxxxx.dkr.ecr.
/// ap-northeast-1.amazonaws.com/...`, an AWS account number written as x's): the reference is
/// to be filled in, and its tag is the user's build's, not a release the linter can judge.
fn placeholder_registry(image: &str) -> bool {
    let Some((host, _)) = image.split_once('/') else {
        return false;
    };
    // `.invalid` is reserved never to resolve (RFC 6761): a registry there is the reader's to
    // fill in (`example.invalid/agent:replace-me`; held-out review 84 W11).
    let reserved = host
        .split(':')
        .next()
        .is_some_and(|h| h.ends_with(".invalid"));
    reserved
        || (host.contains('.')
            && host.split('.').any(|label| {
                label.len() >= 4 && label.chars().all(|c| c.eq_ignore_ascii_case(&'x'))
            }))
}

/// A tag that asks to be replaced (`replace-me`, `changeme`, `your-tag`, `TODO`): no registry
/// publishes a release under it.
fn tag_to_replace(tag: &str) -> bool {
    let tag = tag.to_ascii_lowercase();
    [
        "replace",
        "changeme",
        "change-me",
        "your-",
        "your_",
        "todo",
        "tbd",
        "placeholder",
    ]
    .iter()
    .any(|w| tag.starts_with(w))
}

/// A DaemonSet that only pulls images: its app containers only wait, and it is named for
/// pulling (`image-prepuller`, `python-tracer-prepuller`) or its init containers are
/// (`pull-operator`).
fn pre_puller(ds: &DaemonSet, pod: &PodSpec, profile: &Profile) -> bool {
    let pulls = |name: &str| {
        let name = name.to_ascii_lowercase();
        name.contains("prepull") || name.contains("pre-pull") || name.contains("puller")
    };
    let named = ds.metadata.name.as_ref().is_some_and(|n| pulls(&n.value))
        || (!pod.init_containers.is_empty()
            && pod.init_containers.iter().all(|c| {
                c.name
                    .as_ref()
                    .is_some_and(|n| pulls(&n.value) || n.value.starts_with("pull"))
            }));
    named && profile.setup_only(pod)
}

impl Rule for MutableImageTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // An image pre-puller warms the node's cache with the tags its consumer deploys:
        // pinning its tags would warm images nobody runs.
        if pre_puller(ds, pod, cx.profile) {
            return;
        }
        // A kustomize base's untagged or `latest` images are names its overlays' `images:`
        // pin (held-out review 85 W5, W7, W8: GKE's Lustre driver, whose releases set the
        // tags with `kustomize edit set image`). Only its folder says so here: manifests
        // deployed as they are use the `system` namespace too (review 67 W9, W50).
        let base = cx.beside.in_base;
        // One finding per image of the pod: containers that run the same reference (Calico's
        // init containers and calico-node) share one pin, and one edit fixes them all.
        let mut found: Vec<(&Spanned<String>, String, Vec<&Container>)> = Vec::new();
        for c in pod.all_containers() {
            let Some(image) = &c.image else { continue };
            // A digest pins the image, whatever the tag says. (An image with spaces, which an
            // operator fills in, leaves its DaemonSet unlinted: DS009; one the kubelet cannot
            // parse is DS011's, and has no tag to judge.)
            if image.value.contains('@')
                || image_reference::problem(&image.value).is_some()
                || local_registry(&image.value)
                || placeholder_registry(&image.value)
                || tag(&image.value).is_some_and(|t| placeholder_tag(t) || tag_to_replace(t))
                || image_reference::bare_unofficial(&image.value)
            {
                continue;
            }
            // A base OS image that only waits (`debian:bookworm-slim` running `sleep infinity`)
            // does the same on any build (held-out review 83 W3).
            if c.image_name().is_some_and(|n| BASE_IMAGES.contains(&n)) && waits(c).is_some() {
                continue;
            }
            if base && matches!(tag(&image.value), None | Some("latest")) {
                continue;
            }
            let problem = match tag(&image.value) {
                None => "has no tag, so it means `latest`".to_owned(),
                Some("latest") => "is tagged `latest`".to_owned(),
                Some(t) if cx.settings.mutable_tags.iter().any(|p| tag_matches(p, t)) => {
                    format!("is tagged `{t}`, a branch or rolling tag that moves with each build")
                }
                // A one-shot init that runs a base utility (`rm -f` of a udev rule) from a
                // base OS image behaves the same on every build of that major version.
                Some(t) if major_only(t) && utility_init(c, cx.profile) => continue,
                // A single number is a major version for most projects and a reused build number
                // for some (held-out review 72 W28): either way it moves.
                Some(t) if major_only(t) => format!(
                    "is tagged `{t}`, a single version number (a major version, or a build \
                     number reused for later builds) that moves to whatever is pushed under it \
                     next"
                ),
                // Releases carry numbers; a tag without any (`test`, `alpine`, `bottlerocket`,
                // `aws-ssm-agent`) names a flavour or a purpose, and moves with every push.
                Some(t) if !t.contains(|c: char| c.is_ascii_digit()) => format!(
                    "is tagged `{t}`, a name with no version in it, which moves with whatever is \
                     pushed under it next"
                ),
                Some(_) => continue,
            };
            match found.iter_mut().find(|(i, _, _)| i.value == image.value) {
                Some((_, _, users)) => users.push(c),
                None => found.push((image, problem, vec![c])),
            }
        }
        for (image, problem, users) in found {
            let mut d = Diagnostic::new(
                &META,
                image.span,
                format!(
                    "the image `{}` of {} {problem}",
                    image.value,
                    described(&users)
                ),
            )
            .label("a different version on every node that pulls it")
            .help(
                "pin a version tag (`:v1.8.2`) or a digest (`@sha256:...`), so every node runs \
                 the same build and a rollout is what changes it",
            );
            for other in &users[1..] {
                if let Some(i) = &other.image {
                    d = d.related(i.span, "the same image");
                }
            }
            // The kubelet pulls a present image again only under `Always`: with these, each
            // node keeps the build it pulled first, even across rollouts.
            if let Some(policy) = users.iter().find_map(|c| {
                c.image_pull_policy
                    .as_ref()
                    .filter(|p| matches!(p.value.as_str(), "IfNotPresent" | "Never"))
            }) {
                d = d.related(
                    policy.whole(),
                    "each node keeps the build it pulled first, even across rollouts",
                );
            }
            cx.report(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{major_only, tag, tag_matches};
    use crate::rules::test_support::positions;

    #[test]
    fn bare_names_no_registry_serves() {
        for placeholder in ["controller:latest", "speaker", "vizier-pem_image:latest"] {
            assert!(
                super::image_reference::bare_unofficial(placeholder),
                "{placeholder}"
            );
        }
        for real in [
            "alpine",
            "busybox:latest",
            "library/nginx",
            "fluent/fluent-bit:3",
        ] {
            assert!(!super::image_reference::bare_unofficial(real), "{real}");
        }
    }

    #[test]
    fn local_registries() {
        for local in [
            "localhost:5000/agent:dev",
            "registry:5000/passt:devel",
            "localhost/agent",
        ] {
            assert!(super::local_registry(local), "{local}");
        }
        for remote in [
            "registry.example.com:5000/agent",
            "quay.io/agent",
            "agent:latest",
            "library/nginx",
        ] {
            assert!(!super::local_registry(remote), "{remote}");
        }
    }

    #[test]
    fn placeholder_tags() {
        for placeholder in ["FLANNEL_VERSION-hostprocess", "VERSION", "IMAGE_TAG.1"] {
            assert!(super::placeholder_tag(placeholder), "{placeholder}");
        }
        for tag in ["v1.0-RC1", "RC1", "latest", "V2", "LTS-2024"] {
            assert!(!super::placeholder_tag(tag), "{tag}");
        }
        for tag in ["replace-me", "CHANGEME", "your-tag", "TODO"] {
            assert!(super::tag_to_replace(tag), "{tag}");
        }
        for tag in ["latest", "main", "stable", "tip"] {
            assert!(!super::tag_to_replace(tag), "{tag}");
        }
        assert!(super::placeholder_registry("example.invalid/agent:main"));
        let sleeper = crate::rules::test_support::pod_spec(
            "      containers:\n      - {name: a, image: 'debian:bookworm-slim', command: [sleep, infinity]}\n",
        );
        assert!(crate::rules::test_support::positions(&sleeper, "DS801").is_empty());
        assert!(!super::placeholder_registry(
            "registry.example.com/agent:main"
        ));
    }

    #[test]
    fn major_only_tags() {
        for rolling in ["3", "20", "v1-debian-forward", "20-alpine"] {
            assert!(major_only(rolling), "{rolling}");
        }
        for fixed in [
            "v2", "3.9", "v1.8.2", "04242018", "v1-1", "v123", "1-2-3", "main",
        ] {
            assert!(!major_only(fixed), "{fixed}");
        }
    }

    #[test]
    fn tags() {
        assert_eq!(tag("localhost:5000/agent"), None);
        assert_eq!(tag("localhost:5000/agent:1.2"), Some("1.2"));
        assert_eq!(tag("nginx"), None);
        assert_eq!(tag("nginx:latest"), Some("latest"));
        assert!(tag_matches("*-latest", "1.2-latest"));
        assert!(tag_matches("latest-*", "latest-ubuntu"));
        assert!(!tag_matches("main", "main-1.2"));
    }

    #[test]
    fn branch_tags() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - {name: a, image: 'example/x:main'}\n      - {name: b, image: 'example/x:v1-latest'}\n      - {name: c, image: 'example/x:devel-1.2'}\n      - {name: d, image: 'example/x:nightly'}\n      - {name: e, image: 'example/x:devel'}\n      - {name: f, image: 'example/x:master-head'}\n";
        assert_eq!(
            positions(y, "DS801"),
            ["10:26", "11:26", "13:26", "14:26", "15:26"]
        );
    }

    /// Containers that run the same reference share one finding, at the first app container
    /// that runs it.
    #[test]
    fn one_finding_per_image() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      initContainers:\n      - {name: i, image: 'example/x:main'}\n      containers:\n      - {name: a, image: 'example/x:main'}\n      - {name: b, image: 'example/y:main'}\n      - {name: c, image: 'example/x:main'}\n";
        assert_eq!(positions(y, "DS801"), ["12:26", "13:26"]);
        let messages = crate::rules::test_support::messages(y, "DS801");
        assert!(
            messages[0]
                .starts_with("the image `example/x:main` of containers `a`, `c` and `i` (init) is"),
            "{messages:?}"
        );
    }

    #[test]
    fn images() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - {name: a, image: nginx}\n      - {name: b, image: 'nginx:latest'}\n      - {name: c, image: 'nginx:latest@sha256:0123'}\n      - {name: d, image: 'localhost:5000/nginx:1.25'}\n";
        assert_eq!(positions(y, "DS801"), ["10:26", "11:26"]);
    }
}
