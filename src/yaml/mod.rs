//! YAML text to a tree of spanned nodes, read the way Kubernetes reads it (YAML 1.1 scalars,
//! merge keys), with limits that keep hostile input cheap.

mod build;
mod repair;
mod resolve;
mod splice;
mod tree;

pub use build::{ParseLimits, ParseOutcome, SyntaxError};
pub use repair::parse_stream;
pub use splice::{Change, reparse};
pub use tree::{Entry, Node, Value};
