//! Server entry point: loads `.env`, sets up logging and runs the CLI.

/// Page renders allocate many small short-lived values; glibc's malloc spent a third of
/// their CPU on its arenas. mimalloc is built with arena eager commit off
/// (`.cargo/config.toml`), which keeps idle memory near glibc's (35 against 34 MiB).
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use clap::Parser;
    use gatehouse::server::config::LogFormat;
    use tracing_subscriber::{EnvFilter, fmt};

    // A development convenience; production sets real environment variables.
    let _ = dotenvy::dotenv();
    let filter = EnvFilter::try_from_env("GATEHOUSE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    // Read once: the log format is a setting, and the command gets the same settings.
    // When they do not load, logs are text and the command that needs them says why.
    let settings = gatehouse::server::config::Settings::load();
    let format = settings
        .as_ref()
        .map(|s| s.operations.log_format)
        .unwrap_or_default();
    let logs = fmt().with_env_filter(filter).with_target(false);
    match format {
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init(),
    }

    let cli = gatehouse::server::cli::Cli::parse();
    match gatehouse::server::cli::run(cli, settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // The browser build has no binary; cargo-leptos builds the server with `ssr`.
}
