mod cli;
mod diagnostic;
mod discover;
mod engine;
mod lint;
mod loader;
mod model;
mod render;
mod rules;
mod settings;
mod source;
mod yaml;

fn main() -> std::process::ExitCode {
    cli::run()
}
