//! Command-line interface: subcommands, output selection and exit codes.

mod args;
mod console;
mod report;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

use args::{Cli, ColorChoice, Command, Format, LintArgs, ListFormat};
use console::{Console, Trouble};
use report::Run;

use crate::config::lookup::Lookup;
use crate::config::{Config, Excludes, Level, normalize};
use crate::diagnostic::Severity;
use crate::discover::{Request, discover};
use crate::lint::{Linter, Output};
use crate::render::{Summary, human};
use crate::rules;

const EXIT_FINDINGS: u8 = 1;
const EXIT_FAILURE: u8 = 2;

pub fn run() -> ExitCode {
    let console = Console::default();
    let code = dispatch(&console);
    match console.trouble() {
        // The reader went away (`| head`): what it read was the point, not an error.
        Some(Trouble::Gone) => ExitCode::from(code.min(EXIT_FINDINGS)),
        Some(Trouble::Failed) => ExitCode::from(EXIT_FAILURE),
        None => ExitCode::from(code),
    }
}

fn dispatch(console: &Console) -> u8 {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return clap_error(&e, console),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e, console),
    };
    match &cli.command {
        Some(Command::Rules { format }) => list_rules(*format, console),
        Some(Command::Explain { rule }) => explain(rule, console),
        Some(Command::Completions { shell }) => completions(*shell, console),
        Some(Command::Init { force }) => init(*force, console),
        Some(Command::Coverage(args)) => {
            let outcome = crate::coverage::run(args);
            outcome.messages.iter().for_each(|m| console.err(m));
            console.out(&outcome.report);
            outcome.code
        }
        Some(Command::Check(lint_args)) => {
            let sub = matches.subcommand_matches("check").unwrap_or(&matches);
            lint(lint_args, sub, console)
        }
        None => lint(&cli.lint, &matches, console),
    }
}

fn clap_error(e: &clap::Error, console: &Console) -> u8 {
    let text = e.render().ansi().to_string();
    if e.use_stderr() {
        console.err(&text);
        EXIT_FAILURE
    } else {
        console.out(&text);
        0
    }
}

/// Pairs each `--output` with the `--format` given just before it, by position on the
/// command line; an `--output` with no format before it is an error.
fn destinations(
    args: &LintArgs,
    matches: &ArgMatches,
) -> Result<Vec<(Format, Option<PathBuf>)>, String> {
    if args.format.is_empty() {
        if let Some(out) = args.output.first() {
            return Err(format!(
                "--output {} needs a --format before it",
                out.display()
            ));
        }
        let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        return Ok(vec![(
            if github {
                Format::Github
            } else {
                Format::Human
            },
            None,
        )]);
    }
    let mut events: Vec<(usize, Option<Format>, Option<&PathBuf>)> = Vec::new();
    let format_at = matches.indices_of("format").into_iter().flatten();
    events.extend(
        format_at
            .zip(&args.format)
            .map(|(i, f)| (i, Some(*f), None)),
    );
    let output_at = matches.indices_of("output").into_iter().flatten();
    events.extend(output_at.zip(&args.output).map(|(i, o)| (i, None, Some(o))));
    events.sort_by_key(|(i, _, _)| *i);
    let mut pairs: Vec<(Format, Option<PathBuf>)> = Vec::new();
    for (_, format, output) in events {
        match (format, output) {
            (Some(f), _) => pairs.push((f, None)),
            (None, Some(o)) => match pairs.last_mut() {
                Some((_, slot @ None)) => *slot = Some(o.clone()),
                _ => {
                    return Err(format!(
                        "--output {} needs its own --format right before it",
                        o.display()
                    ));
                }
            },
            (None, None) => {}
        }
    }
    if pairs.iter().filter(|(_, out)| out.is_none()).count() > 1 {
        return Err(
            "only one --format can go to standard output; give the others an --output".to_owned(),
        );
    }
    check_outputs(&pairs, &args.paths)?;
    Ok(pairs)
}

/// Two reports written to one file, or a report written over an input, lose data silently.
fn check_outputs(pairs: &[(Format, Option<PathBuf>)], inputs: &[String]) -> Result<(), String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let key = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| normalize(&cwd.join(p)));
    let mut seen: Vec<PathBuf> = Vec::new();
    for out in pairs.iter().filter_map(|(_, o)| o.as_deref()) {
        let k = key(out);
        if seen.contains(&k) {
            return Err(format!("--output {} is given twice", out.display()));
        }
        let clobbers = inputs
            .iter()
            .filter(|i| *i != "-")
            .map(|i| key(Path::new(i)))
            .any(|i| k == i || k.starts_with(&i) && wanted_report(out));
        if clobbers {
            return Err(format!(
                "--output {} would overwrite an input being linted",
                out.display()
            ));
        }
        seen.push(k);
    }
    Ok(())
}

/// A report inside a linted folder is only a clash when the walk would lint it.
fn wanted_report(path: &Path) -> bool {
    path.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| matches!(x, "yaml" | "yml" | "json"))
}

/// What the command line lays over every config: `--setting`, `--select`, `--ignore`.
fn overlay(args: &LintArgs, config: &mut Config) -> Result<(), String> {
    for setting in &args.setting {
        let entry = crate::config::parse_setting(setting)
            .map_err(|m| format!("error: --setting {setting}: {m}"))?;
        config.cli_settings.push(entry);
    }
    for name in &args.ignore {
        for code in matching_rules(name)? {
            config.cli_levels.set(code, Level::Off);
        }
    }
    if !args.select.is_empty() {
        let mut selected = Vec::new();
        for name in &args.select {
            selected.extend(matching_rules(name)?);
        }
        for meta in rules::ALL {
            if !selected.contains(&meta.code) {
                config.cli_levels.set(meta.code, Level::Off);
            }
        }
    }
    Ok(())
}

/// `--nodes`: the cluster's taints join the config's own `required-tolerations`.
fn add_required_taints(config: &mut Config, taints: &[crate::model::taint::Taint]) {
    let mut all: Vec<String> = config
        .settings
        .required_tolerations
        .iter()
        .map(ToString::to_string)
        .collect();
    for t in taints {
        let text = t.to_string();
        if !all.contains(&text) {
            all.push(text);
        }
    }
    let list = all
        .iter()
        .map(|t| format!("'{}'", t.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    // The taints were validated when the nodes were read, so the setting always parses.
    if let Ok(entry) = crate::config::parse_setting(&format!("required-tolerations=[{list}]")) {
        config.cli_settings.push(entry);
    }
}

/// Rule codes named by a code, a name or a code prefix.
fn matching_rules(name: &str) -> Result<Vec<&'static str>, String> {
    if let Some(meta) = rules::find(name) {
        return Ok(vec![meta.code]);
    }
    let prefix = name.to_ascii_uppercase();
    let codes: Vec<_> = rules::ALL
        .iter()
        .filter(|m| prefix.len() >= 3 && m.code.starts_with(&prefix))
        .map(|m| m.code)
        .collect();
    if codes.is_empty() {
        let hint = rules::did_you_mean(name)
            .map(|h| format!("; did you mean {h}?"))
            .unwrap_or_else(|| "; `daemonlint rules` lists them".to_owned());
        return Err(format!("error: no rule matches `{name}`{hint}"));
    }
    Ok(codes)
}

fn lint(args: &LintArgs, matches: &ArgMatches, console: &Console) -> u8 {
    let color = use_color(args.color);
    let mut lookup = match (&args.config, args.no_config) {
        (_, true) => Lookup::disabled(),
        (Some(path), false) => Lookup::fixed(path),
        (None, false) => Lookup::discover(),
    };
    let destinations = match destinations(args, matches) {
        Ok(d) => d,
        Err(message) => {
            console.err(&format!("error: {message}"));
            return EXIT_FAILURE;
        }
    };
    if destinations.iter().any(|(_, out)| out.is_none()) && !crate::read::descriptor_open(1) {
        console.err("error: standard output is closed; give the report an --output FILE");
        return EXIT_FAILURE;
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let excludes = match Excludes::new(&cwd, &args.exclude) {
        Ok(e) => e,
        Err(message) => {
            console.err(&format!("error: {message}"));
            return EXIT_FAILURE;
        }
    };
    let stdin_only = ["-".to_owned()];
    let paths = if args.paths.is_empty() && args.stdin_filename.is_some() {
        &stdin_only[..]
    } else {
        &args.paths[..]
    };
    let stdin_name = args.stdin_filename.as_deref().unwrap_or("<stdin>");
    let request = Request {
        paths,
        stdin_name,
        excludes,
        force_exclude: args.force_exclude,
        respect_ignore: !args.no_ignore,
    };
    let (found, mut found_lookup) = discover(&request, std::mem::take(&mut lookup));
    if !found_lookup.errors.is_empty() {
        for e in &found_lookup.errors {
            console.err(&human::render_error(&e.source, e.span, &e.message, color));
        }
        return EXIT_FAILURE;
    }
    let cluster = match &args.nodes {
        Some(path) => match crate::coverage::cluster(path) {
            Ok(cluster) => Some(std::sync::Arc::new(cluster)),
            Err(message) => {
                console.err(&format!("error: {message}"));
                return EXIT_FAILURE;
            }
        },
        None => None,
    };
    let node_taints = cluster
        .as_deref()
        .map(crate::coverage::required_taints)
        .unwrap_or_default();
    let mut fallback = Config::default();
    for config in found_lookup.configs.iter_mut().chain([&mut fallback]) {
        if let Err(message) = overlay(args, config) {
            console.err(&message);
            return EXIT_FAILURE;
        }
        if !node_taints.is_empty() {
            add_required_taints(config, &node_taints);
        }
        config.settings.cluster.clone_from(&cluster);
    }
    if args.verbose {
        explain_configs(&found_lookup, console);
    }
    for s in &found.skipped {
        console.err(&format!("warning: {s}"));
    }
    if found.inputs.is_empty() && found.failures.is_empty() {
        let under = if paths.is_empty() {
            ".".to_owned()
        } else {
            paths.join(", ")
        };
        console.err(&format!(
            "warning: no YAML or JSON files found under {under}"
        ));
    }
    // Colors only for human output on a terminal; never into files.
    let human = destinations.iter().find(|(f, _)| *f == Format::Human);
    let color = human.is_some_and(|(_, out)| out.is_none()) && color;
    let output = match human {
        // `--diff` prints diffs, not findings.
        Some(_) if !args.statistics && !args.quiet && !args.diff => {
            human::output(color, human::terminal_width())
        }
        _ => Output::Data,
    };
    let shown = args.severity.map(args::ShowLevel::severity);
    let threshold_override = args.fail_on.map(args::FailOn::threshold);
    let thresholds: Vec<Option<Severity>> = found_lookup
        .configs
        .iter()
        .map(|c| threshold_override.unwrap_or_else(|| c.fail_on.unwrap_or(Some(Severity::Warning))))
        .collect();
    let default_threshold = threshold_override.unwrap_or(Some(Severity::Warning));
    let linter = Linter::with_configs(
        output,
        found_lookup.configs,
        fallback,
        args.max_file_size,
        args.show_suppressed,
    )
    .showing(shown)
    .fixing(fix_mode(args));
    let mut failures = found.failures;
    let mut summary = Summary::default();
    let mut reports = Vec::with_capacity(found.inputs.len());
    let mut failing = false;
    let expand = crate::remap::Options {
        output,
        shown,
        chart_root: args.chart_root.clone(),
    };
    for (input, result) in crate::remap::lint(&linter, found.inputs, &expand) {
        match result {
            Ok(report) => {
                let threshold = input
                    .config
                    .and_then(|i| thresholds.get(i).copied())
                    .unwrap_or(default_threshold);
                failing |= report.fails(threshold);
                if input.origin == crate::discover::Origin::Stdin && report.empty {
                    console.err(&format!(
                        "warning: {}: standard input was empty",
                        input.display
                    ));
                }
                summary.add(&report);
                reports.push(report);
            }
            Err(message) => failures.push(message),
        }
    }
    let run = Run {
        reports: &reports,
        summary,
        failures: &failures,
        statistics: args.statistics,
        show_suppressed: args.show_suppressed,
        quiet: args.quiet,
        shown,
        color,
        threshold: default_threshold,
    };
    for f in &failures {
        console.err(&format!("error: {f}"));
    }
    if (args.fix || args.diff)
        && let Some(code) = report_fixes(args, &reports, &failures, console)
    {
        return code;
    }
    let to_stderr = args.fix
        && reports
            .iter()
            .any(|r| r.fix.as_ref().is_some_and(|f| f.text.is_some()));
    for (format, destination) in &destinations {
        let text = run.render(*format);
        match destination {
            Some(path) => {
                if let Err(e) = write_atomically(path, &text) {
                    console.err(&format!("error: cannot write {}: {e}", path.display()));
                    return EXIT_FAILURE;
                }
            }
            None if to_stderr => console.err(text.trim_end_matches('\n')),
            None => {
                if !console.out(&text) {
                    break;
                }
            }
        }
    }
    if console.trouble() == Some(Trouble::Failed) {
        console.err("error: cannot write the report to standard output");
        return EXIT_FAILURE;
    }
    if !failures.is_empty() {
        return EXIT_FAILURE;
    }
    if failing { EXIT_FINDINGS } else { 0 }
}

fn fix_mode(args: &LintArgs) -> Option<crate::fix::FixMode> {
    (args.fix || args.diff).then_some(crate::fix::FixMode {
        unsafe_fixes: args.unsafe_fixes,
        diff_only: args.diff,
    })
}

/// What `--fix` and `--diff` say besides the report. `--diff` prints the diffs instead of a
/// report and decides the exit code (`Some`); `--fix` prints a fixed standard input.
fn report_fixes(
    args: &LintArgs,
    reports: &[crate::lint::FileReport],
    failures: &[String],
    console: &Console,
) -> Option<u8> {
    let fixes: Vec<_> = reports.iter().filter_map(|r| r.fix.as_ref()).collect();
    for dropped in fixes.iter().flat_map(|f| &f.dropped) {
        console.err(&format!("warning: {dropped}"));
    }
    let applied: usize = fixes.iter().map(|f| f.applied).sum();
    let files = fixes.iter().filter(|f| f.changed).count();
    // Overlays sharing a base suggest the same edit to it: shown once, under the first
    // overlay's header.
    let mut suggested: Vec<&str> = Vec::new();
    for text in fixes.iter().flat_map(|f| &f.suggested) {
        let body = |t: &str| t.find("\n--- ").unwrap_or(t.len());
        let edit = &text[body(text)..];
        if !suggested.iter().any(|s| s[body(s)..] == *edit) {
            suggested.push(text);
        }
    }
    let suggested_note = match suggested.len() {
        0 => String::new(),
        n => format!(
            "; suggested {} to kustomize sources (not applied)",
            crate::render::plural(n, "edit")
        ),
    };
    if args.diff {
        let diff: String = fixes.iter().map(|f| f.diff.as_str()).collect();
        console.out(&diff);
        console.out(&suggested.concat());
        console.err(&format!(
            "would fix {} in {}{suggested_note}",
            crate::render::plural(applied, "finding"),
            crate::render::plural(files, "file")
        ));
        return Some(if !failures.is_empty() {
            EXIT_FAILURE
        } else if files > 0 || !suggested.is_empty() {
            EXIT_FINDINGS
        } else {
            0
        });
    }
    for text in fixes.iter().filter_map(|f| f.text.as_deref()) {
        console.out(text);
    }
    // Standard output holds the report (or a fixed standard input): suggestions go beside
    // the warnings.
    for text in &suggested {
        console.err(text.trim_end_matches('\n'));
    }
    console.err(&format!(
        "fixed {} in {}{suggested_note}",
        crate::render::plural(applied, "finding"),
        crate::render::plural(files, "file")
    ));
    None
}

/// Reports go to a temporary file renamed into place, so a reader never sees half a report.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".daemonlint-tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// `--verbose`: which config governs which folders.
fn explain_configs(lookup: &Lookup, console: &Console) {
    if lookup.configs.is_empty() {
        console.err("config: none found (built-in defaults apply)");
        return;
    }
    for (i, config) in lookup.configs.iter().enumerate() {
        let path = config
            .path
            .as_deref()
            .map_or_else(|| "<none>".to_owned(), |p| p.display().to_string());
        let dirs: Vec<String> = lookup
            .uses
            .iter()
            .filter(|(index, _)| *index == i)
            .map(|(_, d)| d.display().to_string())
            .collect();
        console.err(&format!("config: {path} applies to {}", dirs.join(", ")));
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn list_rules(format: ListFormat, console: &Console) -> u8 {
    // `daemonlint rules` in a repository with a `rules/` folder may have meant the folder.
    if Path::new("rules").is_dir() {
        console.err(
            "note: listing daemonlint's rules; to lint the folder `rules/`, run `daemonlint check rules` or `daemonlint ./rules`",
        );
    }
    let text = match format {
        ListFormat::Text => rules::ALL
            .iter()
            .map(|m| {
                format!(
                    "{:<6} {:<34} {:<8} {:<6} {}\n",
                    m.code,
                    m.name,
                    m.severity.as_str(),
                    m.fixable().map_or("-", |a| a.as_str()),
                    m.summary
                )
            })
            .collect(),
        ListFormat::Json => {
            let list: Vec<_> = rules::ALL
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "code": m.code,
                        "name": m.name,
                        "severity": m.severity.as_str(),
                        "summary": m.summary,
                        "fix": m.fixable().map(|a| a.as_str()),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
        }
    };
    console.out(&text);
    0
}

/// `explain profiles`: how agents and containers are judged (not a rule, but asked the same way).
const PROFILES_PAGE: &str = include_str!("../../rules/profiles.md");

fn explain(rule: &str, console: &Console) -> u8 {
    if rule == "profiles" {
        console.out(PROFILES_PAGE);
        return 0;
    }
    match rules::find(rule) {
        Some(meta) => {
            console.out(meta.doc);
            0
        }
        None => {
            let hint = rules::did_you_mean(rule)
                .map(|h| format!("; did you mean {h}?"))
                .unwrap_or_else(|| "; `daemonlint rules` lists them all".to_owned());
            console.err(&format!("error: no rule `{rule}`{hint}"));
            EXIT_FAILURE
        }
    }
}

fn completions(shell: clap_complete::Shell, console: &Console) -> u8 {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "daemonlint", &mut buf);
    console.out(&String::from_utf8_lossy(&buf));
    0
}

fn init(force: bool, console: &Console) -> u8 {
    let path = Path::new(crate::config::FILE_NAMES[0]);
    if path.exists() && !force {
        console.err(&format!(
            "error: {} exists; use --force to overwrite it",
            path.display()
        ));
        return EXIT_FAILURE;
    }
    match std::fs::write(path, crate::config::starter()) {
        Ok(()) => {
            console.out(&format!("wrote {}\n", path.display()));
            0
        }
        Err(e) => {
            console.err(&format!("error: cannot write {}: {e}", path.display()));
            EXIT_FAILURE
        }
    }
}
