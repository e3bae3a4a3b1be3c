//! Typed access to a YAML tree that records, instead of failing, every field of the wrong type.
//! A null value counts as absent, as it does when Kubernetes decodes JSON.

use super::{Problem, Spanned};
use crate::source::Span;
use crate::yaml::{Entry, Node, Value};

pub struct Reader<'p> {
    pub problems: &'p mut Vec<Problem>,
}

impl Reader<'_> {
    pub fn problem(&mut self, span: Span, message: String) {
        self.problems.push(Problem {
            span,
            message,
            help: None,
        });
    }

    fn wrong_type(&mut self, entry: &Entry, expected: &str) {
        let found = entry.value.type_name();
        self.problem(
            entry.value.span,
            format!("`{}` must be {expected}, found {found}", entry.key),
        );
    }

    fn present<'n>(parent: &'n Node, key: &str) -> Option<&'n Entry> {
        parent.entry(key).filter(|e| !e.value.is_null())
    }

    /// The entry for `key` if its value is a mapping.
    pub fn map<'n>(&mut self, parent: &'n Node, key: &str) -> Option<&'n Entry> {
        let entry = Self::present(parent, key)?;
        if matches!(entry.value.value, Value::Map(_)) {
            Some(entry)
        } else {
            self.wrong_type(entry, "a mapping");
            None
        }
    }

    /// The items of `key` if its value is a list, with the key's span.
    pub fn seq<'n>(&mut self, parent: &'n Node, key: &str) -> Option<(Span, &'n [Node])> {
        let entry = Self::present(parent, key)?;
        match &entry.value.value {
            Value::Seq(items) => Some((entry.key_span, items)),
            _ => {
                self.wrong_type(entry, "a list");
                None
            }
        }
    }

    /// The items of `key` that are mappings; others are reported.
    pub fn maps<'n>(&mut self, parent: &'n Node, key: &str) -> Vec<&'n Node> {
        let Some((_, items)) = self.seq(parent, key) else {
            return Vec::new();
        };
        items
            .iter()
            .filter(|item| {
                let ok = matches!(item.value, Value::Map(_));
                if !ok {
                    self.problem(
                        item.span,
                        format!(
                            "each item of `{key}` must be a mapping, found {}",
                            item.type_name()
                        ),
                    );
                }
                ok
            })
            .collect()
    }

    pub fn string(&mut self, parent: &Node, key: &str) -> Option<Spanned<String>> {
        let entry = Self::present(parent, key)?;
        match &entry.value.value {
            Value::Str(s) => Some(Spanned::new(s.clone(), entry)),
            _ => {
                self.wrong_type(entry, "a string");
                None
            }
        }
    }

    pub fn boolean(&mut self, parent: &Node, key: &str) -> Option<Spanned<bool>> {
        let entry = Self::present(parent, key)?;
        match entry.value.value {
            Value::Bool(b) => Some(Spanned::new(b, entry)),
            _ => {
                self.wrong_type(entry, "a boolean (true or false)");
                None
            }
        }
    }

    pub fn int(&mut self, parent: &Node, key: &str) -> Option<Spanned<i64>> {
        let entry = Self::present(parent, key)?;
        if let Some(i) = whole_number(&entry.value.value) {
            return Some(Spanned::new(i, entry));
        }
        match entry.value.value {
            Value::Float(f) if f.is_finite() => self.problem(
                entry.value.span,
                format!(
                    "`{}` must be an integer, found {f}, which is not whole",
                    entry.key
                ),
            ),
            _ => self.wrong_type(entry, "an integer"),
        }
        None
    }

    /// A map of strings to strings, like labels and nodeSelector.
    pub fn string_map(&mut self, parent: &Node, key: &str) -> Vec<Spanned<(String, String)>> {
        let Some(entry) = self.map(parent, key) else {
            return Vec::new();
        };
        let Value::Map(entries) = &entry.value.value else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|e| match &e.value.value {
                Value::Str(s) => Some(Spanned::new((e.key.clone(), s.clone()), e)),
                // A null in a map of strings decodes as the empty string.
                Value::Null => Some(Spanned::new((e.key.clone(), String::new()), e)),
                _ => {
                    self.wrong_type(e, "a string (quote it)");
                    None
                }
            })
            .collect()
    }

    pub fn string_list(&mut self, parent: &Node, key: &str) -> Vec<Spanned<String>> {
        let Some((_, items)) = self.seq(parent, key) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| match &item.value {
                Value::Str(s) => Some(Spanned {
                    value: s.clone(),
                    span: item.span,
                    key: item.span,
                }),
                _ => {
                    self.problem(
                        item.span,
                        format!(
                            "each item of `{key}` must be a string, found {}",
                            item.type_name()
                        ),
                    );
                    None
                }
            })
            .collect()
    }
}

/// An integer as Kubernetes decodes one: YAML floats with a whole value (`30.0`, `1e+06`, as
/// Helm renders large numbers) become JSON integers on the way through sigs.k8s.io/yaml.
pub fn whole_number(value: &Value) -> Option<i64> {
    match *value {
        Value::Int(i) => Some(i),
        // Go writes floats below 1e21 without an exponent, so they read back as integers.
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e21 => {
            let i = f as i64;
            (i as f64 == f).then_some(i)
        }
        _ => None,
    }
}
