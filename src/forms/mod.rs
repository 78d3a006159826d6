//! The progressive-enhancement form layer. Each form is declared once (`FormSpec`, in
//! `specs`); the server answers every post through one function (`server::FormPost`),
//! and each page's form takes its state from one hook (`use_form`), so JavaScript and
//! no-JavaScript clients see the same outcome.

mod client;
pub mod specs;

#[cfg(feature = "ssr")]
pub mod server;

pub use client::{Form, FormOutput, form_message, use_form, use_form_since};

/// What a form is, declared once and shared by the server function that answers it and
/// the page that shows it.
#[derive(Debug)]
pub struct FormSpec {
    /// Names the form in a flash, e.g. "signup".
    pub id: &'static str,
    /// The page a no-JavaScript post returns to (a caller may add a query string).
    pub page: &'static str,
    /// The submitted fields kept for the page after a failure. Never a password.
    pub keep: &'static [&'static str],
}

impl FormSpec {
    pub fn keeps(&self, field: &str) -> bool {
        self.keep.contains(&field)
    }
}
