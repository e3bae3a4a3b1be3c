use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{
    Container, DaemonSet, IntOrPercent, PodSpec, RollingUpdate, Spanned, Toleration,
};
use crate::rules::suggest;

pub static META: RuleMeta = RuleMeta {
    code: "DS004",
    name: "invalid-value",
    severity: Severity::Error,
    summary: "A value the API server rejects: an unknown enum value, an out-of-range port or rollout setting",
    doc: include_str!("../../rules/DS004.md"),
};

pub struct InvalidValue;

const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];
const OPERATORS: &[&str] = &["Exists", "Equal"];
const STRATEGIES: &[&str] = &["RollingUpdate", "OnDelete"];
const PULL_POLICIES: &[&str] = &["Always", "IfNotPresent", "Never"];
const PROPAGATIONS: &[&str] = &["None", "HostToContainer", "Bidirectional"];
const SELECTOR_OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist"];

impl Rule for InvalidValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        if let Some(spec) = &ds.spec {
            if let Some(strategy) = &spec.update_strategy {
                if let Some(kind) = &strategy.kind {
                    one_of(cx, kind, "updateStrategy.type", STRATEGIES);
                }
                if let Some(ru) = &strategy.rolling_update {
                    rolling_update(cx, ru);
                }
            }
            if let Some(selector) = &spec.selector {
                for req in &selector.match_expressions {
                    let Some(op) = &req.operator else { continue };
                    if !one_of(cx, op, "selector operator", SELECTOR_OPERATORS) {
                        continue;
                    }
                    let needs_values = matches!(op.value.as_str(), "In" | "NotIn");
                    if needs_values && req.values.is_empty() {
                        cx.report(
                            Diagnostic::new(
                                &META,
                                op.whole(),
                                format!("operator `{}` needs at least one value", op.value),
                            )
                            .label("no `values` given")
                            .help("list the label values to match under `values`"),
                        );
                    } else if !needs_values && !req.values.is_empty() {
                        cx.report(
                            Diagnostic::new(
                                &META,
                                req.values[0].span,
                                format!("operator `{}` takes no values", op.value),
                            )
                            .label("must be empty")
                            .help("remove `values`, or use `In`/`NotIn`"),
                        );
                    }
                }
            }
        }
        if let Some(pod) = ds.pod() {
            pod_values(cx, pod);
        }
    }
}

fn pod_values(cx: &mut Context, pod: &PodSpec) {
    if let Some(policy) = &pod.restart_policy
        && policy.value != "Always"
    {
        cx.report(
            Diagnostic::new(
                &META,
                policy.span,
                format!(
                    "a DaemonSet's pods must use `restartPolicy: Always`, not `{}`",
                    policy.value
                ),
            )
            .label("rejected by the API server")
            .help("remove `restartPolicy` (it defaults to Always)"),
        );
    }
    for t in &pod.tolerations {
        toleration(cx, t);
    }
    for c in pod.all_containers() {
        container(cx, c);
    }
}

fn toleration(cx: &mut Context, t: &Toleration) {
    let operator = t.operator.as_ref().map_or("Equal", |o| o.value.as_str());
    if let Some(op) = &t.operator
        && !one_of(cx, op, "toleration operator", OPERATORS)
    {
        return;
    }
    let effect = t.effect.as_ref().filter(|e| !e.value.is_empty());
    if let Some(e) = effect {
        one_of(cx, e, "toleration effect", EFFECTS);
    }
    let key_empty = t.key.as_ref().is_none_or(|k| k.value.is_empty());
    if key_empty && operator != "Exists" {
        cx.report(
            Diagnostic::new(
                &META,
                t.operator.as_ref().map_or(t.span, Spanned::whole),
                "a toleration without a key must use `operator: Exists`",
            )
            .label("empty key with operator Equal")
            .help("add the taint's `key`, or set `operator: Exists` to tolerate every taint"),
        );
    }
    if operator == "Exists"
        && let Some(v) = t.value.as_ref().filter(|v| !v.value.is_empty())
    {
        cx.report(
            Diagnostic::new(
                &META,
                v.whole(),
                "a toleration with `operator: Exists` cannot have a value",
            )
            .label("value not allowed with Exists")
            .help("remove `value`, or use `operator: Equal` to match this value"),
        );
    }
    if let Some(seconds) = &t.toleration_seconds
        && effect.is_none_or(|e| e.value != "NoExecute")
    {
        cx.report(
            Diagnostic::new(
                &META,
                seconds.whole(),
                "`tolerationSeconds` is only allowed with `effect: NoExecute`",
            )
            .label("needs effect NoExecute")
            .help("set `effect: NoExecute`, or remove `tolerationSeconds`"),
        );
    }
}

fn container(cx: &mut Context, c: &Container) {
    if let Some(policy) = &c.image_pull_policy {
        one_of(cx, policy, "imagePullPolicy", PULL_POLICIES);
    }
    for p in &c.ports {
        if let Some(port) = &p.container_port {
            port_range(cx, port, "containerPort", 1);
        }
        if let Some(port) = &p.host_port {
            port_range(cx, port, "hostPort", 0);
        }
    }
    for m in &c.volume_mounts {
        let Some(prop) = &m.mount_propagation else {
            continue;
        };
        if one_of(cx, prop, "mountPropagation", PROPAGATIONS)
            && prop.value == "Bidirectional"
            && !c.privileged()
        {
            cx.report(
                Diagnostic::new(&META, prop.whole(), format!("`mountPropagation: Bidirectional` requires a privileged container, and {} is not privileged", c.describe()))
                    .label("rejected by the API server")
                    .help("use `HostToContainer` if the container only needs to see host mounts"),
            );
        }
    }
}

fn port_range(cx: &mut Context, port: &Spanned<i64>, field: &str, min: i64) {
    if !(min..=65535).contains(&port.value) {
        cx.report(
            Diagnostic::new(
                &META,
                port.span,
                format!("`{field}` {} is outside {min}..65535", port.value),
            )
            .label("not a valid port")
            .help("use a port number between 1 and 65535"),
        );
    }
}

fn rolling_update(cx: &mut Context, ru: &RollingUpdate) {
    for (field, value) in [
        ("maxUnavailable", &ru.max_unavailable),
        ("maxSurge", &ru.max_surge),
    ] {
        let Some(v) = value else { continue };
        let problem = match &v.value {
            IntOrPercent::Invalid(s) => Some(format!(
                "`{field}: \"{s}\"` is neither an integer nor a percentage like \"25%\""
            )),
            IntOrPercent::Int(i) if *i < 0 => Some(format!("`{field}` cannot be negative ({i})")),
            IntOrPercent::Percent(p) if *p > 100 => {
                Some(format!("`{field}` cannot exceed 100% ({p}%)"))
            }
            _ => None,
        };
        if let Some(message) = problem {
            cx.report(
                Diagnostic::new(&META, v.span, message)
                    .label("rejected by the API server")
                    .help("write a whole number of pods (`1`) or a quoted percentage (`\"10%\"`)"),
            );
        }
    }
    // The API defaults maxUnavailable to 1 and maxSurge to 0 when they are absent.
    let unavailable_zero = ru
        .max_unavailable
        .as_ref()
        .is_some_and(|v| v.value.is_zero());
    let surge_zero = ru.max_surge.as_ref().is_none_or(|v| v.value.is_zero());
    if unavailable_zero && surge_zero {
        let at = ru.max_unavailable.as_ref().map_or(ru.key, Spanned::whole);
        cx.report(
            Diagnostic::new(&META, at, "`maxUnavailable` and `maxSurge` cannot both be zero: the rollout could never replace a pod")
                .label("both zero")
                .help("set `maxUnavailable: 1`, or `maxSurge: 1` to start the new pod before stopping the old one"),
        );
    }
}

/// Reports `value` unless it is one of `allowed`; returns whether it was allowed.
fn one_of(cx: &mut Context, value: &Spanned<String>, what: &str, allowed: &[&str]) -> bool {
    if allowed.contains(&value.value.as_str()) {
        return true;
    }
    let help = match suggest(&value.value, allowed) {
        Some(s) => format!("did you mean `{s}`? Allowed: {}", allowed.join(", ")),
        None => format!("allowed values: {}", allowed.join(", ")),
    };
    cx.report(
        Diagnostic::new(
            &META,
            value.span,
            format!("`{}` is not a valid {what}", value.value),
        )
        .label("not an allowed value")
        .help(help),
    );
    false
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn ds(pod: &str, strategy: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {{app: a}}\n{strategy}  template:\n    metadata:\n      labels: {{app: a}}\n    spec:\n{pod}      containers:\n      - name: c\n        image: i:1\n"
        )
    }

    #[test]
    fn toleration_typo_and_rules() {
        let y = ds(
            "      tolerations:\n      - {key: a, effect: NoScheduler}\n      - {operator: Equal, value: x}\n      - {key: b, operator: Exists, value: x}\n      - {key: c, effect: NoSchedule, tolerationSeconds: 5}\n",
            "",
        );
        assert_eq!(positions(&y, "DS004"), ["13:26", "14:10", "15:36", "16:38"]);
    }

    #[test]
    fn valid_tolerations_pass() {
        let y = ds(
            "      tolerations:\n      - operator: Exists\n      - {key: a, operator: Equal, value: b, effect: NoExecute, tolerationSeconds: 30}\n      - {key: a, effect: \"\"}\n",
            "",
        );
        assert!(positions(&y, "DS004").is_empty());
    }

    #[test]
    fn rollout_values() {
        let y = ds(
            "",
            "  updateStrategy:\n    type: Rolling\n    rollingUpdate:\n      maxUnavailable: \"1\"\n",
        );
        assert_eq!(positions(&y, "DS004"), ["9:11", "11:23"]);
        let zero = ds(
            "",
            "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 0\n",
        );
        assert_eq!(positions(&zero, "DS004"), ["10:7"]);
        let surge = ds(
            "",
            "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1\n",
        );
        assert!(positions(&surge, "DS004").is_empty());
        let over = ds(
            "",
            "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 101%\n",
        );
        assert_eq!(positions(&over, "DS004"), ["10:23"]);
    }
}
