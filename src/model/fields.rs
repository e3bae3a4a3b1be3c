//! Known field names of the objects daemonlint models, so a misspelt field
//! (`readOnlyRootFileSystem`, `tolerationSecond`) is reported instead of silently ignored.
//! kubectl's strict field validation (the default since 1.27) rejects unknown fields, but
//! tools that apply without it drop them, and a dropped `readOnlyRootFilesystem` or
//! `tolerationSeconds` quietly changes what runs.
//!
//! Lists follow the Kubernetes API (core/v1, apps/v1) as of 1.33, including alpha and beta
//! fields, so any manifest the API server accepts passes.

use super::Problem;
use crate::rules::suggest;
use crate::yaml::{Node, Value};

/// One object type: its fields, and which of them hold objects of a known type.
struct Shape {
    fields: &'static [&'static str],
    children: &'static [(&'static str, Child)],
}

#[derive(Clone, Copy)]
enum Child {
    One(&'static Shape),
    List(&'static Shape),
}

const DAEMONSET: Shape = Shape {
    fields: &["apiVersion", "kind", "metadata", "spec", "status"],
    children: &[
        ("metadata", Child::One(&META)),
        ("spec", Child::One(&DS_SPEC)),
    ],
};

const META: Shape = Shape {
    fields: &[
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    ],
    children: &[],
};

const DS_SPEC: Shape = Shape {
    fields: &[
        "selector",
        "template",
        "updateStrategy",
        "minReadySeconds",
        "revisionHistoryLimit",
    ],
    children: &[
        ("selector", Child::One(&SELECTOR)),
        ("template", Child::One(&TEMPLATE)),
        ("updateStrategy", Child::One(&STRATEGY)),
    ],
};

const SELECTOR: Shape = Shape {
    fields: &["matchLabels", "matchExpressions"],
    children: &[("matchExpressions", Child::List(&REQUIREMENT))],
};

const REQUIREMENT: Shape = Shape {
    fields: &["key", "operator", "values"],
    children: &[],
};

const STRATEGY: Shape = Shape {
    fields: &["type", "rollingUpdate"],
    children: &[("rollingUpdate", Child::One(&ROLLING))],
};

const ROLLING: Shape = Shape {
    fields: &["maxUnavailable", "maxSurge"],
    children: &[],
};

const TEMPLATE: Shape = Shape {
    fields: &["metadata", "spec"],
    children: &[("metadata", Child::One(&META)), ("spec", Child::One(&POD))],
};

const POD: Shape = Shape {
    fields: &[
        "volumes",
        "initContainers",
        "containers",
        "ephemeralContainers",
        "restartPolicy",
        "terminationGracePeriodSeconds",
        "activeDeadlineSeconds",
        "dnsPolicy",
        "nodeSelector",
        "serviceAccountName",
        "serviceAccount",
        "automountServiceAccountToken",
        "nodeName",
        "hostNetwork",
        "hostPID",
        "hostIPC",
        "shareProcessNamespace",
        "securityContext",
        "imagePullSecrets",
        "hostname",
        "subdomain",
        "affinity",
        "schedulerName",
        "tolerations",
        "hostAliases",
        "priorityClassName",
        "priority",
        "dnsConfig",
        "readinessGates",
        "runtimeClassName",
        "enableServiceLinks",
        "preemptionPolicy",
        "overhead",
        "topologySpreadConstraints",
        "setHostnameAsFQDN",
        "os",
        "hostUsers",
        "schedulingGates",
        "resourceClaims",
        "resources",
    ],
    children: &[
        ("containers", Child::List(&CONTAINER)),
        ("initContainers", Child::List(&CONTAINER)),
        ("tolerations", Child::List(&TOLERATION)),
        ("volumes", Child::List(&VOLUME)),
        ("securityContext", Child::One(&POD_SECURITY)),
    ],
};

const CONTAINER: Shape = Shape {
    fields: &[
        "name",
        "image",
        "command",
        "args",
        "workingDir",
        "ports",
        "envFrom",
        "env",
        "resources",
        "resizePolicy",
        "restartPolicy",
        "restartPolicyRules",
        "volumeMounts",
        "volumeDevices",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "lifecycle",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "imagePullPolicy",
        "securityContext",
        "stdin",
        "stdinOnce",
        "tty",
    ],
    children: &[
        ("ports", Child::List(&PORT)),
        ("resources", Child::One(&RESOURCES)),
        ("volumeMounts", Child::List(&MOUNT)),
        ("livenessProbe", Child::One(&PROBE)),
        ("readinessProbe", Child::One(&PROBE)),
        ("startupProbe", Child::One(&PROBE)),
        ("securityContext", Child::One(&SECURITY)),
    ],
};

const PORT: Shape = Shape {
    fields: &["name", "hostPort", "containerPort", "protocol", "hostIP"],
    children: &[],
};

const RESOURCES: Shape = Shape {
    fields: &["limits", "requests", "claims"],
    children: &[],
};

const MOUNT: Shape = Shape {
    fields: &[
        "name",
        "readOnly",
        "recursiveReadOnly",
        "mountPath",
        "subPath",
        "mountPropagation",
        "subPathExpr",
    ],
    children: &[],
};

const PROBE: Shape = Shape {
    fields: &[
        "exec",
        "httpGet",
        "tcpSocket",
        "grpc",
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
        "terminationGracePeriodSeconds",
    ],
    children: &[],
};

const SECURITY: Shape = Shape {
    fields: &[
        "capabilities",
        "privileged",
        "seLinuxOptions",
        "windowsOptions",
        "runAsUser",
        "runAsGroup",
        "runAsNonRoot",
        "readOnlyRootFilesystem",
        "allowPrivilegeEscalation",
        "procMount",
        "seccompProfile",
        "appArmorProfile",
    ],
    children: &[("capabilities", Child::One(&CAPABILITIES))],
};

const CAPABILITIES: Shape = Shape {
    fields: &["add", "drop"],
    children: &[],
};

const POD_SECURITY: Shape = Shape {
    fields: &[
        "seLinuxOptions",
        "windowsOptions",
        "runAsUser",
        "runAsGroup",
        "runAsNonRoot",
        "supplementalGroups",
        "supplementalGroupsPolicy",
        "fsGroup",
        "sysctls",
        "fsGroupChangePolicy",
        "seccompProfile",
        "appArmorProfile",
        "seLinuxChangePolicy",
    ],
    children: &[],
};

const TOLERATION: Shape = Shape {
    fields: &["key", "operator", "value", "effect", "tolerationSeconds"],
    children: &[],
};

const VOLUME: Shape = Shape {
    fields: &[
        "name",
        "hostPath",
        "emptyDir",
        "gcePersistentDisk",
        "awsElasticBlockStore",
        "gitRepo",
        "secret",
        "nfs",
        "iscsi",
        "glusterfs",
        "persistentVolumeClaim",
        "rbd",
        "flexVolume",
        "cinder",
        "cephfs",
        "flocker",
        "downwardAPI",
        "fc",
        "azureFile",
        "configMap",
        "vsphereVolume",
        "quobyte",
        "azureDisk",
        "photonPersistentDisk",
        "projected",
        "portworxVolume",
        "scaleIO",
        "storageos",
        "csi",
        "ephemeral",
        "image",
    ],
    children: &[("hostPath", Child::One(&HOST_PATH))],
};

const HOST_PATH: Shape = Shape {
    fields: &["path", "type"],
    children: &[],
};

/// Reports every unknown field of a DaemonSet object.
pub fn check(root: &Node, problems: &mut Vec<Problem>) {
    walk(root, &DAEMONSET, problems);
}

fn walk(node: &Node, shape: &Shape, problems: &mut Vec<Problem>) {
    let Value::Map(entries) = &node.value else {
        return;
    };
    for e in entries {
        if !shape.fields.contains(&e.key.as_str()) {
            let hint = suggest(&e.key, shape.fields)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            problems.push(Problem {
                span: e.key_span,
                message: format!("unknown field `{}`{hint}", e.key),
            });
            continue;
        }
        let Some((_, child)) = shape.children.iter().find(|(k, _)| *k == e.key) else {
            continue;
        };
        match (child, &e.value.value) {
            (Child::One(s), _) => walk(&e.value, s, problems),
            (Child::List(s), Value::Seq(items)) => {
                for item in items {
                    walk(item, s, problems);
                }
            }
            _ => {}
        }
    }
}
