//! Whether the kubelet can parse an image reference. It reads `spec.containers[].image` with
//! `reference.ParseNormalizedNamed` (github.com/distribution/reference) before it pulls; the
//! API server checks only that the field is set, so a reference it cannot parse is accepted
//! and the container waits in `InvalidImageName` for ever.

/// Why the kubelet cannot use `image`, or `None` when it can.
pub fn problem(image: &str) -> Option<String> {
    let image = image.trim();
    if image.is_empty() {
        return None;
    }
    let (named, digest) = match image.split_once('@') {
        Some((named, digest)) => (named, Some(digest)),
        None => (image, None),
    };
    let (name, tag) = match named.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (named, None),
    };
    if let Some(host) = capitalised_host(name) {
        return Some(format!(
            "its first path component `{host}` has capitals, so the kubelet reads it as a \
             registry host and pulls from a server named `{host}`, which does not exist"
        ));
    }
    let (host, path) = super::split_registry(name);
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(format!(
            "the repository path `{path}` has capitals, and image references allow only lower \
             case there"
        ));
    }
    // The grammar also reads a first component that is no host as part of the path.
    if let Some(host) = host.filter(|h| !valid_host(h) && !valid_path_component(h)) {
        return Some(format!("`{host}` is not a valid registry host"));
    }
    if let Some(bad) = path.split('/').find(|c| !valid_path_component(c)) {
        return Some(if bad.is_empty() {
            format!("the repository path `{path}` has an empty component")
        } else {
            format!(
                "the repository path component `{bad}` is not valid: components are lower-case \
                 letters and digits, joined by one `.`, one or two `_`, or dashes"
            )
        });
    }
    if name.len() > 255 {
        return Some("the repository name is longer than 255 characters".to_owned());
    }
    if let Some(tag) = tag.filter(|t| !valid_tag(t)) {
        return Some(if tag.is_empty() {
            "the tag after `:` is empty".to_owned()
        } else {
            format!(
                "the tag `{tag}` is not valid: a tag is up to 128 letters, digits, `_`, `.` and \
                 `-`, and does not start with `.` or `-`"
            )
        });
    }
    digest.and_then(digest_problem)
}

/// With no `.`, `:` or `localhost` in it, the first of several components is a registry host
/// only if it has capitals (`splitDockerDomain`): `Azure/agent` pulls from a host `Azure`.
fn capitalised_host(name: &str) -> Option<&str> {
    let (first, _) = name.split_once('/')?;
    let is_host = first.contains(['.', ':']) || first == "localhost";
    (!is_host && first.chars().any(|c| c.is_ascii_uppercase())).then_some(first)
}

/// `domain-name [":" port]` or `"[" ipv6 "]" [":" port]`.
fn valid_host(host: &str) -> bool {
    let (address, port) = match host.rsplit_once(':') {
        Some((address, port)) if !address.is_empty() && !port.contains(']') => {
            (address, Some(port))
        }
        _ => (host, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    if let Some(inner) = address.strip_prefix('[').and_then(|a| a.strip_suffix(']')) {
        return !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
    }
    address.split('.').all(|label| {
        let bytes = label.as_bytes();
        !bytes.is_empty()
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-'
    })
}

/// `[a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*`.
fn valid_path_component(component: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut runs = Vec::new();
    let mut rest = component;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !alnum(c)).unwrap_or(rest.len());
        if end == 0 {
            return false;
        }
        runs.push(&rest[..end]);
        rest = &rest[end..];
        if rest.is_empty() {
            break;
        }
        let sep = rest.find(alnum).unwrap_or(rest.len());
        let separator = &rest[..sep];
        let allowed = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !allowed || sep == rest.len() {
            return false;
        }
        rest = &rest[sep..];
    }
    !runs.is_empty()
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn valid_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-')
}

/// A digest must name an algorithm the runtime knows, with its full lower-case hex
/// (go-digest's `Validate`).
fn digest_problem(digest: &str) -> Option<String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Some(format!("the digest `{digest}` has no `algorithm:` prefix"));
    };
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Some(format!(
                "the digest algorithm `{algorithm}` is not supported"
            ));
        }
    };
    let lower_hex = hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (hex.len() != length || !lower_hex)
        .then(|| format!("the {algorithm} digest must be {length} lower-case hex digits"))
}

/// Docker Hub's official images: a bare name (`alpine`, `busybox:latest`) is pulled from
/// `docker.io/library/`, where only these exist.
pub const OFFICIAL_IMAGES: &[&str] = &[
    "almalinux",
    "alpine",
    "amazoncorretto",
    "amazonlinux",
    "arangodb",
    "archlinux",
    "bash",
    "bonita",
    "buildpack-deps",
    "busybox",
    "caddy",
    "cassandra",
    "centos",
    "chronograf",
    "clearlinux",
    "clojure",
    "composer",
    "consul",
    "couchbase",
    "couchdb",
    "crate",
    "dart",
    "debian",
    "docker",
    "drupal",
    "eclipse-mosquitto",
    "eclipse-temurin",
    "elasticsearch",
    "elixir",
    "emqx",
    "erlang",
    "fedora",
    "flink",
    "fluentd",
    "gcc",
    "ghost",
    "golang",
    "gradle",
    "groovy",
    "haproxy",
    "haskell",
    "hello-world",
    "httpd",
    "ibmjava",
    "influxdb",
    "jetty",
    "jruby",
    "julia",
    "kapacitor",
    "kibana",
    "kong",
    "liquibase",
    "logstash",
    "mageia",
    "mariadb",
    "maven",
    "memcached",
    "mongo",
    "mono",
    "mysql",
    "nats",
    "neo4j",
    "neurodebian",
    "nextcloud",
    "nginx",
    "node",
    "notary",
    "odoo",
    "open-liberty",
    "openjdk",
    "oraclelinux",
    "perl",
    "percona",
    "photon",
    "php",
    "postgres",
    "pypy",
    "python",
    "rabbitmq",
    "redis",
    "registry",
    "rethinkdb",
    "rockylinux",
    "ruby",
    "rust",
    "sapmachine",
    "solr",
    "sonarqube",
    "spark",
    "storm",
    "swift",
    "telegraf",
    "tomcat",
    "tomee",
    "traefik",
    "ubuntu",
    "unit",
    "varnish",
    "vault",
    "wordpress",
    "zookeeper",
];

/// Whether a tag word is a capitalised name of what goes there (`VERSION`, `FLANNEL_VERSION`,
/// `IMAGE_TAG`), which a project's docs or build replace with `sed`: no registry publishes
/// such a tag.
pub fn placeholder_word(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_uppercase())
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && ["VERSION", "TAG", "RELEASE"]
            .iter()
            .any(|w| word.contains(w))
}

/// Whether the image is a bare name (no registry or organisation) that is none of Docker Hub's
/// official images: the kubelet pulls it from `docker.io/library/`, where no such repository
/// exists. A build step may replace it (kubebuilder's `controller:latest`, kustomize's
/// `images:`), or it was built and loaded onto the nodes by hand.
pub fn bare_unofficial(image: &str) -> bool {
    let untagged = super::untagged(image.trim());
    !untagged.contains('/') && !OFFICIAL_IMAGES.contains(&super::image_name(untagged))
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn references_the_kubelet_parses() {
        for image in [
            "nginx",
            "nginx:1.27",
            "library/nginx:latest",
            "ghcr.io/azure/aks-auditd:main",
            "localhost:5000/agent:v1.0-RC1",
            "[::1]:5000/agent",
            "registry.example.com/team/sub_dir/agent__x--y.z:1",
            "Registry.Example.com/agent",
            "quay.io/cilium/cilium:v1.16.3@sha256:62d2a09bbef840a46099ac4c69421c90f84f28d018d479749049011329aa7f28",
        ] {
            assert_eq!(problem(image), None, "{image}");
        }
    }

    #[test]
    fn references_the_kubelet_rejects() {
        for (image, reason) in [
            ("ghcr.io/Azure/aks-auditd:main", "capitals"),
            ("Azure/aks-auditd:main", "registry host"),
            ("nginx:", "tag after"),
            ("nginx:-x", "tag `-x`"),
            ("example.com//agent", "empty component"),
            ("example.com/agent-/x", "component `agent-`"),
            ("example.com/a..b", "component `a..b`"),
            ("localhost:50x0/agent", "registry host"),
            ("nginx@sha256:abc", "64 lower-case"),
            (
                "nginx@md5:0123456789abcdef0123456789abcdef",
                "not supported",
            ),
        ] {
            let found = problem(image).unwrap_or_default();
            assert!(found.contains(reason), "{image}: {found}");
        }
    }
}
