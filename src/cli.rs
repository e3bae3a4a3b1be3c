//! Command-line interface: arguments, subcommands, output selection and exit codes.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;
use crate::discover::{Excludes, discover};
use crate::lint::{Linter, Output};
use crate::render::{self, Summary, human};
use crate::rules;
use crate::settings::{Settings, Taint};

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

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

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

    /// A taint of the cluster's own nodes that every DaemonSet must tolerate, written as
    /// `kubectl taint` does: `key[=value]:Effect` (repeatable; read by DS203).
    #[arg(long, value_name = "TAINT", value_parser = Taint::parse)]
    required_toleration: Vec<Taint>,
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

fn lint(cli: &Cli) -> ExitCode {
    let excludes = match Excludes::new(&cli.exclude) {
        Ok(e) => e,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let color = use_color(cli.color);
    let output = match cli.format {
        Format::Human => Output::Human { color },
        Format::Concise | Format::Json => Output::Data,
    };
    let (inputs, mut failures) = discover(&cli.paths, &excludes, &cli.stdin_filename);
    let settings = Settings {
        required_tolerations: cli.required_toleration.clone(),
        ..Settings::default()
    };
    let linter = Linter::new(output).with_settings(settings);
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

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match cli.format {
        Format::Human => {
            for f in &failures {
                eprintln!("error: {f}");
            }
            let mut text = String::new();
            for r in &reports {
                text.push_str(&r.rendered);
            }
            text.push_str(&human::summary_line(&summary, failures.len(), color));
            text.push('\n');
            out.write_all(text.as_bytes())
        }
        Format::Concise => {
            for f in &failures {
                eprintln!("error: {f}");
            }
            let mut text = String::new();
            for d in reports.iter().flat_map(|r| &r.diagnostics) {
                text.push_str(&render::concise::line(d));
                text.push('\n');
            }
            out.write_all(text.as_bytes())
        }
        Format::Json => {
            let findings = reports.iter().flat_map(|r| &r.diagnostics).collect();
            let text = render::json::render(summary, findings, &failures);
            writeln!(out, "{text}")
        }
    };
    if written.is_err() {
        // A closed pipe (`| head`) is not a failure of the lint itself.
        return ExitCode::from(EXIT_FAILURE);
    }
    if !failures.is_empty() {
        return ExitCode::from(EXIT_FAILURE);
    }
    let failing = match (cli.fail_on.threshold(), summary.worst()) {
        (Some(threshold), Some(worst)) => worst >= threshold,
        _ => false,
    };
    ExitCode::from(if failing { EXIT_FINDINGS } else { 0 })
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
