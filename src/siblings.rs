//! The RBAC objects of the other files in a linted folder. A DaemonSet's ClusterRoleBinding
//! and ServiceAccount often sit in `rbac.yaml` beside `daemonset.yaml`, and both are applied
//! together, so the rules that judge the pods' account (DS012) and what its token may do
//! (DS315) read them too.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::discover::{Input, Origin};
use crate::loader;
use crate::model::rbac::Elsewhere;
use crate::source::SourceFile;

/// Kinds worth parsing a sibling for; a file without any of these words is skipped unparsed.
const KINDS: [&str; 3] = ["ClusterRoleBinding", "ClusterRole", "ServiceAccount"];

/// For each input file (by display name), the RBAC of the other input files in its folder.
/// Only folders with more than one input and at least one RBAC file appear.
pub fn gather(
    inputs: &[Input],
    limit: impl Fn(&Input) -> u64,
) -> HashMap<String, Vec<Arc<Elsewhere>>> {
    let mut folders: HashMap<&Path, Vec<&Input>> = HashMap::new();
    for input in inputs {
        if let Origin::File(path) = &input.origin {
            folders
                .entry(path.parent().unwrap_or(Path::new("")))
                .or_default()
                .push(input);
        }
    }
    let mut found = HashMap::new();
    for members in folders.values().filter(|m| m.len() > 1) {
        let rbac: Vec<Arc<Elsewhere>> = members
            .iter()
            .filter_map(|input| read(input, limit(input)))
            .collect();
        if rbac.is_empty() {
            continue;
        }
        for input in members {
            let others = rbac
                .iter()
                .filter(|e| e.source.name != input.display)
                .cloned()
                .collect();
            found.insert(input.display.clone(), others);
        }
    }
    found
}

/// The RBAC objects of one file, if it has any. A file that cannot be read is left to the
/// linting pass, which reports it.
fn read(input: &Input, limit: u64) -> Option<Arc<Elsewhere>> {
    let Origin::File(path) = &input.origin else {
        return None;
    };
    let bytes = crate::read::file(path, limit).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    // A file with DaemonSets of its own ships its RBAC for them (a rendered chart, an
    // all-in-one install), and those are judged with it; reading every such file again would
    // double the cost of linting a folder of them.
    if !KINDS.iter().any(|k| text.contains(k)) || text.contains("DaemonSet") {
        return None;
    }
    let source = SourceFile::new(input.display.clone(), text);
    let rbac = loader::load(&source).beside.rbac;
    let empty = rbac.cluster_role_bindings.is_empty()
        && rbac.cluster_roles.is_empty()
        && rbac.service_accounts.is_empty();
    (!empty).then(|| Arc::new(Elsewhere { source, rbac }))
}
