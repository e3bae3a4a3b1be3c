//! `.daemonlint.yaml`: fail level, rule severities, settings, excludes and overrides, read
//! with the same span-keeping YAML reader as manifests so every mistake is located.

mod excludes;
pub mod lookup;
mod render;
mod starter;

pub use excludes::{Excludes, normalize};
pub use render::{ChartEntry, Render};
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

/// No real config comes near this; a larger "config" is a mistake (or `/dev/zero`).
const CONFIG_SIZE_LIMIT: u64 = 1 << 20;

/// The default `max-file-size`: far above any real manifest stream, far below what hurts.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;

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
    /// `exclude`, matched relative to `base`.
    pub excludes: Excludes,
    /// The config file's folder: its globs are relative to it.
    pub base: PathBuf,
    /// Largest input read, in bytes (`max-file-size`); `None` for the default.
    pub max_file_size: Option<u64>,
    pub overrides: Vec<Override>,
    /// `charts:`: how each listed chart is rendered (paths absolute once loaded).
    pub charts: Vec<ChartEntry>,
    /// `render:`: the renderers' commands and whether they are required.
    pub render: Render,
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

    pub fn load(path: &Path) -> Result<Config, Box<ConfigError>> {
        let fail = |message: String| {
            Box::new(ConfigError {
                source: SourceFile::new(path.display().to_string(), String::new()),
                span: Span::default(),
                message,
            })
        };
        let bytes = crate::read::file(path, CONFIG_SIZE_LIMIT)
            .map_err(|e| fail(format!("cannot read the config file: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| fail("the config file is not UTF-8 text".to_owned()))?;
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
        let cwd = std::env::current_dir().unwrap_or_default();
        let absolute = normalize(&cwd.join(path));
        config.base = absolute.parent().unwrap_or(&absolute).to_path_buf();
        render::resolve_commands(&mut config.render, &config.base);
        if let Err((span, message)) = render::resolve(&mut config.charts, &config.base) {
            return Err(Box::new(ConfigError {
                source,
                span,
                message,
            }));
        }
        // Each glob was checked when the file was read.
        config.excludes = Excludes::new(&config.base, &config.exclude).unwrap_or_default();
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
            "exclude" => {
                config.exclude = strings(&e.value, "exclude")?;
                check_excludes(&e.value)?;
            }
            "max-file-size" => config.max_file_size = Some(file_size(&e.value)?),
            "overrides" => config.overrides = overrides(&e.value)?,
            "charts" => config.charts = render::charts(&e.value)?,
            "render" => config.render = render::render(&e.value)?,
            other => {
                return Err((
                    e.key_span,
                    format!(
                        "unknown key `{other}`; expected fail-on, rules, settings, exclude, max-file-size, overrides, charts or render"
                    ),
                ));
            }
        }
    }
    Ok(config)
}

fn check_excludes(node: &Node) -> Result<(), Error> {
    if let Value::Seq(items) = &node.value {
        for item in items {
            if let Some(glob) = item.as_str() {
                Excludes::new(Path::new("/"), &[glob.to_owned()]).map_err(|m| (item.span, m))?;
            }
        }
    }
    Ok(())
}

/// `max-file-size`: bytes, or a size with a binary suffix (`64Mi`, `1Gi`).
fn file_size(node: &Node) -> Result<u64, Error> {
    let bad = || {
        (
            node.span,
            "`max-file-size` must be a number of bytes or a size such as 64Mi".to_owned(),
        )
    };
    match &node.value {
        Value::Int(n) => u64::try_from(*n).ok().filter(|n| *n > 0).ok_or_else(bad),
        Value::Str(s) => parse_size(s).ok_or_else(bad),
        _ => Err(bad()),
    }
}

pub fn parse_size(text: &str) -> Option<u64> {
    let (digits, shift) = [("Ki", 10), ("Mi", 20), ("Gi", 30)]
        .iter()
        .find_map(|(suffix, shift)| text.strip_suffix(suffix).map(|d| (d, *shift)))
        .unwrap_or((text, 0));
    let n: u64 = digits.parse().ok()?;
    n.checked_mul(1 << shift).filter(|n| *n > 0)
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
            let hint = rules::did_you_mean(&e.key)
                .map(|h| format!("did you mean {h}?"))
                .unwrap_or_else(|| "`daemonlint rules` lists them".to_owned());
            (e.key_span, format!("unknown rule `{}`; {hint}", e.key))
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
