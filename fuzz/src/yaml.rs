//! A small YAML writer for generated manifests. It writes only YAML that any conforming parser
//! accepts, so a syntax error on its output is a daemonlint bug, not a generator bug.

/// A YAML node as the generator builds it.
#[derive(Debug, Clone)]
pub enum Node {
    /// A scalar written plain; [`Node::scalar`] makes sure it can be.
    Plain(String),
    /// A scalar written double-quoted with escapes, so any text survives.
    Quoted(String),
    Map(Vec<(Node, Node)>, Style),
    Seq(Vec<Node>, Style),
    /// `&name` before the node.
    Anchored(String, Box<Node>),
    /// `*name`.
    Alias(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Block,
    Flow,
}

/// YAML limits implicit keys to 1024 characters; escapes can make a character six.
const MAX_KEY_CHARS: usize = 100;

impl Node {
    /// Plain when the text cannot be mistaken for YAML syntax, quoted otherwise. Plain
    /// numbers and suffixed quantities are kept plain on purpose: their resolution as ints,
    /// floats or strings is what the model's readers must get right.
    pub fn scalar(text: &str) -> Node {
        let safe = text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '/'));
        if safe {
            Node::Plain(text.to_owned())
        } else {
            Node::Quoted(text.to_owned())
        }
    }

    pub fn quoted(text: &str) -> Node {
        Node::Quoted(text.to_owned())
    }

    pub fn key(text: &str) -> Node {
        let short: String = text.chars().take(MAX_KEY_CHARS).collect();
        Node::scalar(&short)
    }

    fn is_block_collection(&self) -> bool {
        match self {
            Node::Map(entries, Style::Block) => !entries.is_empty(),
            Node::Seq(items, Style::Block) => !items.is_empty(),
            Node::Anchored(_, inner) => inner.is_block_collection(),
            _ => false,
        }
    }
}

/// A map from string keys, for building documents tersely.
pub fn map(style: Style, entries: Vec<(&str, Node)>) -> Node {
    Node::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Node::key(k), v))
            .collect(),
        style,
    )
}

pub fn write(node: &Node, out: &mut String) {
    write_node(node, 0, out);
}

fn write_node(node: &Node, indent: usize, out: &mut String) {
    match node {
        Node::Plain(s) => out.push_str(s),
        Node::Quoted(s) => write_quoted(s, out),
        Node::Alias(name) => {
            out.push('*');
            out.push_str(name);
        }
        Node::Anchored(name, inner) => {
            out.push('&');
            out.push_str(name);
            if inner.is_block_collection() {
                out.push('\n');
            } else {
                out.push(' ');
            }
            write_node(inner, indent, out);
        }
        Node::Map(entries, Style::Block) if !entries.is_empty() => {
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                pad(indent, out);
                write_flow(k, out);
                out.push(':');
                write_child(v, indent, out);
            }
        }
        Node::Seq(items, Style::Block) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                pad(indent, out);
                out.push('-');
                write_child(item, indent, out);
            }
        }
        Node::Map(..) | Node::Seq(..) => write_flow(node, out),
    }
}

/// The value after `key:` or `-`: block collections go on the next lines, indented.
fn write_child(node: &Node, indent: usize, out: &mut String) {
    match node {
        Node::Anchored(name, inner) if inner.is_block_collection() => {
            out.push_str(" &");
            out.push_str(name);
            out.push('\n');
            write_node(inner, indent + 2, out);
        }
        _ if node.is_block_collection() => {
            out.push('\n');
            write_node(node, indent + 2, out);
        }
        _ => {
            out.push(' ');
            write_node(node, indent, out);
        }
    }
}

/// Flow style on one line; block collections nested in flow ones are written flow too.
fn write_flow(node: &Node, out: &mut String) {
    match node {
        Node::Map(entries, _) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(k, out);
                out.push_str(": ");
                write_flow(v, out);
            }
            out.push('}');
        }
        Node::Seq(items, _) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(item, out);
            }
            out.push(']');
        }
        Node::Anchored(name, inner) => {
            out.push('&');
            out.push_str(name);
            out.push(' ');
            write_flow(inner, out);
        }
        // A space ends the alias name before a flow indicator, which some parsers would
        // otherwise read as part of the name.
        Node::Alias(_) => {
            write_node(node, 0, out);
            out.push(' ');
        }
        Node::Plain(_) | Node::Quoted(_) => write_node(node, 0, out),
    }
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Escapes what a double-quoted scalar cannot hold literally: quotes, backslashes, control
/// characters and the characters YAML treats as line breaks or a byte order mark.
fn write_quoted(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
