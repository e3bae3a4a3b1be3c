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
        for c in pod.all_containers() {
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
}
