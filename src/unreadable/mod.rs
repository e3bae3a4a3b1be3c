//! The findings of the stages that read input, for input they cannot read as a manifest:
//! YAML syntax (DS001), wrong structure (DS002), unrendered templates (DS009), and objects
//! beside a DaemonSet in API versions Kubernetes no longer serves (DS010). They live below the
//! loader and the expanders that report them; `rules` lists them with the others.

pub mod ds001_yaml_syntax;
pub mod ds002_invalid_structure;
pub mod ds009_unrendered_template;
pub mod ds010_removed_api_beside;
