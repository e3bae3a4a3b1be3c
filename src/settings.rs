//! Thresholds the rules read. Defaults follow the production checklist; the config file
//! overrides them.

#[derive(Clone, Debug, Default)]
pub struct Settings {}
