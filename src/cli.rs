//! Command-line interface: arguments, subcommands, output selection and exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

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

    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,

    /// Skip files and folders matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,

    /// Name to show for standard input in reports.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    stdin_filename: String,
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

fn lint(cli: &Cli) -> ExitCode {
    let excludes = match Excludes::new(&cli.exclude) {
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
    let linter = Linter::new(output);
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
    let threshold = cli.fail_on.threshold();
    let run = Run {
        reports: &reports,
        summary,
        failures: &failures,
        statistics: cli.statistics,
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
    color: bool,
    threshold: Option<Severity>,
}

impl Run<'_> {
    fn findings(&self) -> Vec<&render::Finding> {
        self.reports.iter().flat_map(|r| &r.diagnostics).collect()
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
            Format::Sarif => render::sarif::render(&self.findings()) + "\n",
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
