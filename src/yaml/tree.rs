use crate::source::Span;

/// One YAML node with its source span. Scalars are already resolved to their YAML 1.1 type.
#[derive(Clone, Debug)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A mapping entry. Keys are kept as the strings JSON conversion would produce.
#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

/// `span` with both ends moved by `by`; `None` when an end cannot be moved.
pub(super) fn move_span(span: Span, by: &impl Fn(u32) -> Option<u32>) -> Option<Span> {
    Some(Span {
        start: by(span.start)?,
        end: by(span.end)?,
    })
}

impl Node {
    /// Moves every span of the tree, keys included, by `by` (the text changed around it);
    /// `None` when an offset cannot be moved, with the tree then partly moved.
    pub(super) fn move_spans(&mut self, by: &impl Fn(u32) -> Option<u32>) -> Option<()> {
        self.span = move_span(self.span, by)?;
        match &mut self.value {
            Value::Map(entries) => {
                for e in entries {
                    e.key_span = move_span(e.key_span, by)?;
                    e.value.move_spans(by)?;
                }
            }
            Value::Seq(items) => {
                for n in items {
                    n.move_spans(by)?;
                }
            }
            _ => {}
        }
        Some(())
    }

    /// The entry for `key` when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// What a user would call this node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}
