fn main() -> std::process::ExitCode {
    orgraph::cli::run()
}
