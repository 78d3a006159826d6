//! The integration tests, one binary with a module per area (as zero2prod and kanidm
//! do): every test binary is linked on its own and cost about 600 MB of disk and most of
//! a minute, so new tests go into a module here, not into a new file under `tests/`.
//! Each test runs on a fresh SQLite file and on a fresh PostgreSQL database, against the
//! real services it names (an SMTP server, an OpenID Connect provider).

#[macro_use]
mod common;

mod accounts;
mod admin;
mod api;
mod breach;
mod devices;
mod email;
mod factors;
mod fleet;
mod oauth;
mod operations;
mod passkeys;
mod provider;
mod provider_keys;
mod provider_logins;
mod provider_spa;
mod sessions;
mod sign_in_links;
mod trust;
