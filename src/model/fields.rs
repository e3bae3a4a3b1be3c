//! Checks a DaemonSet against the Kubernetes OpenAPI schema of the target release: unknown
//! fields (anywhere in the tree, with the closest known name), values of the wrong type, missing
//! required fields, and fields the target release does not have yet (or any more).
//!
//! kubectl's strict field validation (the default since 1.27) rejects unknown fields, but tools
//! that apply without it drop them, and a dropped `readOnlyRootFilesystem` or
//! `tolerationSeconds` quietly changes what runs. The tables come from the schemas themselves
//! (`tools/gen-schema.py`), so they reach every object and follow each release.
//!
//! Types are judged the way the API server decodes YAML (sigs.k8s.io/yaml, YAML 1.1 into JSON):
//! a whole float is a valid integer, null is the zero value of an optional field.

use std::fmt;

use super::Problem;
use crate::did_you_mean::suggest;
use crate::prose::listed;
use crate::source::Span;
use crate::yaml::{Entry, Node, Value};

// Generated and one line per field; rustfmt would turn 1,300 lines into 5,000.
#[rustfmt::skip]
#[path = "schema_tables.rs"]
mod schema_tables;

use schema_tables::{DAEMONSET, NEWEST, OBJECTS, OLDEST};

/// One object type of the schema.
pub struct Object {
    /// Sorted by name, for binary search.
    pub fields: &'static [Field],
    pub required: &'static [&'static str],
}

pub struct Field {
    pub name: &'static str,
    pub ty: Type,
    /// The minor release that added the field; 0 when every known release has it.
    pub since: u8,
    /// The last minor release that had the field; 0 when it is still there.
    pub until: u8,
    /// The allowed values, when the schema gives an enum.
    pub values: &'static [&'static str],
}

#[derive(Clone, Copy)]
pub enum Type {
    String,
    Integer,
    Number,
    Boolean,
    /// A resource quantity: a string (`100m`) or a number.
    Quantity,
    IntOrString,
    /// An index into the object table.
    Object(usize),
    Array(&'static Type),
    /// A map from strings to values of this type (labels, resource lists).
    Map(&'static Type),
    /// Anything (managedFields' `fieldsV1`).
    Free,
}

/// The Kubernetes release a manifest targets, as its minor version (1.N).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KubernetesVersion(u8);

impl KubernetesVersion {
    pub const NEWEST: KubernetesVersion = KubernetesVersion(NEWEST);

    /// Whether the release is 1.`minor` or later.
    pub fn at_least(self, minor: u8) -> bool {
        self.0 >= minor
    }

    /// Reads `1.31`, `v1.31` or `1.31.4`; only releases the tables know are accepted.
    pub fn parse(text: &str) -> Result<KubernetesVersion, String> {
        let bad = || {
            format!(
                "`{text}` is not a Kubernetes version known to daemonlint (1.{OLDEST} to 1.{NEWEST}, like \"1.31\")"
            )
        };
        let rest = text.trim().trim_start_matches('v');
        let rest = rest.strip_prefix("1.").ok_or_else(bad)?;
        let minor = rest.split('.').next().unwrap_or_default();
        let minor: u8 = minor.parse().map_err(|_| bad())?;
        if (OLDEST..=NEWEST).contains(&minor) {
            Ok(KubernetesVersion(minor))
        } else {
            Err(bad())
        }
    }
}

impl fmt::Display for KubernetesVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.0)
    }
}

/// Reports every field of an `apps/v1` DaemonSet that the target release would reject.
/// Whether `key`, in the schema object that has `field`, is no field of it and is what DS002
/// would read as a misspelling of `field` (`enablePrivilegeEscalation` beside the other
/// securityContext fields): the model leaves such a key to DS002.
pub fn misspells(key: &str, field: &str) -> bool {
    let has = |o: &&Object| o.fields.binary_search_by(|f| f.name.cmp(field)).is_ok();
    let Some(object) = OBJECTS.iter().find(has) else {
        return false;
    };
    let names: Vec<&str> = object.fields.iter().map(|f| f.name).collect();
    !names.contains(&key) && suggest(key, &names) == Some(field)
}

pub fn check(root: &Node, target: KubernetesVersion, problems: &mut Vec<Problem>) {
    // The model reports a missing `spec` on the `kind` line; use the same span so one is kept.
    let at = root
        .entry("kind")
        .map_or(root.span, |e| e.key_span.to(e.value.span));
    Walk {
        target,
        problems,
        enclosing: Vec::new(),
    }
    .object(root, DAEMONSET, at, "DaemonSet");
}

struct Walk<'p, 'n> {
    target: KubernetesVersion,
    problems: &'p mut Vec<Problem>,
    /// The objects around the one being walked, innermost last, with the key that holds each.
    enclosing: Vec<(usize, &'n str)>,
}

/// Server-side, an unknown field is dropped with a warning unless the client asks for strict
/// validation, which kubectl does by default.
const UNKNOWN_FIELD_HELP: &str = "kubectl rejects the object (strict field validation, its \
     default since 1.27); a client that applies without it gets the API server's default, a \
     warning, and the field is dropped";

impl<'n> Walk<'_, 'n> {
    fn report(&mut self, span: Span, message: String) {
        self.problems.push(Problem {
            span,
            message,
            help: None,
        });
    }

    /// `missing_at` is where a missing required field is reported: the key that holds the
    /// object, or the first line of a list item.
    fn object(&mut self, node: &'n Node, id: usize, missing_at: Span, key: &'n str) {
        let Value::Map(entries) = &node.value else {
            return;
        };
        let object = &OBJECTS[id];
        let mut misplaced = Vec::new();
        self.enclosing.push((id, key));
        for e in entries {
            match object
                .fields
                .binary_search_by(|f| f.name.cmp(e.key.as_str()))
            {
                Ok(i) => self.field(&object.fields[i], e),
                Err(_) if self.belongs_outside(e) => misplaced.push(e),
                Err(_) => self.unknown(object, e),
            }
        }
        self.enclosing.pop();
        if let Some(first) = misplaced.first() {
            let names = misplaced
                .iter()
                .map(|e| format!("`{}`", e.key))
                .collect::<Vec<_>>();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let outer = self.enclosing.last().map_or("", |(_, k)| k);
            let (fields, they) = match names.len() {
                1 => ("field", "it is a field"),
                _ => ("fields", "they are fields"),
            };
            self.problems.push(Problem {
                span: first.key_span,
                message: format!(
                    "unknown {fields} {} in `{key}`: {they} of `{outer}`, indented one level too \
                     deep",
                    listed(&names),
                ),
                help: Some(format!(
                    "move {} out one level, into `{outer}`; {UNKNOWN_FIELD_HELP}",
                    if names.len() == 1 { "it" } else { "them" }
                )),
            });
        }
        for name in object.required {
            let given = entries.iter().any(|e| e.key == *name && !e.value.is_null());
            if !given {
                self.report(
                    missing_at,
                    format!("the required field `{name}` is missing"),
                );
            }
        }
    }

    fn unknown(&mut self, object: &Object, e: &Entry) {
        let known: Vec<&str> = object
            .fields
            .iter()
            .filter(|f| self.exists(f))
            .map(|f| f.name)
            .collect();
        let hint = suggest(&e.key, &known)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        self.problems.push(Problem {
            span: e.key_span,
            message: format!("unknown field `{}`{hint}", e.key),
            help: Some(UNKNOWN_FIELD_HELP.to_owned()),
        });
    }

    /// An unknown field that the enclosing object has: a mis-indented line (a probe's
    /// `periodSeconds` under its `httpGet`, a container's `volumeMounts` under `resources`).
    fn belongs_outside(&self, e: &Entry) -> bool {
        let Some(&(outer, _)) = self.enclosing.iter().rev().nth(1) else {
            return false;
        };
        OBJECTS[outer]
            .fields
            .binary_search_by(|f| f.name.cmp(e.key.as_str()))
            .is_ok_and(|i| self.exists(&OBJECTS[outer].fields[i]))
    }

    fn exists(&self, f: &Field) -> bool {
        let minor = self.target.0;
        f.since <= minor && (f.until == 0 || minor <= f.until)
    }

    fn field(&mut self, f: &Field, e: &'n Entry) {
        if !self.exists(f) {
            let message = if f.since > self.target.0 {
                format!(
                    "`{}` needs Kubernetes 1.{}; the target is {}",
                    f.name, f.since, self.target
                )
            } else {
                format!(
                    "`{}` was removed in Kubernetes 1.{}; the target is {}",
                    f.name,
                    f.until + 1,
                    self.target
                )
            };
            self.report(e.key_span, message);
            return;
        }
        self.value(&e.value, f.ty, &e.key, e.key_span);
        if let (false, Value::Str(s)) = (f.values.is_empty(), &e.value.value)
            && !f.values.contains(&s.as_str())
        {
            let allowed = f.values.join("`, `");
            self.report(
                e.value.span,
                format!("`{}` must be one of `{allowed}`, found `{s}`", e.key),
            );
        }
    }

    fn value(&mut self, node: &'n Node, ty: Type, key: &'n str, missing_at: Span) {
        if fits(ty, &node.value) {
            return;
        }
        match (ty, &node.value) {
            (Type::Object(id), Value::Map(_)) => self.object(node, id, missing_at, key),
            (Type::Array(item), Value::Seq(items)) => {
                for i in items {
                    self.item(i, *item, key);
                }
            }
            (Type::Map(inner), Value::Map(entries)) => {
                for e in entries {
                    self.value(&e.value, *inner, &e.key, e.key_span);
                }
            }
            _ => self.report(
                node.span,
                format!(
                    "`{key}` must be {}, found {}",
                    describe(ty, &node.value),
                    node.type_name()
                ),
            ),
        }
    }

    fn item(&mut self, node: &'n Node, ty: Type, key: &'n str) {
        match (ty, &node.value) {
            (Type::Object(id), Value::Map(_)) => self.object(node, id, first_line(node), key),
            (Type::Array(_), Value::Seq(_)) | (Type::Map(_), Value::Map(_)) => {
                self.value(node, ty, key, node.span);
            }
            _ if fits(ty, &node.value) => {}
            _ => self.report(
                node.span,
                format!(
                    "each item of `{key}` must be {}, found {}",
                    describe(ty, &node.value),
                    node.type_name()
                ),
            ),
        }
    }
}

/// Whether a scalar (or null) is a valid value of `ty` as the API server decodes it. Containers
/// are never "fitting" here: their contents still need a look.
fn fits(ty: Type, value: &Value) -> bool {
    match (ty, value) {
        (Type::Free, _) | (_, Value::Null) => true,
        (Type::String, Value::Str(_))
        | (Type::Boolean, Value::Bool(_))
        | (Type::Integer | Type::Number | Type::IntOrString | Type::Quantity, Value::Int(_))
        | (Type::Quantity | Type::IntOrString, Value::Str(_)) => true,
        // JSON has no separate whole floats: `30.0` and `1e+06` decode into int32 fields.
        (Type::Integer | Type::IntOrString, Value::Float(f)) => f.is_finite() && f.fract() == 0.0,
        (Type::Number | Type::Quantity, Value::Float(f)) => f.is_finite(),
        _ => false,
    }
}

fn describe(ty: Type, found: &Value) -> &'static str {
    match ty {
        Type::String if matches!(found, Value::Bool(_) | Value::Int(_) | Value::Float(_)) => {
            "a string (quote it)"
        }
        Type::String => "a string",
        Type::Integer => "an integer",
        Type::Number => "a number",
        Type::Boolean => "a boolean (true or false)",
        Type::Quantity => "a quantity (a string like \"100m\" or a number)",
        Type::IntOrString => "an integer or a string",
        Type::Object(_) | Type::Map(_) => "a mapping",
        Type::Array(_) => "a list",
        Type::Free => "any value",
    }
}

/// The first `key: value` of a list item, where a missing field of the item is reported.
fn first_line(node: &Node) -> Span {
    match &node.value {
        Value::Map(entries) if !entries.is_empty() => entries[0].key_span.to(entries[0].value.span),
        _ => node.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_leniently_and_checked() {
        assert_eq!(
            KubernetesVersion::parse("1.31").map(|v| v.to_string()),
            Ok("1.31".into())
        );
        assert_eq!(KubernetesVersion::parse("v1.31").map(|v| v.0), Ok(31));
        assert_eq!(KubernetesVersion::parse("1.31.4").map(|v| v.0), Ok(31));
        assert!(KubernetesVersion::parse("1.3").is_err());
        assert!(KubernetesVersion::parse("2.31").is_err());
        assert!(KubernetesVersion::parse("1.99").is_err());
        assert!(KubernetesVersion::parse("latest").is_err());
    }

    #[test]
    fn every_object_lists_its_fields_in_search_order() {
        for (id, object) in OBJECTS.iter().enumerate() {
            let sorted = object.fields.windows(2).all(|w| w[0].name < w[1].name);
            assert!(sorted, "object {id} is not sorted");
        }
    }
}
