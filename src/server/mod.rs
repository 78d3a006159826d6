//! Everything that only runs on the server: settings, the store, the auth domain, mail,
//! the views sent to clients, and the HTTP routes outside Leptos (OAuth, JSON API).

pub mod auth;
pub mod browser_state;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod keys;
pub mod mail;
pub mod state;
pub mod views;
