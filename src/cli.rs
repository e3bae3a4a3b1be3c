//! Command-line interface: arguments, subcommands, output selection and exit codes.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::config::{Config, Level};
use crate::diagnostic::Severity;
use crate::discover::{Excludes, discover};
use crate::lint::{Linter, Output};
use crate::render::{self, Summary, human};
use crate::rules;

/// Lint Kubernetes DaemonSet manifests against a production checklist for node agents.
#[derive(Parser, Debug)]
#[command(
    name = "daemonlint",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Files and folders to lint (`-` reads standard input). Folders are searched for
    /// *.yaml, *.yml and *.json. Default: the current folder.
    paths: Vec<String>,

    /// Output format (repeatable). Each `--format` pairs with the `--output` in the same
    /// position; a format without one goes to standard output. Default: human, or github when
    /// GITHUB_ACTIONS=true.
    #[arg(long, value_enum)]
    format: Vec<Format>,

    /// Write the matching `--format` to this file instead of standard output (repeatable).
    #[arg(long, value_name = "FILE")]
    output: Vec<PathBuf>,

    /// Print how often each rule fired instead of the findings (human and concise output).
    #[arg(long)]
    statistics: bool,

    /// When to use colors in human output (NO_COLOR is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Lowest severity that makes the exit code 1 [default: warning, or the config's].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,

    /// Use this config file instead of looking for .daemonlint.yaml.
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    config: Option<PathBuf>,

    /// Ignore any .daemonlint.yaml.
    #[arg(long)]
    no_config: bool,

    /// Run only these rules: codes (DS303), names (privileged-container) or code prefixes
    /// (DS3), comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,

    /// Turn these rules off (same forms as --select).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,

    /// Also show findings hidden by suppressions.
    #[arg(long)]
    show_suppressed: bool,

    /// Skip files and folders matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,

    /// Name to show for standard input in reports.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    stdin_filename: String,

    /// Set one setting, over the config file: `--setting cluster-nodes=40`,
    /// `--setting required-tolerations=[dedicated=gpu:NoSchedule]` (repeatable; the value is
    /// read as YAML).
    #[arg(long, value_name = "KEY=VALUE")]
    setting: Vec<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List every rule with its code, name, default severity and summary.
    Rules,
    /// Print a rule's documentation page.
    Explain {
        /// Rule code (DS003) or name (selector-mismatch).
        rule: String,
    },
    /// Write a commented starter .daemonlint.yaml with every setting and its default.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    Gitlab,
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

const EXIT_FINDINGS: u8 = 1;
const EXIT_FAILURE: u8 = 2;

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_FAILURE } else { 0 });
        }
    };
    match &cli.command {
        Some(Command::Rules) => list_rules(),
        Some(Command::Explain { rule }) => explain(rule),
        Some(Command::Completions { shell }) => completions(*shell),
        Some(Command::Init { force }) => init(*force),
        None => lint(&cli),
    }
}

/// Where each requested format goes: a file, or standard output (`None`).
fn destinations(cli: &Cli) -> Result<Vec<(Format, Option<PathBuf>)>, String> {
    let formats = if cli.format.is_empty() {
        let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        vec![if github {
            Format::Github
        } else {
            Format::Human
        }]
    } else {
        cli.format.clone()
    };
    if cli.output.len() > formats.len() {
        return Err("each --output needs a --format before it".to_owned());
    }
    let mut outputs = cli.output.iter().cloned().map(Some);
    let pairs: Vec<_> = formats
        .into_iter()
        .map(|f| (f, outputs.next().flatten()))
        .collect();
    if pairs.iter().filter(|(_, out)| out.is_none()).count() > 1 {
        return Err(
            "only one --format can go to standard output; give the others an --output".to_owned(),
        );
    }
    Ok(pairs)
}

/// The config file (found or given) with the command line's choices on top.
fn load_config(cli: &Cli) -> Result<Config, String> {
    let path = match (&cli.config, cli.no_config) {
        (_, true) => None,
        (Some(p), false) => Some(p.clone()),
        (None, false) => Config::discover(Path::new(".")),
    };
    let mut config = match path {
        // Config errors come framed, like findings, and need no `error:` prefix.
        Some(p) => Config::load(&p).map_err(|e| {
            human::render_error(&e.source, e.span, &e.message, use_color(cli.color))
        })?,
        None => Config::default(),
    };
    for setting in &cli.setting {
        let entry = crate::config::parse_setting(setting)
            .map_err(|m| format!("error: --setting {setting}: {m}\n"))?;
        config.cli_settings.push(entry);
    }
    for name in &cli.ignore {
        for code in matching_rules(name)? {
            config.cli_levels.set(code, Level::Off);
        }
    }
    if !cli.select.is_empty() {
        let mut selected = Vec::new();
        for name in &cli.select {
            selected.extend(matching_rules(name)?);
        }
        for meta in rules::ALL {
            if !selected.contains(&meta.code) {
                config.cli_levels.set(meta.code, Level::Off);
            }
        }
    }
    Ok(config)
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
        return Err(format!(
            "error: no rule matches `{name}`; `daemonlint rules` lists them\n"
        ));
    }
    Ok(codes)
}

fn lint(cli: &Cli) -> ExitCode {
    let config = match load_config(cli) {
        Ok(c) => c,
        Err(message) => {
            eprint!("{message}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let mut exclude = config.exclude.clone();
    exclude.extend(cli.exclude.iter().cloned());
    let threshold = match cli.fail_on {
        Some(f) => f.threshold(),
        None => config.fail_on.unwrap_or(Some(Severity::Warning)),
    };
    let excludes = match Excludes::new(&exclude) {
        Ok(e) => e,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let destinations = match destinations(cli) {
        Ok(d) => d,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    // Colors only for human output on a terminal; never into files.
    let human = destinations.iter().find(|(f, _)| *f == Format::Human);
    let color = human.is_some_and(|(_, out)| out.is_none()) && use_color(cli.color);
    let output = match human {
        Some(_) if !cli.statistics => Output::Human { color },
        _ => Output::Data,
    };
    let (inputs, mut failures) = discover(&cli.paths, &excludes, &cli.stdin_filename);
    let linter = Linter::with_config(output, config, cli.show_suppressed);
    let mut summary = Summary::default();
    let mut reports = Vec::with_capacity(inputs.len());
    for result in linter.lint_all(&inputs) {
        match result {
            Ok(report) => {
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
        statistics: cli.statistics,
        show_suppressed: cli.show_suppressed,
        color,
        threshold,
    };
    for f in &failures {
        eprintln!("error: {f}");
    }
    for (format, destination) in &destinations {
        let text = run.render(*format);
        let written = match destination {
            Some(path) => {
                std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
            }
            None => std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map_err(|e| format!("standard output: {e}")),
        };
        if let Err(message) = written {
            // A closed pipe (`| head`) lands here too; it is not worth a panic.
            eprintln!("error: cannot write {message}");
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    if !failures.is_empty() {
        return ExitCode::from(EXIT_FAILURE);
    }
    let failing = match (threshold, summary.worst()) {
        (Some(threshold), Some(worst)) => worst >= threshold,
        _ => false,
    };
    ExitCode::from(if failing { EXIT_FINDINGS } else { 0 })
}

/// Everything a renderer may need from one run.
struct Run<'a> {
    reports: &'a [crate::lint::FileReport],
    summary: Summary,
    failures: &'a [String],
    statistics: bool,
    show_suppressed: bool,
    color: bool,
    threshold: Option<Severity>,
}

impl Run<'_> {
    fn findings(&self) -> Vec<&render::Finding> {
        if self.show_suppressed {
            return self.all_findings();
        }
        self.reports.iter().flat_map(|r| &r.diagnostics).collect()
    }

    /// Reported and suppressed findings, in file and position order.
    fn all_findings(&self) -> Vec<&render::Finding> {
        let mut all = Vec::new();
        for r in self.reports {
            let mut file: Vec<&render::Finding> =
                r.diagnostics.iter().chain(&r.suppressed).collect();
            file.sort_by_key(|f| (f.line, f.column, f.code));
            all.extend(file);
        }
        all
    }

    fn render(&self, format: Format) -> String {
        let lines = |f: fn(&render::Finding) -> String| -> String {
            self.findings().into_iter().map(|d| f(d) + "\n").collect()
        };
        match format {
            Format::Human if self.statistics => {
                render::statistics::render(&self.findings())
                    + &human::summary_line(&self.summary, self.failures.len(), self.color)
                    + "\n"
            }
            Format::Concise if self.statistics => render::statistics::render(&self.findings()),
            Format::Human => {
                let mut text: String = self.reports.iter().map(|r| r.rendered.as_str()).collect();
                text.push_str(&human::summary_line(
                    &self.summary,
                    self.failures.len(),
                    self.color,
                ));
                text.push('\n');
                text
            }
            Format::Concise => lines(render::concise::line),
            Format::Github => lines(render::github::line),
            Format::Json => {
                render::json::render(self.summary, self.findings(), self.failures) + "\n"
            }
            // Code scanning shows suppressed results as dismissed, so SARIF always has them.
            Format::Sarif => render::sarif::render(&self.all_findings()) + "\n",
            Format::Gitlab => render::gitlab::render(&self.findings()) + "\n",
            Format::Junit => render::junit::render(self.reports, self.threshold),
        }
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

fn list_rules() -> ExitCode {
    let mut text = String::new();
    for m in rules::ALL {
        text.push_str(&format!(
            "{:<6} {:<28} {:<8} {}\n",
            m.code,
            m.name,
            m.severity.as_str(),
            m.summary
        ));
    }
    print_or_fail(&text)
}

fn explain(rule: &str) -> ExitCode {
    match rules::find(rule) {
        Some(meta) => print_or_fail(meta.doc),
        None => {
            eprintln!("error: no rule `{rule}`; `daemonlint rules` lists them all");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "daemonlint", &mut buf);
    print_or_fail(&String::from_utf8_lossy(&buf))
}

fn print_or_fail(text: &str) -> ExitCode {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(EXIT_FAILURE),
    }
}

fn init(force: bool) -> ExitCode {
    let path = Path::new(crate::config::FILE_NAMES[0]);
    if path.exists() && !force {
        eprintln!(
            "error: {} exists; use --force to overwrite it",
            path.display()
        );
        return ExitCode::from(EXIT_FAILURE);
    }
    match std::fs::write(path, crate::config::starter()) {
        Ok(()) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
