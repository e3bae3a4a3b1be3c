//! One run's results, rendered in each requested format.

use crate::diagnostic::Severity;
use crate::fix::Applicability;
use crate::lint::FileReport;
use crate::render::{self, Finding, Summary, human};

use super::args::Format;

/// Everything a renderer may need from one run.
pub struct Run<'a> {
    pub reports: &'a [FileReport],
    pub summary: Summary,
    pub failures: &'a [String],
    pub statistics: bool,
    pub show_suppressed: bool,
    /// `-q`: only the summary and failures.
    pub quiet: bool,
    /// `--severity`: the lowest severity shown.
    pub shown: Option<Severity>,
    pub color: bool,
    pub threshold: Option<Severity>,
}

impl Run<'_> {
    fn visible(&self, f: &Finding) -> bool {
        self.shown.is_none_or(|min| f.severity >= min)
    }

    fn findings(&self) -> Vec<&Finding> {
        if self.show_suppressed {
            return self.all_findings();
        }
        self.gather(|r| r.diagnostics.iter().collect())
    }

    /// What was not linted (DS009 notes), as shown at `--severity`.
    fn not_linted(&self) -> Vec<&Finding> {
        self.gather(|r| r.not_linted.iter().collect())
    }

    /// Findings and what was not linted, for the formats that list both one line each.
    fn listed(&self) -> Vec<&Finding> {
        self.gather(|r| {
            let reported = r.diagnostics.iter().chain(&r.not_linted);
            if self.show_suppressed {
                reported.chain(&r.suppressed).collect()
            } else {
                reported.collect()
            }
        })
    }

    /// Reported and suppressed findings.
    fn all_findings(&self) -> Vec<&Finding> {
        self.gather(|r| r.diagnostics.iter().chain(&r.suppressed).collect())
    }

    /// What `pick` takes from each report, as shown at `--severity`, in file and position
    /// order.
    fn gather<'r>(&'r self, pick: impl Fn(&'r FileReport) -> Vec<&'r Finding>) -> Vec<&'r Finding> {
        let mut all = Vec::new();
        for r in self.reports {
            let mut file = pick(r);
            file.retain(|f| self.visible(f));
            file.sort_by_key(|f| (f.line, f.column, f.code));
            all.extend(file);
        }
        all
    }

    fn summary_line(&self) -> String {
        let mut line = human::summary_line(&self.summary, self.failures.len(), self.color);
        if let Some(min) = self.shown {
            let hidden = self
                .reports
                .iter()
                .flat_map(|r| &r.diagnostics)
                .filter(|f| f.severity < min)
                .count();
            if hidden > 0 {
                line.push_str(&format!(
                    "; {hidden} below --severity {} not shown",
                    min.as_str()
                ));
            }
        }
        line + &self.fixable() + "\n"
    }

    /// How many findings `--fix` (and `--unsafe-fixes`) would fix, for the summary line.
    fn fixable(&self) -> String {
        let count = |a: Applicability| {
            self.reports
                .iter()
                .flat_map(|r| &r.diagnostics)
                .filter(|f| f.fix.as_ref().is_some_and(|x| x.applicability == a))
                .count()
        };
        let (safe, unsafe_) = (count(Applicability::Safe), count(Applicability::Unsafe));
        match (safe, unsafe_) {
            (0, 0) => String::new(),
            (0, u) => format!("; {u} fixable with `--fix --unsafe-fixes`"),
            (s, 0) => format!("; [*] {s} fixable with `--fix`"),
            (s, u) => format!("; [*] {s} fixable with `--fix` ({u} more with `--unsafe-fixes`)"),
        }
    }

    pub fn render(&self, format: Format) -> String {
        let lines = |f: fn(&Finding) -> String| -> String {
            self.listed().into_iter().map(|d| f(d) + "\n").collect()
        };
        match format {
            Format::Human | Format::Concise if self.quiet => self.summary_line(),
            Format::Human if self.statistics => {
                render::statistics::render(&self.listed()) + &self.summary_line()
            }
            Format::Concise if self.statistics => render::statistics::render(&self.listed()),
            Format::Human => {
                let mut text: String = self.reports.iter().map(|r| r.rendered.as_str()).collect();
                text.push_str(&human::not_linted_block(&self.not_linted(), self.color));
                text.push_str(&self.summary_line());
                text
            }
            Format::Concise => lines(render::concise::line),
            Format::Github => lines(render::github::line),
            Format::Json => {
                render::json::render(
                    self.summary,
                    self.findings(),
                    self.not_linted(),
                    self.failures,
                ) + "\n"
            }
            // Code scanning shows suppressed results as dismissed, so SARIF always has them.
            Format::Sarif => render::sarif::render(&self.all_findings(), &self.not_linted()) + "\n",
            Format::Gitlab => render::gitlab::render(&self.findings()) + "\n",
            Format::Junit => render::junit::render(self.reports, self.threshold),
        }
    }
}
