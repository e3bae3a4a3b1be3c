//! Values decoded the way Kubernetes decodes them (sigs.k8s.io/yaml, then JSON into typed
//! structs, then defaulting), checked through the real binary's JSON report.

mod common;

use common::{daemonlint, json, positions, temp_dir, write_temp};
use serde_json::Value;

/// A DaemonSet whose `spec.updateStrategy` is `strategy` and whose pod spec is `pod`, both
/// indented to their place. The pod spec starts on line 11.
fn daemonset(strategy: &str, pod: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector: {{matchLabels: {{app: agent}}}}
{strategy}  template:
    metadata:
      labels: {{app: agent}}
    spec:
{pod}"
    )
}

fn container(extra: &str) -> String {
    format!(
        "      containers:\n      - name: agent\n        image: example.com/agent:1.0.0\n{extra}"
    )
}

fn lint(test: &str, text: &str) -> Value {
    let dir = temp_dir(test);
    let path = write_temp(&dir, "input.yaml", text.as_bytes());
    json(&["--no-config", "--fail-on", "never", &path.to_string_lossy()]).1
}

fn findings_of(report: &Value, code: &str) -> Vec<String> {
    positions(report)
        .into_iter()
        .filter(|(c, _)| c == code)
        .map(|(_, at)| at)
        .collect()
}

#[test]
fn whole_floats_are_integers() {
    let pod = container(
        "        ports:\n        - containerPort: 8080.0\n        livenessProbe:\n          tcpSocket: {port: 8080.0}\n          initialDelaySeconds: 1e+06\n",
    ) + "      terminationGracePeriodSeconds: 30.0\n";
    let report = lint("whole-floats", &daemonset("", &pod));
    assert_eq!(findings_of(&report, "DS002"), Vec::<String>::new());
    assert_eq!(
        findings_of(&report, "DS603"),
        Vec::<String>::new(),
        "1e+06 s is long"
    );
}

#[test]
fn a_fraction_in_an_integer_field_is_a_type_error() {
    let pod = container("") + "      terminationGracePeriodSeconds: 30.5\n";
    let report = lint("fraction", &daemonset("", &pod));
    assert_eq!(findings_of(&report, "DS002"), ["14:38"]);
    let message = report["diagnostics"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["code"] == "DS002"))
        .and_then(|d| d["message"].as_str())
        .unwrap_or_default();
    assert!(message.contains("30.5, which is not whole"), "{message}");
}

#[test]
fn null_labels_are_empty_strings_and_null_quantities_zero() {
    let text = daemonset(
        "",
        &container("        resources:\n          requests: {cpu: null, memory: 64Mi}\n          limits: {memory: null}\n"),
    )
    .replace("labels: {app: agent}", "labels: {app: agent, team: null}")
    .replace("  name: agent\n", "  name: agent\n  annotations: {note: ~}\n");
    let report = lint("nulls", &text);
    for code in ["DS002", "DS005"] {
        assert_eq!(findings_of(&report, code), Vec::<String>::new(), "{code}");
    }
}

#[test]
fn an_empty_update_strategy_type_is_rolling_update() {
    let strategy = "  updateStrategy:\n    type: \"\"\n    rollingUpdate: {maxUnavailable: 100%}\n";
    let report = lint("empty-strategy", &daemonset(strategy, &container("")));
    assert_eq!(findings_of(&report, "DS004"), Vec::<String>::new());
    assert_eq!(
        findings_of(&report, "DS402"),
        ["9:37"],
        "judged as a rolling update"
    );
}

#[test]
fn an_empty_toleration_operator_is_equal() {
    let pod = container("")
        + "      tolerations:\n      - {key: node-role.kubernetes.io/control-plane, operator: \"\", effect: NoSchedule}\n";
    let report = lint("empty-operator", &daemonset("", &pod));
    assert_eq!(findings_of(&report, "DS004"), Vec::<String>::new());
    assert_eq!(findings_of(&report, "DS201"), Vec::<String>::new());
}

#[test]
fn zero_probe_fields_are_judged_after_defaulting() {
    let probe = |fields: &str| {
        container(&format!(
            "        livenessProbe:\n          tcpSocket: {{port: 80}}\n          initialDelaySeconds: 30\n{fields}"
        ))
    };
    let zeros = "          failureThreshold: 0\n          periodSeconds: 0\n          timeoutSeconds: 0\n          successThreshold: 0\n";
    let report = lint("probe-zeros", &daemonset("", &probe(zeros)));
    assert_eq!(
        findings_of(&report, "DS604"),
        Vec::<String>::new(),
        "0 is 3"
    );
    let two = "          failureThreshold: 2\n          periodSeconds: 0\n";
    let report = lint("probe-two", &daemonset("", &probe(two)));
    let found = report["diagnostics"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["code"] == "DS604"))
        .and_then(|d| d["message"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(
        found.contains("2 failed checks 10 s apart, a stall of about 11 seconds"),
        "a period of 0 is 10: {found}"
    );
}

#[test]
fn duplicate_keys_warn_at_the_dropped_value_only_in_daemonsets() {
    let pod = "      containers:\n      - name: agent\n        image: example.com/agent:1.0.0\n        securityContext:\n          privileged: true\n          privileged: false\n";
    let config_map =
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: x, a: y}\n";
    let dir = temp_dir("duplicates");
    let text = daemonset("", pod) + config_map;
    let path = write_temp(&dir, "input.yaml", text.as_bytes());
    let path = path.to_string_lossy();
    let report = json(&["--no-config", &path]).1;
    let dups: Vec<&Value> = report["diagnostics"]
        .as_array()
        .map(|d| d.iter().filter(|d| d["code"] == "DS002").collect())
        .unwrap_or_default();
    let [dup] = &dups[..] else {
        panic!("one DS002 in the DaemonSet, none in the ConfigMap: {dups:?}")
    };
    assert_eq!((&dup["line"], &dup["column"]), (&15.into(), &11.into()));
    assert_eq!(dup["severity"], "warning");
    assert_eq!(
        dup["message"],
        "duplicate key `privileged`: Kubernetes keeps the last value and silently drops this one"
    );
    let human = daemonlint(&["--no-config", "--color", "never", &path]);
    assert!(
        human.stdout.contains("this value is dropped")
            && human.stdout.contains("this later value is the one kept"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("rejects"), "{}", human.stdout);
    assert_eq!(
        findings_of(&report, "DS303"),
        Vec::<String>::new(),
        "the last value, false, applies"
    );
}
