fn main() -> std::process::ExitCode {
    daemonlint::cli::run()
}
