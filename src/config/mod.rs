//! `.daemonlint.yaml`: fail level, rule severities, settings, excludes and overrides, read
//! with the same span-keeping YAML reader as manifests so every mistake is located.

mod starter;

pub use starter::{schema, starter};

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::diagnostic::{RuleMeta, Severity};
use crate::rules;
use crate::settings::Settings;
use crate::source::{SourceFile, Span};
use crate::yaml::{Entry, Node, ParseLimits, Value, parse_stream};

pub const FILE_NAMES: &[&str] = &[".daemonlint.yaml", ".daemonlint.yml"];

/// A rule's level: off, or on at a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// Severity changes by rule code, applied in order (later wins).
#[derive(Clone, Debug, Default)]
pub struct Levels(Vec<(&'static str, Level)>);

impl Levels {
    pub fn set(&mut self, code: &'static str, level: Level) {
        self.0.push((code, level));
    }

    fn apply(&self, code: &str, level: &mut Option<Level>) {
        for (c, l) in &self.0 {
            if *c == code {
                *level = Some(*l);
            }
        }
    }
}

pub struct Override {
    files: Option<GlobSet>,
    objects: Option<GlobSet>,
    levels: Levels,
    settings: Vec<Entry>,
}

/// The whole configuration after the file and the command line are combined.
#[derive(Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    /// `None` when the file does not say; `Some(None)` for `never`.
    pub fail_on: Option<Option<Severity>>,
    pub levels: Levels,
    /// `--select` and `--ignore`: applied after the file's rules and overrides.
    pub cli_levels: Levels,
    /// `--setting KEY=VALUE`: applied after the file's settings and overrides.
    pub cli_settings: Vec<Entry>,
    pub settings: Settings,
    pub exclude: Vec<String>,
    pub overrides: Vec<Override>,
}

/// What applies to one object: its settings and rule levels.
pub struct Effective<'a> {
    pub settings: Cow<'a, Settings>,
    levels: Vec<&'a Levels>,
}

impl Effective<'_> {
    /// The configured level of a rule, or `None` to keep each finding's own severity (some
    /// rules raise theirs for the worst cases).
    pub fn level(&self, rule: &RuleMeta) -> Option<Level> {
        let mut level = None;
        for l in &self.levels {
            l.apply(rule.code, &mut level);
        }
        level
    }
}

/// A config error with its location, rendered like a finding.
pub struct ConfigError {
    pub source: SourceFile,
    pub span: Span,
    pub message: String,
}

impl Config {
    /// Settings and levels for an object (`namespace/name`) in `file`; `object` is `None`
    /// for findings about the file itself.
    pub fn effective(&self, file: &str, object: Option<&str>) -> Effective<'_> {
        let mut levels = vec![&self.levels];
        let mut settings = Cow::Borrowed(&self.settings);
        let file = file.strip_prefix("./").unwrap_or(file);
        for o in &self.overrides {
            let file_ok = o.files.as_ref().is_none_or(|g| g.is_match(file));
            let object_ok = match (&o.objects, object) {
                (None, _) => true,
                (Some(g), Some(obj)) => g.is_match(obj),
                (Some(_), None) => false,
            };
            if file_ok && object_ok {
                levels.push(&o.levels);
                for e in &o.settings {
                    // Validated when the config was read.
                    let _ = settings.to_mut().apply(&e.key, &e.value);
                }
            }
        }
        levels.push(&self.cli_levels);
        for e in &self.cli_settings {
            // Validated when the command line was read.
            let _ = settings.to_mut().apply(&e.key, &e.value);
        }
        Effective { settings, levels }
    }

    /// Finds `.daemonlint.yaml` in `start` or the nearest parent folder.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = std::fs::canonicalize(start).ok()?;
        start
            .ancestors()
            .find_map(|dir| FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file()))
    }

    pub fn load(path: &Path) -> Result<Config, Box<ConfigError>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Box::new(ConfigError {
                source: SourceFile::new(path.display().to_string(), String::new()),
                span: Span::default(),
                message: format!("cannot read the config file: {e}"),
            })
        })?;
        let source = SourceFile::new(path.display().to_string(), text);
        let mut config = match parse(&source) {
            Ok(c) => c,
            Err((span, message)) => {
                return Err(Box::new(ConfigError {
                    source,
                    span,
                    message,
                }));
            }
        };
        config.path = Some(path.to_path_buf());
        Ok(config)
    }
}

/// Reads `KEY=VALUE` from the command line, the value as YAML, and checks it.
pub fn parse_setting(text: &str) -> Result<Entry, String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| "expected KEY=VALUE".to_owned())?;
    let outcome = parse_stream(value, ParseLimits::default());
    if let Some(e) = outcome.error {
        return Err(format!("the value is not valid YAML: {}", e.message));
    }
    let node = outcome.documents.into_iter().next().unwrap_or(Node {
        span: Span::default(),
        value: Value::Null,
    });
    Settings::default().apply(key, &node)?;
    Ok(Entry {
        key: key.to_owned(),
        key_span: Span::default(),
        value: node,
    })
}

type Error = (Span, String);

fn parse(source: &SourceFile) -> Result<Config, Error> {
    let outcome = parse_stream(&source.text, ParseLimits::default());
    if let Some(e) = outcome.error {
        return Err((e.span, format!("invalid YAML: {}", e.message)));
    }
    if let Some(d) = outcome.duplicate_keys.first() {
        return Err((d.span, d.message.clone()));
    }
    let mut config = Config::default();
    let Some(root) = outcome.documents.into_iter().next() else {
        return Ok(config);
    };
    let entries = match root.value {
        Value::Null => return Ok(config),
        Value::Map(entries) => entries,
        _ => return Err((root.span, "the config must be a mapping".to_owned())),
    };
    for e in &entries {
        match e.key.as_str() {
            "fail-on" => config.fail_on = Some(fail_on(&e.value)?),
            "rules" => config.levels = levels(&e.value)?,
            "settings" => {
                for s in map(&e.value, "settings")? {
                    config
                        .settings
                        .apply(&s.key, &s.value)
                        .map_err(|m| (setting_span(s, &m), m))?;
                }
            }
            "exclude" => config.exclude = strings(&e.value, "exclude")?,
            "overrides" => config.overrides = overrides(&e.value)?,
            other => {
                return Err((
                    e.key_span,
                    format!(
                        "unknown key `{other}`; expected fail-on, rules, settings, exclude or overrides"
                    ),
                ));
            }
        }
    }
    Ok(config)
}

/// An unknown setting is the key's fault; a bad value is the value's.
fn setting_span(entry: &Entry, message: &str) -> Span {
    if message.starts_with("unknown setting") {
        entry.key_span
    } else {
        entry.value.span
    }
}

pub fn parse_fail_on(text: &str) -> Option<Option<Severity>> {
    match text {
        "error" => Some(Some(Severity::Error)),
        "warning" => Some(Some(Severity::Warning)),
        "note" => Some(Some(Severity::Note)),
        "never" => Some(None),
        _ => None,
    }
}

fn fail_on(node: &Node) -> Result<Option<Severity>, Error> {
    node.as_str().and_then(parse_fail_on).ok_or_else(|| {
        (
            node.span,
            "`fail-on` must be error, warning, note or never".to_owned(),
        )
    })
}

fn map<'a>(node: &'a Node, what: &str) -> Result<&'a [Entry], Error> {
    match &node.value {
        Value::Map(entries) => Ok(entries),
        Value::Null => Ok(&[]),
        _ => Err((node.span, format!("`{what}` must be a mapping"))),
    }
}

fn strings(node: &Node, what: &str) -> Result<Vec<String>, Error> {
    let items = match &node.value {
        Value::Seq(items) => items,
        Value::Null => return Ok(Vec::new()),
        _ => return Err((node.span, format!("`{what}` must be a list of strings"))),
    };
    items
        .iter()
        .map(|i| {
            i.as_str()
                .map(str::to_owned)
                .ok_or_else(|| (i.span, format!("`{what}` must be a list of strings")))
        })
        .collect()
}

fn globs(node: &Node, what: &str) -> Result<GlobSet, Error> {
    let mut builder = GlobSetBuilder::new();
    for g in strings(node, what)? {
        let glob = Glob::new(&g).map_err(|e| (node.span, format!("invalid glob `{g}`: {e}")))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| (node.span, e.to_string()))
}

fn levels(node: &Node) -> Result<Levels, Error> {
    let mut levels = Levels::default();
    for e in map(node, "rules")? {
        let rule = rules::find(&e.key).ok_or_else(|| {
            (
                e.key_span,
                format!("unknown rule `{}`; `daemonlint rules` lists them", e.key),
            )
        })?;
        let level = match &e.value.value {
            Value::Str(s) if s == "off" => Level::Off,
            // YAML 1.1 reads a bare `off` as false.
            Value::Bool(false) => Level::Off,
            Value::Str(s) if s == "error" => Level::On(Severity::Error),
            Value::Str(s) if s == "warning" => Level::On(Severity::Warning),
            Value::Str(s) if s == "note" => Level::On(Severity::Note),
            _ => {
                return Err((
                    e.value.span,
                    format!("`{}` must be error, warning, note or off", e.key),
                ));
            }
        };
        levels.set(rule.code, level);
    }
    Ok(levels)
}

fn overrides(node: &Node) -> Result<Vec<Override>, Error> {
    let items = match &node.value {
        Value::Seq(items) => items,
        Value::Null => return Ok(Vec::new()),
        _ => return Err((node.span, "`overrides` must be a list".to_owned())),
    };
    let mut out = Vec::new();
    for item in items {
        let mut o = Override {
            files: None,
            objects: None,
            levels: Levels::default(),
            settings: Vec::new(),
        };
        for e in map(item, "override")? {
            match e.key.as_str() {
                "files" => o.files = Some(globs(&e.value, "files")?),
                "objects" => o.objects = Some(globs(&e.value, "objects")?),
                "rules" => o.levels = levels(&e.value)?,
                "settings" => {
                    for s in map(&e.value, "settings")? {
                        Settings::default()
                            .apply(&s.key, &s.value)
                            .map_err(|m| (setting_span(s, &m), m))?;
                        o.settings.push(s.clone());
                    }
                }
                "reason" => {
                    e.value
                        .as_str()
                        .ok_or_else(|| (e.value.span, "`reason` must be a string".to_owned()))?;
                }
                other => {
                    return Err((
                        e.key_span,
                        format!(
                            "unknown key `{other}` in an override; expected files, objects, rules, settings or reason"
                        ),
                    ));
                }
            }
        }
        if o.files.is_none() && o.objects.is_none() {
            return Err((
                item.span,
                "an override needs `files` or `objects`".to_owned(),
            ));
        }
        out.push(o);
    }
    Ok(out)
}
