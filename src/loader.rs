//! One source file to the DaemonSets it holds, plus the findings about the file itself:
//! syntax errors (DS001), wrong structure (DS002) and unrendered templates (DS009).

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::fields::{self, KubernetesVersion};
use crate::model::{
    Beside, DaemonSet, FluentBitGrace, MountedFile, Problem, Reader, Service, Spanned, image_path,
};
use crate::source::{SourceFile, Span};
use crate::unreadable::{
    ds001_yaml_syntax, ds002_invalid_structure, ds009_unrendered_template, ds010_removed_api_beside,
};
use crate::yaml::{Change, Node, ParseLimits, ParseOutcome, SyntaxError, Value, parse_stream};

#[derive(Default)]
pub struct Loaded {
    pub documents: usize,
    /// DaemonSet fragments (kustomize patches) that were recognised and not linted.
    pub partial: usize,
    pub daemonsets: Vec<DaemonSet>,
    /// The objects beside them that rules read.
    pub beside: Beside,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn load(source: &SourceFile) -> Loaded {
    load_for(source, KubernetesVersion::NEWEST)
}

/// Like [`load`], checking fields against the schema of the `target` release.
pub fn load_for(source: &SourceFile, target: KubernetesVersion) -> Loaded {
    load_parsed(source, &parse(source), target)
}

/// The parse the loader reads; [`load_parsed`] takes it, or one re-read from it.
pub fn parse(source: &SourceFile) -> ParseOutcome {
    parse_stream(&source.text, ParseLimits::default())
}

/// The parse of `new`, which is `old` with `changes` applied, re-reading only what changed
/// where it can.
pub fn reparse(
    old: &SourceFile,
    parsed: &ParseOutcome,
    changes: &[Change],
    new: &SourceFile,
) -> ParseOutcome {
    crate::yaml::reparse(
        &old.text,
        parsed,
        changes,
        &new.text,
        ParseLimits::default(),
    )
}

/// Like [`load_for`], from the source's parse.
pub fn load_parsed(
    source: &SourceFile,
    outcome: &ParseOutcome,
    target: KubernetesVersion,
) -> Loaded {
    let mut loaded = Loaded::default();
    if let Some(error) = &outcome.error {
        if let Some(at) = source.text.find("{{") {
            loaded
                .diagnostics
                .push(ds009_unrendered_template::diagnostic(Span::new(at, at + 2)));
            return loaded;
        }
        let diagnostic = match json_comment(&source.text) {
            Some(at) => ds001_yaml_syntax::json_comment(at),
            None => ds001_yaml_syntax::diagnostic(error.span, &error.message),
        };
        loaded.diagnostics.push(diagnostic);
    }
    let mut duplicates: Vec<&SyntaxError> = outcome.duplicate_keys.iter().collect();
    duplicates.sort_by_key(|d| d.span.start);
    // `// comment` then `{...}` is valid YAML (a plain string, or a key with the comment in
    // it) but kubectl decodes text that starts like JSON as JSON, and JSON has no comments.
    if outcome.error.is_none()
        && let Some(at) = json_comment(&source.text)
    {
        loaded.diagnostics.push(ds001_yaml_syntax::json_comment(at));
    }
    let configs = config_maps(&outcome.documents);
    let mut removed_beside = Vec::new();
    for doc in &outcome.documents {
        loaded.documents += 1;
        match list_items(doc) {
            Some(items) => {
                for item in items {
                    let item = typed_item(doc, item);
                    read_object(&item, target, &duplicates, &mut loaded);
                    removed_beside.extend(ds010_removed_api_beside::removed(&item));
                }
            }
            None => {
                read_object(doc, target, &duplicates, &mut loaded);
                removed_beside.extend(ds010_removed_api_beside::removed(doc));
            }
        }
    }
    // Only the objects shipped with a DaemonSet are ours to judge.
    if !loaded.daemonsets.is_empty() {
        let served = loaded.daemonsets.iter().any(|ds| {
            ds.api_version
                .as_ref()
                .is_some_and(|v| v.value == "apps/v1")
        });
        loaded
            .diagnostics
            .extend(ds010_removed_api_beside::diagnostic(
                &removed_beside,
                served,
            ));
    }
    for ds in &mut loaded.daemonsets {
        ds.offers_control_plane_toleration = source
            .text
            .get(ds.span.start as usize..ds.span.end as usize)
            .is_some_and(offers_control_plane_toleration);
        let mounted: Vec<&(String, Vec<(String, String)>)> = ds
            .pod()
            .map(|pod| {
                pod.volumes
                    .iter()
                    .filter_map(|v| v.config_map.as_deref())
                    .filter_map(|name| configs.iter().find(|(n, _)| n == name))
                    .collect()
            })
            .unwrap_or_default();
        ds.fluent_bit_grace = mounted.iter().find_map(|(name, data)| {
            Some(FluentBitGrace {
                config_map: name.clone(),
                seconds: data.iter().find_map(|(_, config)| service_grace(config))?,
            })
        });
        ds.mounted_config = mounted
            .iter()
            .flat_map(|(name, data)| {
                data.iter().map(|(key, text)| MountedFile {
                    config_map: name.clone(),
                    key: key.clone(),
                    text: text.clone(),
                })
            })
            .collect();
    }
    loaded
}

/// Whether a comment line of the object is a control-plane toleration's `key:` line, left for
/// the user to uncomment (Qualys's sensor: "Uncomment it if want your masters to run sensor
/// pod").
fn offers_control_plane_toleration(text: &str) -> bool {
    text.lines().any(|line| {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            return false;
        };
        let entry = comment.trim_start().trim_start_matches("- ").trim_start();
        entry.strip_prefix("key:").is_some_and(|key| {
            let key = key.trim().trim_matches(['"', '\'']);
            key == crate::model::CONTROL_PLANE || key == crate::model::MASTER
        })
    })
}

/// Each ConfigMap of the input by name, with its `data` entries (key and value).
fn config_maps(documents: &[Node]) -> Vec<(String, Vec<(String, String)>)> {
    documents
        .iter()
        .filter(|doc| doc.get("kind").and_then(Node::as_str) == Some("ConfigMap"))
        .filter_map(|doc| {
            let name = doc.get("metadata")?.get("name")?.as_str()?;
            let Value::Map(entries) = &doc.get("data")?.value else {
                return None;
            };
            let data = entries
                .iter()
                .filter_map(|e| Some((e.key.as_str().to_owned(), e.value.as_str()?.to_owned())))
                .collect();
            Some((name.to_owned(), data))
        })
        .collect()
}

/// Fluent Bit's `Grace` in a classic config (a `Grace N` line in its `[SERVICE]` section): how
/// long Fluent Bit waits to flush on SIGTERM, which the pod's grace period must exceed.
fn service_grace(config: &str) -> Option<i64> {
    let mut in_service = false;
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_service = line.eq_ignore_ascii_case("[SERVICE]");
            continue;
        }
        let mut words = line.split_whitespace();
        if in_service
            && words
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("grace"))
        {
            return words.next()?.parse().ok();
        }
    }
    None
}

/// Where a JSON-looking file has a `//` or `/* */` comment, which JSON does not allow. Only
/// asked once the text failed to parse, so YAML values that start with `//` are never judged.
fn json_comment(text: &str) -> Option<Span> {
    let trimmed = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if !trimmed.starts_with(['{', '[', '/']) {
        return None;
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        if body.starts_with("//") || body.starts_with("/*") {
            let at = offset + (line.len() - body.len());
            let end = at + body.trim_end().len();
            return Some(Span::new(at, end));
        }
        offset += line.len();
    }
    None
}

/// The items of `kind: List` (what `kubectl get -o yaml` prints) or of a typed list such as
/// `DaemonSetList` (what the API returns for a collection).
fn list_items(doc: &Node) -> Option<&[Node]> {
    let kind = doc.get("kind").and_then(Node::as_str)?;
    if !kind.ends_with("List") {
        return None;
    }
    match doc.get("items").map(|n| &n.value) {
        Some(Value::Seq(items)) => Some(items),
        _ => None,
    }
}

/// Items of a typed list such as `DaemonSetList` carry no `kind` or `apiVersion` of their
/// own: the list's type implies them. Borrowed from the list (spans included) so findings on
/// them point at the list's header.
fn typed_item<'a>(list: &Node, item: &'a Node) -> std::borrow::Cow<'a, Node> {
    let implied = list
        .entry("kind")
        .and_then(|k| Some((k, k.value.as_str()?.strip_suffix("List")?)))
        .filter(|(_, kind)| !kind.is_empty());
    let (Some((kind_entry, kind)), Value::Map(entries)) = (implied, &item.value) else {
        return std::borrow::Cow::Borrowed(item);
    };
    if item.entry("kind").is_some() {
        return std::borrow::Cow::Borrowed(item);
    }
    let mut entries = entries.clone();
    let mut kind_entry = kind_entry.clone();
    kind_entry.value.value = Value::Str(kind.to_owned());
    entries.insert(0, kind_entry);
    if item.entry("apiVersion").is_none()
        && let Some(api) = list.entry("apiVersion")
    {
        entries.insert(0, api.clone());
    }
    std::borrow::Cow::Owned(Node {
        span: item.span,
        value: Value::Map(entries),
    })
}

/// Duplicate keys are only DaemonSets' business: kubectl keeps the last value silently
/// (kubernetes#125885), so the earlier one is a value the author believes applies but does not.
fn duplicate_key(dup: &SyntaxError) -> Diagnostic {
    let key = dup
        .message
        .strip_prefix("duplicate key ")
        .unwrap_or(&dup.message);
    let mut d = ds002_invalid_structure::diagnostic(
        dup.span,
        format!(
            "{}: Kubernetes keeps the last value and silently drops this one",
            dup.message
        ),
    )
    .severity(Severity::Warning)
    .label("this value is dropped")
    .help(format!(
        "remove one of the two {key} keys; only the last one takes effect"
    ));
    if let Some(kept) = dup.related {
        d = d.related(kept, "this later value is the one kept");
    }
    d
}

/// The duplicates (sorted by position) whose dropped key lies inside `span`.
fn within<'a, 'd>(duplicates: &'a [&'d SyntaxError], span: Span) -> &'a [&'d SyntaxError] {
    let from = duplicates.partition_point(|d| d.span.start < span.start);
    let to = duplicates.partition_point(|d| d.span.start < span.end);
    &duplicates[from..to.max(from)]
}

/// Reads one object if it is a DaemonSet; anything else is not ours to judge.
fn read_object(
    node: &Node,
    target: KubernetesVersion,
    duplicates: &[&SyntaxError],
    loaded: &mut Loaded,
) {
    let Some(entry) = node.entry("kind") else {
        return;
    };
    let kind = entry.value.as_str().unwrap_or_default();
    if kind == "Service" {
        loaded.beside.services.push(Service::read(node));
        return;
    }
    if loaded.beside.rbac.read(kind, node) {
        return;
    }
    if kind != "DaemonSet" {
        return;
    }
    if is_patch_fragment(node) {
        loaded.partial += 1;
        return;
    }
    if let Some((span, text)) = placeholder(node) {
        let mut d = ds009_unrendered_template::diagnostic(span);
        d.message = format!(
            "`{text}` is an unrendered template placeholder; this DaemonSet was not linted"
        );
        d.label = Some("placeholder".into());
        d.help = Some(
            if text.trim().contains(char::is_whitespace) {
                "an operator fills this in: lint the DaemonSet it creates, e.g. `kubectl get \
                 daemonset NAME -o yaml | daemonlint -`"
            } else if text.contains("{{") {
                "lint the rendered manifest: `helm template RELEASE CHART | daemonlint -`"
            } else if text.contains("${") {
                "lint the substituted manifest: `envsubst < FILE | daemonlint -`"
            } else {
                "fill the placeholder in as the project's build or docs do (a Makefile's `sed`), \
                 and lint the result"
            }
            .into(),
        );
        loaded.diagnostics.push(d);
        return;
    }
    let kind = Spanned::new("DaemonSet".to_owned(), entry);
    let mut problems: Vec<Problem> = Vec::new();
    let ds = DaemonSet::read(
        node,
        kind,
        &mut Reader {
            problems: &mut problems,
        },
    );
    // The old API groups had fields of their own (templateGeneration), and DS007 reports
    // them; any other version is checked as apps/v1, whose `apiVersion` enum reports a typo
    // (`extentions/v1beta1`) with the rest of the tree.
    let old_group = |v: &Spanned<String>| {
        matches!(
            v.value.as_str(),
            "extensions/v1beta1" | "apps/v1beta2" | "apps/v1beta1"
        )
    };
    if !ds.api_version.as_ref().is_some_and(old_group) {
        fields::check(node, target, &mut problems);
    }
    // The model and the schema walk both judge the types of the fields the model reads; the
    // model reports first and more specifically, so the schema's report on that span goes.
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.span));
    // A misspelt selector is DS003's: the missing selector is what the API server refuses.
    if let Some(typo) = ds.spec.as_ref().and_then(|s| s.selector_typo.as_ref()) {
        problems.retain(|p| p.span != typo.key);
    }
    let object = ds.object_ref();
    let structure = problems.into_iter().map(|p| {
        let d = ds002_invalid_structure::diagnostic(p.span, p.message);
        match p.help {
            Some(help) => d.help(help),
            None => d,
        }
    });
    let dropped = within(duplicates, node.span)
        .iter()
        .map(|d| duplicate_key(d));
    loaded
        .diagnostics
        .extend(structure.chain(dropped).map(|mut d| {
            d.object = Some(object.clone());
            d
        }));
    loaded.daemonsets.push(ds);
}

/// A DaemonSet with no selector and no container image cannot be a complete object (apps/v1
/// requires the selector and every container an image), but it is exactly what a kustomize
/// strategic-merge patch looks like: only the fields it changes. Judging it for what it leaves
/// out would report the base's fields as missing; lint the output of `kustomize build`
/// instead. Labels do not decide: a patch may set them, and a complete DaemonSet that forgot
/// its selector has images and gets DS003.
fn is_patch_fragment(node: &Node) -> bool {
    let Some(spec) = node.get("spec") else {
        return false;
    };
    let selector = spec.get("selector").is_some_and(|s| !s.is_null());
    !selector && !has_image(spec)
}

/// Whether a regular container names an image: a complete DaemonSet always does (the API
/// requires at least one container, and each an image); a strategic-merge patch names only the
/// containers it changes, often init containers alone, or none.
fn has_image(spec: &Node) -> bool {
    let containers = spec
        .get("template")
        .and_then(|t| t.get("spec"))
        .and_then(|s| s.get("containers"));
    match containers.map(|c| &c.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .any(|c| c.get("image").is_some_and(|i| !i.is_null())),
        _ => false,
    }
}

/// The first value that is a Helm/Go (`{{ .Values.cpu }}`) or envsubst (`${IMAGE}`) placeholder,
/// or in an image a Makefile (`%VERSION%`, as Elastic's manifests carry) or documentation
/// (`<image_url>`) placeholder, in a field the rules judge: such a file parses as YAML but is still a template, and its
/// placeholders are not invalid quantities or mutable tags. Free text (annotations) and what a
/// shell or the agent reads (`command`, `args`, `env`) may hold braces legitimately.
fn placeholder(node: &Node) -> Option<(Span, String)> {
    match &node.value {
        Value::Str(s) if is_placeholder(s) => Some((node.span, s.clone())),
        Value::Seq(items) => items.iter().find_map(placeholder),
        Value::Map(entries) => entries
            .iter()
            .filter(|e| !matches!(e.key.as_str(), "annotations" | "command" | "args" | "env"))
            .find_map(|e| match &e.value.value {
                Value::Str(s) if e.key.as_str() == "image" && is_image_placeholder(s) => {
                    Some((e.value.span, s.clone()))
                }
                _ => placeholder(&e.value),
            }),
        _ => None,
    }
}

/// `%NAME%` (what a Makefile's `sed` replaces), `<name>` (what a reader replaces), a tag
/// that names what goes there (`:VERSION`) or words
/// (`FILLED BY THE OPERATOR`, what NVIDIA's GPU operator replaces in its assets) in an image
/// reference, which can hold no `%`, `<` or space. Elsewhere `%NAME%` may be real: Windows
/// expands `%CONTAINER_SANDBOX_MOUNT_POINT%` in a HostProcess container's paths.
fn is_image_placeholder(s: &str) -> bool {
    if s.trim().contains(char::is_whitespace) {
        return true;
    }
    let between = |open: char, close: char, word: &dyn Fn(char) -> bool| {
        s.match_indices(open).any(|(i, _)| {
            let rest = &s[i + 1..];
            rest.find(close)
                .is_some_and(|end| end > 0 && rest[..end].chars().all(word))
        })
    };
    between('%', '%', &|c| c.is_ascii_uppercase() || c == '_')
        || between('<', '>', &|c| {
            c.is_ascii_alphanumeric() || c == '_' || c == '-'
        })
        || word_tag(s)
        || upper_case_repository(s)
}

/// A repository path component written in capitals (`VALUE_IMAGE_NAME`, `REGISTRY/agent`):
/// a name a build step or a reader replaces. Mixed case (`Azure/aks-auditd`) is a real name
/// written wrongly, which DS011 reports.
fn upper_case_repository(image: &str) -> bool {
    // The tag may have capitals (`v1.0-RC1`), and so may the host.
    image_path(image).split('/').any(|component| {
        component.chars().any(|c| c.is_ascii_uppercase())
            && !component.chars().any(|c| c.is_ascii_lowercase())
    })
}

/// A tag that is a capitalised word naming what to put there (`kube-proxy:VERSION`, which
/// sig-windows-tools' docs replace with `sed`): no registry has such a tag, so the pull fails.
fn word_tag(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let Some((_, tag)) = name.rsplit_once(':').filter(|(repo, _)| !repo.is_empty()) else {
        return false;
    };
    !tag.contains('/') && crate::model::image_reference::placeholder_word(tag)
}

fn is_placeholder(s: &str) -> bool {
    // Both kinds need a `{`; most strings have none, so one byte scan settles them.
    if !s.as_bytes().contains(&b'{') {
        return false;
    }
    let go = s.find("{{").is_some_and(|start| s[start..].contains("}}"));
    let envsubst = s.match_indices("${").any(|(i, _)| {
        let rest = &s[i + 2..];
        rest.find('}').is_some_and(|end| {
            end > 0
                && rest[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    });
    go || envsubst
}

#[cfg(test)]
mod tests {
    use super::service_grace;

    #[test]
    fn fluent_bit_grace_is_read_from_the_service_section_only() {
        assert_eq!(
            service_grace("[SERVICE]\n    Flush 5\n    grace 30\n"),
            Some(30)
        );
        assert_eq!(
            service_grace("[INPUT]\n    Grace 30\n[SERVICE]\n    Flush 1\n"),
            None
        );
        assert_eq!(
            service_grace("[Service]\n  Grace   12\n[OUTPUT]\n  Grace 99\n"),
            Some(12)
        );
        assert_eq!(service_grace("no config here"), None);
    }
}
