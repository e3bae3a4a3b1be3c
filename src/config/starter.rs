//! The starter config `daemonlint init` writes and the JSON Schema editors use, both built
//! from the settings table and the rule list, so neither can fall behind the code.

use serde_json::{Value, json};

use crate::model::profile::AgentKind;
use crate::rules;
use crate::settings::{Kind, SETTINGS, describe};

/// Where the schema is published, for the modeline in the starter config.
pub const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/daemonlint/daemonlint/main/daemonlint.schema.json";

pub fn starter() -> String {
    let mut out = format!(
        "# yaml-language-server: $schema={SCHEMA_URL}\n\
         # daemonlint configuration. Every setting is listed with its default.\n\
         # Command-line flags (--fail-on, --select, --ignore, --exclude) win over this file.\n\n\
         # Lowest severity that fails the run: error, warning, note or never.\n\
         fail-on: warning\n\n\
         # Change a rule's severity (error, warning, note) or turn it off, by code or name.\n\
         rules:\n"
    );
    for meta in rules::ALL {
        out.push_str(&format!(
            "  # {}: {}  # {} ({})\n",
            meta.code,
            meta.severity.as_str(),
            meta.name,
            meta.summary
        ));
    }
    out.push_str("\nsettings:\n");
    for s in SETTINGS {
        out.push_str(&format!(
            "  # {}: {}. {}.\n  {}: {}\n",
            s.rules,
            s.help,
            describe(s.kind),
            s.key,
            s.default
        ));
    }
    out.push_str(
        "\n# Files and folders never linted (globs, relative to this file's folder).\nexclude: []\n\n\
         # Largest input read: bytes, or a size such as 64Mi.\nmax-file-size: 64Mi\n\n\
         # Different rules or settings for some files or objects, applied in order.\n\
         overrides: []\n\
         #  - files: [\"clusters/gpu/**\"]\n\
         #    objects: [\"kube-system/*\"]   # namespace/name\n\
         #    rules: {DS702: off}\n\
         #    settings: {cluster-nodes: 8}\n\
         #    reason: \"GPU pool agents are placed by the operator\"\n\n\
         # How charts are rendered (paths relative to this file's folder). A chart listed here is\n\
         # rendered once per entry; one not listed, with its defaults and each ci/*-values.yaml.\n\
         charts: []\n\
         #  - path: charts/agent\n\
         #    values: [charts/agent/values-prod.yaml]\n\
         #    set: {image.tag: v2}\n\
         #    release: agent\n\
         #    namespace: monitoring\n\n\
         # The commands that render: kustomize gets the folder appended, helm `template ...`.\n\
         # required: true makes a missing renderer an error instead of a note (for CI).\n\
         render:\n\
         \x20 required: false\n\
         #  kustomize: [kustomize, build]\n\
         #  helm: [helm]\n",
    );
    out
}

/// Kubernetes quantity syntax (`resource.ParseQuantity`), for editors; daemonlint checks the
/// value exactly when it reads the file.
const QUANTITY_PATTERN: &str =
    r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[mkMGTPE]|[nu])?$";

fn setting_schema(key: &str, kind: Kind, help: &str) -> Value {
    let mut v = match kind {
        Kind::IntOrPercent => json!({
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": "^(100|[1-9]?[0-9])%$"}
            ]
        }),
        // A node count of 0 is no cluster; unset (null) means unknown.
        Kind::Count if key == "cluster-nodes" => json!({"type": ["integer", "null"], "minimum": 1}),
        Kind::Count => json!({"type": "integer", "minimum": 0}),
        Kind::Quantity => json!({
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": QUANTITY_PATTERN}
            ]
        }),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::Profile => {
            let names: Vec<&str> = AgentKind::ALL.iter().map(|k| k.name()).collect();
            json!({"type": ["string", "null"], "enum": names.into_iter().map(Value::from).chain([Value::Null]).collect::<Vec<_>>()})
        }
        Kind::Strings => json!({"type": "array", "items": {"type": "string"}}),
        Kind::Version => json!({
            "type": ["string", "number"],
            "pattern": "^v?1\\.[0-9]+(\\.[0-9]+)?$"
        }),
    };
    v["description"] = json!(help);
    v
}

fn rules_schema() -> Value {
    let mut properties = serde_json::Map::new();
    for meta in rules::ALL {
        let lower = meta.code.to_ascii_lowercase();
        for key in [meta.code, lower.as_str(), meta.name] {
            let l =
                json!({"allOf": [{"$ref": "#/definitions/level"}], "description": meta.summary});
            properties.insert(key.to_owned(), l);
        }
    }
    // An empty `rules:` or `settings:` (only comments below it) reads as null, which
    // daemonlint accepts.
    json!({"type": ["object", "null"], "properties": properties, "additionalProperties": false})
}

fn settings_schema() -> Value {
    let mut properties = serde_json::Map::new();
    for s in SETTINGS {
        properties.insert(s.key.to_owned(), setting_schema(s.key, s.kind, s.help));
    }
    // An empty `rules:` or `settings:` (only comments below it) reads as null, which
    // daemonlint accepts.
    json!({"type": ["object", "null"], "properties": properties, "additionalProperties": false})
}

/// `charts:`: how each chart is rendered.
fn charts_schema() -> Value {
    let text = json!({"type": "string", "minLength": 1});
    json!({
        "description": "How charts are rendered: one `helm template` per entry (paths relative to this file's folder)",
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["path"],
            "properties": {
                "path": text,
                "values": {"type": "array", "items": text},
                "set": {"anyOf": [
                    {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}},
                    {"type": "array", "items": {"type": "string", "pattern": "="}}
                ]},
                "release": text,
                "namespace": text
            }
        }
    })
}

/// `render:`: the commands that render, and whether a missing one fails the run.
fn render_schema() -> Value {
    let command = json!({
        "type": "array",
        "minItems": 1,
        "items": {"type": "string"}
    });
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "kustomize": command,
            "helm": command,
            "required": {"type": "boolean"}
        }
    })
}

/// JSON Schema (draft-07) for `.daemonlint.yaml`.
pub fn schema() -> Value {
    let globs = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "daemonlint configuration (.daemonlint.yaml)",
        "definitions": {
            // YAML 1.1, which daemonlint reads like Kubernetes, takes these spellings as false.
            "level": {"enum": [
                "error", "warning", "note", "off", false,
                "Off", "OFF", "no", "No", "NO", "n", "N", "False", "FALSE"
            ]}
        },
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "fail-on": {
                "description": "Lowest severity that fails the run",
                "enum": ["error", "warning", "note", "never"]
            },
            "rules": rules_schema(),
            "settings": settings_schema(),
            "exclude": globs,
            "max-file-size": {
                "description": "Largest input read, in bytes or with Ki/Mi/Gi (default 64Mi)",
                "anyOf": [
                    {"type": "integer", "minimum": 1},
                    {"type": "string", "pattern": "^[0-9]+(Ki|Mi|Gi)?$"}
                ]
            },
            "charts": charts_schema(),
            "render": render_schema(),
            "overrides": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "anyOf": [{"required": ["files"]}, {"required": ["objects"]}],
                    "properties": {
                        "files": globs,
                        "objects": globs,
                        "rules": rules_schema(),
                        "settings": settings_schema(),
                        "reason": {"type": "string"}
                    }
                }
            }
        }
    })
}
