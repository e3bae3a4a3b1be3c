//! The rule trait and the loop that runs every rule over every DaemonSet.

use crate::diagnostic::{Diagnostic, RuleMeta};
use crate::model::profile::Profile;
use crate::model::{Beside, DaemonSet};
use crate::settings::Settings;

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ds: &DaemonSet, cx: &mut Context);
}

/// What a rule sees besides the DaemonSet: the settings, the agent profile (computed once per
/// DaemonSet, so rules agree on what the agent is), and where its findings go.
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub profile: &'a Profile,
    /// The objects in the same input that some rules read (Services, RBAC).
    pub beside: &'a Beside,
    diagnostics: Vec<Diagnostic>,
}

impl Context<'_> {
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

pub fn run(
    ds: &DaemonSet,
    rules: &[&dyn Rule],
    settings: &Settings,
    beside: &Beside,
) -> Vec<Diagnostic> {
    let profile = Profile::of(ds, settings.profile);
    let mut cx = Context {
        settings,
        profile: &profile,
        beside,
        diagnostics: Vec::new(),
    };
    for rule in rules {
        rule.check(ds, &mut cx);
    }
    let mut object = ds.object_ref();
    object.profile = Some(profile.kind.name().to_owned());
    object.profile_evidence = Some(profile.evidence.clone());
    for d in &mut cx.diagnostics {
        d.object = Some(object.clone());
    }
    cx.diagnostics
}
