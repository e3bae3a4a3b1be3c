use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;

pub static META: RuleMeta = RuleMeta {
    code: "DS310",
    name: "secret-in-env",
    severity: Severity::Warning,
    summary: "A credential is written into an env var's `value`: whoever can read the \
              DaemonSet or its pods reads it",
    doc: include_str!("../../rules/DS310.md"),
};

pub struct SecretInEnv;

/// Words that name a credential on their own: `ELASTICSEARCH_PASSWORD`, `LOGGLY_TOKEN`,
/// `CLIENT_SECRET`, and the fused spellings (`APIKEY`, `authToken`).
const CREDENTIALS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "APIKEY",
    "APPKEY",
    "ACCESSKEY",
    "SECRETKEY",
    "PRIVATEKEY",
    "ACCOUNTKEY",
    "LICENSEKEY",
    "AUTHTOKEN",
    "ACCESSTOKEN",
    "CONNECTIONSTRING",
    "CONNSTR",
];

/// What makes `KEY` a credential: `API_KEY`, `AZUREBLOB_ACCOUNT_KEY`, `CLIENT_KEY`. A bare
/// `KEY` is as often a label key, a cache key or a taint key.
const KEY_KINDS: &[&str] = &[
    "API",
    "APP",
    "ACCESS",
    "SECRET",
    "PRIVATE",
    "ACCOUNT",
    "LICENSE",
    "ENCRYPTION",
    "SHARED",
    "MASTER",
    "SIGNING",
    "AUTH",
    "SUBSCRIPTION",
    "STORAGE",
    "HMAC",
    "INGEST",
    "INGESTION",
    "WRITE",
    "CLIENT",
    "TLS",
    "SSL",
];

/// Words after the credential that still name the credential itself (`SECRET_KEY_BASE`,
/// `CLIENT_KEY_DATA`); any other word names something about it: `_FILE`, `_PATH`, `_NAME`,
/// `_USER`, `_URL`, `_ID`, `_REFRESH_INTERVAL`.
const SAME_VALUE: &[&str] = &[
    "VALUE", "BASE", "B64", "BASE64", "ENCODED", "HEX", "PEM", "DATA", "RAW",
];

/// A word before the credential that makes the variable a switch about it:
/// `ALLOW_EMPTY_PASSWORD`, `USE_TOKEN`, `SKIP_CREDENTIALS`.
const SWITCHES: &[&str] = &[
    "ENABLE", "ENABLED", "DISABLE", "DISABLED", "USE", "SKIP", "REQUIRE", "REQUIRED", "ALLOW", "NO",
];

/// Words before `SECRET` that make it the name of a Kubernetes Secret, not a secret:
/// `IMAGE_PULL_SECRET: regcred`, `TLS_SECRET: agent-tls`.
const SECRET_OBJECTS: &[&str] = &["PULL", "TLS", "K8S", "KUBE", "KUBERNETES"];

impl Rule for SecretInEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in pod.all_containers() {
            for e in &c.env {
                let value = e.value.value.as_str();
                if !names_credential(&e.name.value) || !may_be_secret(value) {
                    continue;
                }
                let readers = "anyone who can read the DaemonSet or its pods reads it (the \
                               built-in `view` role can, though it cannot read Secrets), \
                               `kubectl describe` prints it, and old values stay in the \
                               DaemonSet's ControllerRevisions";
                // The value is not quoted, even when it looks like a placeholder: a real
                // credential would end up in CI logs.
                let (message, label) = if is_placeholder(value) {
                    (
                        format!(
                            "env `{}` of {} has a placeholder where its credential goes: filled \
                             in, the credential is written into the DaemonSet, where {readers}",
                            e.name.value,
                            c.describe()
                        ),
                        "a placeholder for a credential",
                    )
                } else {
                    (
                        format!(
                            "env `{}` of {} is a credential written into the manifest: {readers}",
                            e.name.value,
                            c.describe()
                        ),
                        "a credential in plain text",
                    )
                };
                cx.report(
                    Diagnostic::new(&META, e.value.span, message)
                        .label(label)
                        .help(
                            "put the credential in a Secret and reference it with \
                             `valueFrom.secretKeyRef` (or load the Secret with \
                             `envFrom.secretRef`)",
                        ),
                );
            }
        }
    }
}

/// Whether an env var's name says it holds a credential: its last word (or pair of words)
/// names one, or only words that still mean the credential itself follow.
fn names_credential(name: &str) -> bool {
    let words = words(name);
    let Some(at) = words.iter().rposition(|w| !is_same_value(w)) else {
        return false;
    };
    let before = &words[..at];
    let previous = before.last().map(String::as_str);
    let credential = match words[at].as_str() {
        // `PWD` alone is the shell's working directory; `PASS_DEVICE_SPECS` ends elsewhere.
        "PASS" | "PWD" => previous.is_some(),
        "KEY" => previous.is_some_and(|p| KEY_KINDS.contains(&p)),
        "STRING" => matches!(previous, Some("CONNECTION" | "CONN")),
        "SECRET" => previous.is_none_or(|p| !SECRET_OBJECTS.contains(&p)),
        w => CREDENTIALS.contains(&w),
    };
    credential && !before.iter().any(|w| SWITCHES.contains(&w.as_str()))
}

fn is_same_value(word: &str) -> bool {
    SAME_VALUE.contains(&word) || word.bytes().all(|b| b.is_ascii_digit())
}

/// The words of a name, upper-cased: `DD_API_KEY`, `dd-api-key`, `ddApiKey` and `DDApiKey`
/// all read `DD API KEY`.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let lower_to_upper = chars[i - 1].is_ascii_lowercase() && chars[i].is_ascii_uppercase();
            // The end of an acronym: the `K` of `APIKey`.
            let acronym_end = chars[i - 1].is_ascii_uppercase()
                && chars[i].is_ascii_uppercase()
                && chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if lower_to_upper || acronym_end {
                words.push(chars[start..i].iter().collect::<String>());
                start = i;
            }
        }
        if start < chars.len() {
            words.push(chars[start..].iter().collect::<String>());
        }
    }
    words.iter().map(|w| w.to_ascii_uppercase()).collect()
}

/// Whether a literal value may be the credential rather than something about it.
fn may_be_secret(value: &str) -> bool {
    let value = value.trim();
    let switch = ["true", "false", "yes", "no", "on", "off", "0", "1"]
        .iter()
        .any(|s| value.eq_ignore_ascii_case(s));
    !switch && !is_path(value) && !refers_to_env(value) && value.chars().any(char::is_alphanumeric)
}

/// A file the credential is read from (`GOOGLE_APPLICATION_CREDENTIALS`, a client key's
/// `/certs/tls.key`, `C:/ProgramData/Datadog/auth/token`): the file is not in the manifest.
fn is_path(value: &str) -> bool {
    let drive = value.as_bytes().get(..3).is_some_and(|b| {
        b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'/' || b[2] == b'\\')
    });
    drive
        || ["/", "~/", "./", "../", "file://"]
            .iter()
            .any(|p| value.starts_with(p))
}

/// Whether the value refers to another env var with `$(VAR)`, which the kubelet expands:
/// `$(ES_PASSWORD)` or `elastic:$(ES_PASSWORD)` takes the credential from elsewhere (a
/// Secret, as a rule). `$$(VAR)` is an escaped, literal `$(VAR)`.
fn refers_to_env(value: &str) -> bool {
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        if let Some(escaped) = after.strip_prefix('$') {
            rest = escaped;
        } else if after.starts_with('(') && after.contains(')') {
            return true;
        } else {
            rest = after;
        }
    }
    false
}

/// A value that stands for the credential the user is to fill in: `changeme`,
/// `<your-api-key>`, `your-token-here`, `xxxx`, `${API_KEY}`, `mysastoken`. A real credential
/// does not spell out what it is.
fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let marked = [
        "change",
        "your",
        "replace",
        "placeholder",
        "example",
        "dummy",
        "token",
        "passw",
        "secret",
        "key",
        "cred",
        "connstr",
    ]
    .iter()
    .any(|m| lower.contains(m));
    let template = (lower.starts_with('<') && lower.ends_with('>')) || lower.starts_with("${");
    let repeated = lower.len() > 2 && lower.chars().all(|c| c == 'x' || c == '*');
    marked || template || repeated
}

#[cfg(test)]
mod tests {
    use super::{names_credential, words};
    use crate::rules::test_support::{pod_spec, positions};

    #[test]
    fn names() {
        assert_eq!(words("DDApiKey"), ["DD", "API", "KEY"]);
        assert_eq!(words("dd_api-key.2"), ["DD", "API", "KEY", "2"]);
        for name in [
            "DD_API_KEY",
            "AZUREBLOB_ACCOUNT_KEY",
            "ELASTICSEARCH_PASSWORD",
            "AZUREBLOB_CONNECTION_STRING",
            "AZUREBLOB_SAS_TOKEN",
            "FLUENT_OPENSEARCH_CLIENT_KEY_PASS",
            "AWS_SECRET_ACCESS_KEY",
            "SECRET_KEY_BASE",
            "apiKey",
            "DB_PWD",
        ] {
            assert!(names_credential(name), "{name}");
        }
        for name in [
            "DD_AUTH_TOKEN_FILE_PATH",
            "DD_CLUSTER_AGENT_TOKEN_NAME",
            "AZURE_CREDENTIAL_FILE",
            "AWS_ACCESS_KEY_ID",
            "ELASTICSEARCH_USERNAME",
            "TOKEN_URL",
            "AZUREBLOB_TOKEN_REFRESH_INTERVAL",
            "NODE_LABEL_KEY",
            "PASS_DEVICE_SPECS",
            "PWD",
            "ALLOW_EMPTY_PASSWORD",
            "IMAGE_PULL_SECRET",
            "KEYBOARD_LAYOUT",
        ] {
            assert!(!names_credential(name), "{name}");
        }
    }

    #[test]
    fn literal_values() {
        let yaml = pod_spec(
            "      containers:\n      - name: c\n        image: i:1\n        env:\n        - {name: DD_API_KEY, value: 0123456789abcdef}\n        - {name: ES_PASSWORD, value: changeme}\n        - {name: ES_TOKEN, value: ''}\n        - {name: ES_SECRET, value: $(OTHER)}\n        - {name: ES_CREDENTIALS, value: /etc/es/creds.json}\n        - {name: ES_USER_PASSWORD, valueFrom: {secretKeyRef: {name: es, key: password}}}\n        - {name: LOG_TOKEN, value: 'user:$(PASS)'}\n        - {name: LOG_TOKEN, value: $$(PASS)}\n",
        );
        assert_eq!(positions(&yaml, "DS310"), ["13:37", "14:38", "20:36"]);
    }
}
