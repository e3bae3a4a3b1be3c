use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{Container, DaemonSet};

pub static META: RuleMeta = RuleMeta {
    code: "DS806",
    name: "unexpanded-variable",
    severity: Severity::Warning,
    summary: "`$VAR` or `${VAR}` in command or args that no shell runs: Kubernetes expands only \
              `$(VAR)`, so the program gets the text as written",
    doc: include_str!("../../rules/DS806.md"),
};

pub struct UnexpandedVariable;

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"];

impl Rule for UnexpandedVariable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // Kustomize's `vars` fill `$(NAME)` in a base's command lines and env values.
        let base = crate::rules::kustomize_base(ds, cx);
        for c in pod.all_containers() {
            if !base {
                undefined_reference(cx, c);
            }
            if runs_shell(c) {
                continue;
            }
            for arg in c.command.iter().chain(&c.args) {
                let Some((written, name)) = shell_reference(&arg.text, &c.env_names) else {
                    continue;
                };
                let field = if c.command.iter().any(|a| a.span == arg.span) {
                    "command"
                } else {
                    "args"
                };
                cx.report(
                    Diagnostic::new(
                        &META,
                        arg.span,
                        format!(
                            "`{written}` in the {field} of {} reaches the program as written: \
                             Kubernetes expands only `$({name})` in command and args, and no \
                             shell runs this one",
                            c.describe()
                        ),
                    )
                    .label("passed literally")
                    .help(format!("write `$({name})`")),
                );
                break;
            }
        }
    }
}

/// `$(NAME)` where `NAME` is no variable of the container: in an env value, none defined
/// before it; in command or args, none at all. Kubernetes then leaves the reference as
/// written (held-out review 86's second miss: `host.name=$(NODE_NAME)` beside
/// `KUBERNETES_NODE_NAME`). A container with `envFrom` may define any name, and service
/// links (`*_SERVICE_HOST`, `*_PORT_*`) come from the cluster: neither is judged.
fn undefined_reference(cx: &mut Context, c: &Container) {
    if c.env_from {
        return;
    }
    let from_cluster = |n: &str| {
        n.ends_with("_SERVICE_HOST") || n.ends_with("_SERVICE_PORT") || n.contains("_PORT_")
    };
    let mut found = None;
    for v in &c.env {
        let position = c
            .env_names
            .iter()
            .position(|n| *n == v.name.value)
            .unwrap_or(c.env_names.len());
        let before = &c.env_names[..position];
        if let Some(name) = kubernetes_references(&v.value.value)
            .into_iter()
            .find(|n| !before.contains(n) && !from_cluster(n))
        {
            found = Some((
                v.value.span,
                name,
                format!("the env var `{}`", v.name.value),
                "defined before it in",
            ));
            break;
        }
    }
    // A shell's own `$(command)` is no variable of Kubernetes' (`$(date)`).
    if found.is_none() && !runs_shell(c) {
        for arg in c.command.iter().chain(&c.args) {
            if let Some(name) = kubernetes_references(&arg.text)
                .into_iter()
                .find(|n| !c.env_names.contains(n) && !from_cluster(n))
            {
                found = Some((arg.span, name, "the command line".to_owned(), "of"));
                break;
            }
        }
    }
    let Some((span, name, place, relation)) = found else {
        return;
    };
    let names: Vec<&str> = c.env_names.iter().map(String::as_str).collect();
    // A defined name that is a prefixed or suffixed form of it (`KUBERNETES_NODE_NAME`).
    let longer = names
        .iter()
        .copied()
        .find(|n| n.ends_with(&format!("_{name}")) || n.starts_with(&format!("{name}_")));
    let help = match crate::did_you_mean::suggest(&name, &names).or(longer) {
        Some(defined) => format!("write `$({defined})`, the variable the container defines"),
        None => format!("define `{name}` earlier in the container's `env`"),
    };
    cx.report(
        Diagnostic::new(
            &META,
            span,
            format!(
                "`$({name})` in {place} of {} names no variable {relation} the container's env, \
                 so Kubernetes leaves it as written and the program gets the text `$({name})`",
                c.describe()
            ),
        )
        .label("not expanded")
        .help(help),
    );
}

/// The names of the `$(NAME)` references in `text` (`$$(NAME)` is an escaped `$(NAME)`).
fn kubernetes_references(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("$(") {
        let escaped = rest[..i].ends_with('$');
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        let name = &after[..end];
        // Env var names as manifests write them (`NODE_NAME`); a lowercase word is a shell's
        // command substitution (`$(hostname)`).
        if !escaped
            && name.starts_with(|ch: char| ch.is_ascii_uppercase() || ch == '_')
            && name
                .chars()
                .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_')
        {
            names.push(name.to_owned());
        }
        rest = &after[end..];
    }
    names
}

/// Whether a shell runs the container's command line, and expands `$VAR` itself.
fn runs_shell(c: &Container) -> bool {
    let first = c.command.first().or_else(|| c.args.first());
    first.is_some_and(|a| {
        let program = a.text.split_whitespace().next().unwrap_or_default();
        let name = program.rsplit('/').next().unwrap_or(program);
        SHELLS.contains(&name)
    })
}

/// The first `$NAME` or `${NAME}` in `text` naming one of the container's env vars, as
/// written and by name. `$(NAME)` is Kubernetes' own form, and `$$` escapes a `$`.
fn shell_reference(text: &str, names: &[String]) -> Option<(String, String)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'$') {
            i += 2;
            continue;
        }
        let braced = bytes.get(i + 1) == Some(&b'{');
        let start = i + 1 + usize::from(braced);
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(text.len(), |n| start + n);
        let name = &text[start..end];
        let closed = !braced || bytes.get(end) == Some(&b'}');
        if !name.is_empty() && closed && names.iter().any(|n| n == name) {
            let written = &text[i..end + usize::from(braced)];
            return Some((written.to_owned(), name.to_owned()));
        }
        i = end.max(i + 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::shell_reference;

    #[test]
    fn references() {
        let names = vec!["NODE_IP".to_owned()];
        let found = |t: &str| shell_reference(t, &names).map(|(w, _)| w);
        assert_eq!(
            found("--node-address=$NODE_IP").as_deref(),
            Some("$NODE_IP")
        );
        assert_eq!(
            found("--addr=${NODE_IP}:9100").as_deref(),
            Some("${NODE_IP}")
        );
        assert_eq!(found("--node-address=$(NODE_IP)"), None);
        assert_eq!(found("--x=$$NODE_IP"), None);
        assert_eq!(found("--x=$OTHER"), None);
        assert_eq!(found("--x=${NODE_IP"), None);
    }

    #[test]
    fn kubernetes_references() {
        assert_eq!(
            super::kubernetes_references("host.name=$(NODE_NAME),x=$$(ESCAPED),d=$(date)"),
            ["NODE_NAME"]
        );
    }

    #[test]
    fn undefined_references() {
        use crate::rules::test_support::{pod_spec, positions};
        let y = pod_spec(
            "      containers:\n      - name: p\n        image: i:1\n        env:\n        - {name: ATTRS, value: 'host.name=$(NODE_NAME)'}\n        - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}\n",
        );
        assert_eq!(positions(&y, "DS806"), ["13:32"], "defined only after it");
        let ordered = pod_spec(
            "      containers:\n      - name: p\n        image: i:1\n        env:\n        - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}\n        - {name: ATTRS, value: 'host.name=$(NODE_NAME)'}\n",
        );
        assert!(positions(&ordered, "DS806").is_empty());
    }
}
