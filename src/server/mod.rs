//! Everything that only runs on the server: settings, the store, the auth domain, mail,
//! the views sent to clients, and the HTTP routes outside Leptos (OAuth, JSON API).

pub(crate) mod assets;
pub mod auth;
pub(crate) mod browser_state;
pub mod cli;
pub(crate) mod clock;
pub mod config;
pub mod db;
pub(crate) mod error;
pub mod fleet;
pub mod http;
pub(crate) mod keys;
pub mod mail;
pub mod metrics;
pub mod provider;
pub(crate) mod sealing;
pub(crate) mod serve;
pub(crate) mod startup;
pub mod state;
pub(crate) mod views;
pub(crate) mod workers;

/// Creates a folder (and its parents) that only the server's user can enter (0700): the
/// data folder holds the database, signing keys and mail with live links.
pub fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)?;
    // A folder made earlier (or by someone else's umask) is tightened too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}
