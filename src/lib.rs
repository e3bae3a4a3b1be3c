//! daemonlint: lints Kubernetes DaemonSet manifests against a production checklist for node
//! agents. The binary is a thin wrapper around [`cli::run`]; the library exists so benchmarks
//! and fuzz targets can drive each stage directly.

pub mod cli;
pub mod config;
pub mod coverage;
pub mod diagnostic;
pub mod did_you_mean;
pub mod discover;
pub mod engine;
pub mod expand;
pub mod finding;
pub mod fix;
pub mod lint;
pub mod loader;
pub mod model;
pub mod prose;
pub mod read;
pub mod remap;
pub mod render;
pub mod rules;
pub mod settings;
pub mod siblings;
pub mod source;
pub mod suppress;
pub mod unreadable;
pub mod yaml;
