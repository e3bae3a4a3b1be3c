//! The API's name syntaxes (k8s.io/apimachinery/pkg/util/validation), shared by the rules that
//! check labels, annotations, toleration keys, resource names and port names. Each returns why
//! a value is invalid, in the API's terms, or `None` when the API accepts it.

/// `IsQualifiedName`: an optional DNS-subdomain prefix and `/`, then a name of at most 63
/// alphanumerics, `-`, `_` or `.`, starting and ending with an alphanumeric.
pub fn qualified_name_problem(value: &str) -> Option<String> {
    let (prefix, name) = match value.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, value),
    };
    if name.contains('/') {
        return Some("a qualified name has at most one `/`".to_owned());
    }
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Some("the prefix before `/` is empty".to_owned());
        }
        if !is_dns_subdomain(prefix) {
            return Some(format!(
                "the prefix `{prefix}` is not a DNS subdomain (lowercase letters, digits, `-` and `.`, at most 253 characters)"
            ));
        }
    }
    if name.is_empty() {
        return Some("the name part is empty".to_owned());
    }
    if name.len() > 63 {
        return Some(format!(
            "the name part has {} characters, more than 63",
            name.len()
        ));
    }
    if !is_label_token(name) {
        return Some(format!(
            "the name part `{name}` may only hold letters, digits, `-`, `_` and `.`, and must start and end with a letter or digit"
        ));
    }
    None
}

/// `IsValidLabelValue`: empty, or at most 63 characters shaped like a qualified name's name.
pub fn label_value_problem(value: &str) -> Option<String> {
    if value.len() > 63 {
        return Some(format!(
            "a label value has at most 63 characters, this one {}",
            value.len()
        ));
    }
    if !value.is_empty() && !is_label_token(value) {
        return Some(
            "a label value may only hold letters, digits, `-`, `_` and `.`, and must start and end with a letter or digit"
                .to_owned(),
        );
    }
    None
}

/// `IsValidPortName` (IANA_SVC_NAME): 1-15 lowercase letters, digits and `-`, with at least
/// one letter, and no `-` at either end or twice in a row.
pub fn port_name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > 15 {
        return Some(format!(
            "a port name has 1 to 15 characters, `{name}` has {}",
            name.len()
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some(format!(
            "a port name may only hold lowercase letters, digits and `-`, unlike `{name}`"
        ));
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        return Some(format!(
            "a port name must contain a letter, and `{name}` has none"
        ));
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Some(format!(
            "a port name may not start or end with `-` or hold `--`, unlike `{name}`"
        ));
    }
    None
}

fn is_label_token(s: &str) -> bool {
    let bytes = s.as_bytes();
    let edge = |b: u8| b.is_ascii_alphanumeric();
    !bytes.is_empty()
        && edge(bytes[0])
        && edge(bytes[bytes.len() - 1])
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `IsDNS1123Label`, what a namespace's name must be: at most 63 lowercase letters, digits and
/// `-`, starting and ending with a letter or digit.
pub fn dns_label_problem(value: &str) -> Option<String> {
    if value.len() > 63 {
        return Some(format!("it has {} characters, more than 63", value.len()));
    }
    if value.contains('.') || !is_dns_subdomain(value) {
        return Some(
            "it may only hold lowercase letters, digits and `-`, and must start and end with a \
             letter or digit"
                .to_owned(),
        );
    }
    None
}

/// `IsDNS1123Subdomain`, what a DaemonSet's name must be: at most 253 characters, dot-separated
/// parts of lowercase letters, digits and `-` that start and end with a letter or digit.
pub fn dns_subdomain_problem(value: &str) -> Option<String> {
    (!is_dns_subdomain(value)).then(|| {
        "it may only hold lowercase letters, digits, `-` and `.`, at most 253 characters, and \
         each dot-separated part must start and end with a letter or digit"
            .to_owned()
    })
}

/// `IsDNS1123Subdomain`: dot-separated DNS labels, at most 253 characters in all.
fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        for ok in ["kube-system", "a", "ns1"] {
            assert_eq!(dns_label_problem(ok), None, "{ok}");
        }
        for bad in [
            "< Replace with the namespace to use >",
            "Kube",
            "a.b",
            "-a",
            &"a".repeat(64),
        ] {
            assert!(dns_label_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(dns_subdomain_problem("node-exporter.v2"), None);
        assert!(dns_subdomain_problem("Node_Exporter").is_some());
    }

    #[test]
    fn qualified_names() {
        for ok in [
            "app",
            "app.kubernetes.io/name",
            "node-role.kubernetes.io/control-plane",
            "A_b.c",
            "nvidia.com/gpu",
        ] {
            assert_eq!(qualified_name_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "/a",
            "a/",
            "a/b/c",
            "-app",
            "app_",
            "Example.com/a",
            "has space",
            &"x".repeat(64),
        ] {
            assert!(qualified_name_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn label_values() {
        for ok in ["", "v1.2.3", "a_b-C"] {
            assert_eq!(label_value_problem(ok), None, "{ok}");
        }
        for bad in ["-a", "a-", "a b", "a/b", &"x".repeat(64)] {
            assert!(label_value_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn port_names() {
        for ok in ["http", "http-metrics", "h2c", "a1", "fifteen-chars-x"] {
            assert_eq!(port_name_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "8080",
            "HTTP",
            "-http",
            "http-",
            "http--x",
            "http_metrics",
            "sixteen-chars-xx",
        ] {
            assert!(port_name_problem(bad).is_some(), "{bad}");
        }
    }
}
