//! The command line: `daemonlint [check] [OPTIONS] [PATHS]...` and the other subcommands.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;
use crate::rules;

const EXIT_STATUS: &str = "\
Exit status:
  0  no finding reached the fail level (--fail-on, default warning: notes never fail)
  1  a finding reached the fail level
  2  daemonlint could not do its job: bad arguments or config, an input that could not be
     read, a failed write";

/// Lint Kubernetes DaemonSet manifests against a production checklist for node agents.
#[derive(Parser, Debug)]
#[command(
    name = "daemonlint",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub lint: LintArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint files and folders (the same as giving them without a subcommand).
    #[command(after_help = EXIT_STATUS)]
    Check(Box<LintArgs>),
    /// List every rule with its code, name, default severity and summary.
    Rules {
        /// `text` for people, `json` for tools.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print a rule's documentation page.
    Explain {
        /// Rule code (DS003) or name (selector-mismatch).
        #[arg(value_parser = RuleNames, hide_possible_values = true)]
        rule: String,
    },
    /// Write a commented starter .daemonlint.yaml with every setting and its default.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Which nodes each DaemonSet runs on, given the cluster's Node objects, and why it
    /// misses the others.
    Coverage(crate::coverage::CoverageArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug, Default)]
pub struct LintArgs {
    /// Files and folders to lint (`-` reads standard input). Folders are searched for
    /// *.yaml, *.yml and *.json. Default: the current folder, or standard input when
    /// --stdin-filename is given.
    pub paths: Vec<String>,

    /// Output format (repeatable). An `--output` right after a `--format` sends that format
    /// to a file; a format without one goes to standard output. Default: human, or github
    /// when GITHUB_ACTIONS=true.
    #[arg(long, value_enum)]
    pub format: Vec<Format>,

    /// Write the `--format` given just before this flag to FILE (repeatable).
    #[arg(long, value_name = "FILE")]
    pub output: Vec<PathBuf>,

    /// Print how often each rule fired instead of the findings (human and concise output).
    #[arg(long)]
    pub statistics: bool,

    /// When to use colors in human output (NO_COLOR is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Lowest severity that makes the exit code 1 [default: warning, or the config's].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Show only findings at or above this severity (the exit code still follows --fail-on).
    #[arg(long, value_enum)]
    pub severity: Option<ShowLevel>,

    /// Print only the summary and the inputs that could not be read.
    #[arg(short, long)]
    pub quiet: bool,

    /// Say which config file applies to which paths, and which files were skipped.
    #[arg(short, long)]
    pub verbose: bool,

    /// Use this config file for every path instead of looking for .daemonlint.yaml.
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore any .daemonlint.yaml.
    #[arg(long)]
    pub no_config: bool,

    /// Run only these rules: codes (DS303), names (privileged-container) or code prefixes
    /// (DS3), comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "RULES", value_parser = RuleNames, hide_possible_values = true)]
    pub select: Vec<String>,

    /// Turn these rules off (same forms as --select).
    #[arg(long, value_delimiter = ',', value_name = "RULES", value_parser = RuleNames, hide_possible_values = true)]
    pub ignore: Vec<String>,

    /// Also show findings hidden by suppressions.
    #[arg(long)]
    pub show_suppressed: bool,

    /// Skip files and folders matching this glob, relative to the current folder
    /// (repeatable). A glob without `/` matches any file or folder name.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Apply excludes to files named on the command line too (for pre-commit and editors,
    /// which name every file).
    #[arg(long)]
    pub force_exclude: bool,

    /// Lint files that .gitignore, .ignore or git's global excludes would skip, and those in
    /// vendor, third_party and testdata folders and golden files (`*.golden.*`).
    #[arg(long)]
    pub no_ignore: bool,

    /// Resolve `# Source: CHART/templates/FILE` comments in piped `helm template` output
    /// from this folder (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub chart_root: Option<PathBuf>,

    /// Name to show for standard input in reports; with no paths, read standard input.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Largest input to read, in bytes or with Ki/Mi/Gi [default: 64Mi, or the config's].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,

    /// Apply safe fixes in place, then report what remains (on standard input, print the
    /// fixed document and send the report to standard error).
    #[arg(long)]
    pub fix: bool,

    /// Print a unified diff of what --fix would change, and change nothing (exit 1 when
    /// there is a change).
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,

    /// With --fix or --diff, also apply fixes that change how the agent runs.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// The cluster's nodes (`kubectl get nodes -o yaml > nodes.yaml`): their NoSchedule and
    /// NoExecute taints join `required-tolerations` (DS203). See also `daemonlint coverage`.
    #[arg(long, value_name = "FILE")]
    pub nodes: Option<String>,

    /// Set one setting, over the config file: `--setting cluster-nodes=40`,
    /// `--setting required-tolerations=[dedicated=gpu:NoSchedule]` (repeatable; the value is
    /// read as YAML).
    #[arg(long, value_name = "KEY=VALUE")]
    pub setting: Vec<String>,
}

fn parse_size(text: &str) -> Result<u64, String> {
    crate::config::parse_size(text).ok_or_else(|| "expected bytes or a size such as 64Mi".into())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    Gitlab,
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShowLevel {
    Error,
    Warning,
    Note,
}

impl ShowLevel {
    pub fn severity(self) -> Severity {
        match self {
            ShowLevel::Error => Severity::Error,
            ShowLevel::Warning => Severity::Warning,
            ShowLevel::Note => Severity::Note,
        }
    }
}

/// Accepts any text (prefixes such as `DS3` and misspellings get their own messages later)
/// but offers every rule code and name to shell completion.
#[derive(Clone, Debug)]
pub struct RuleNames;

impl TypedValueParser for RuleNames {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(rules::ALL.iter().flat_map(|m| {
            [
                PossibleValue::new(m.code).help(m.summary),
                PossibleValue::new(m.name),
            ]
        })))
    }
}
