//! The server half of the form layer: one answer to a form post for JavaScript and
//! no-JavaScript clients alike, and the flash that carries it across a redirect.
//!
//! With JavaScript the answer is the server function's own result with its real HTTP
//! status. A plain HTML post expects a page: it is sent back (or on) with a redirect,
//! and the outcome waits in a flash (never a password) for that page's form.

use super::FormSpec;
use crate::{errors::AppError, model::FormFlash, server::browser_state, validate::FieldErrors};
use axum::{
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::collections::BTreeMap;
use tower_sessions::Session;

/// A post being answered: its form, the page it returns to, and what was typed.
pub struct FormPost {
    spec: &'static FormSpec,
    page: String,
    values: BTreeMap<String, String>,
}

/// What a successful post leads to.
pub struct Done<T> {
    value: T,
    notice: Option<String>,
    go: Option<Go>,
}

struct Go {
    path: String,
    /// The form on the next page that shows the notice.
    notice_form: &'static str,
}

impl<T> Done<T> {
    pub fn new(value: T) -> Self {
        Self {
            value,
            notice: None,
            go: None,
        }
    }

    pub fn notice(mut self, text: impl Into<String>) -> Self {
        self.notice = Some(text.into());
        self
    }

    /// Success leaves this page for `path` (a redirect with or without JavaScript).
    pub fn go(mut self, path: impl Into<String>) -> Self {
        self.go = Some(Go {
            path: path.into(),
            notice_form: "",
        });
        self
    }

    /// Success leaves for `spec`'s page, whose form shows the notice.
    pub fn go_to(mut self, spec: &'static FormSpec) -> Self {
        self.go = Some(Go {
            path: spec.page.into(),
            notice_form: spec.id,
        });
        self
    }
}

impl Done<String> {
    /// A success whose answer is its notice.
    pub fn said(text: impl Into<String>) -> Self {
        let text = text.into();
        Self::new(text.clone()).notice(text)
    }
}

impl FormSpec {
    /// Starts answering a post of this form.
    pub fn post(&'static self) -> FormPost {
        FormPost {
            spec: self,
            page: self.page.into(),
            values: BTreeMap::new(),
        }
    }
}

impl FormPost {
    /// The page to return to when it is not the form's usual one (a query, an id).
    pub fn back_to(mut self, page: impl Into<String>) -> Self {
        self.page = page.into();
        self
    }

    /// What was typed; only the fields the form keeps are held on to.
    pub fn typed<const N: usize>(mut self, pairs: [(&str, &str); N]) -> Self {
        for (name, value) in pairs {
            if self.spec.keeps(name) {
                self.values.insert(name.into(), value.into());
            }
        }
        self
    }

    /// Answers the post: the result for the page (JavaScript), with its real HTTP status;
    /// for a plain HTML post also the redirect and the flash that carries the outcome.
    pub async fn answer<T, E: Into<AppError>>(
        self,
        outcome: Result<Done<T>, E>,
    ) -> Result<T, AppError> {
        let plain = is_plain_form_post();
        match outcome {
            Ok(done) => {
                match (done.go, done.notice) {
                    (Some(go), notice) => {
                        // The page changes with or without JavaScript: the notice waits there.
                        if let Some(text) = notice {
                            put_flash(FormFlash::notice(go.notice_form, text)).await;
                        }
                        leptos_axum::redirect(&go.path);
                    }
                    (None, notice) if plain => {
                        if let Some(text) = notice {
                            put_flash(FormFlash::notice(self.spec.id, text)).await;
                        }
                        leptos_axum::redirect(&self.page);
                    }
                    (None, _) => {}
                }
                Ok(done.value)
            }
            Err(e) => {
                let error = e.into();
                if plain {
                    put_flash(FormFlash {
                        form: self.spec.id.into(),
                        error: Some(error.clone()),
                        notice: None,
                        values: self.values,
                    })
                    .await;
                    leptos_axum::redirect(&self.page);
                } else {
                    set_error_status(&error);
                }
                Err(error)
            }
        }
    }
}

/// Gives a server function's error its own status (422, 401, 503 with Retry-After...).
pub fn set_error_status(error: &AppError) {
    if let Some(res) = use_context::<ResponseOptions>() {
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        res.set_status(status);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.insert_header(
                header::RETRY_AFTER,
                HeaderValue::from(crate::server::error::RETRY_AFTER_SECONDS),
            );
        }
    }
}

/// A password confirmation is the form's business, checked before any domain flow runs.
/// When it fails, its field error joins `others` (the form's other problems the server
/// can see without the domain) so the form shows them all at once.
pub fn check_confirmation(
    password: &str,
    confirmation: &str,
    field: &str,
    others: impl FnOnce() -> FieldErrors,
) -> Result<(), AppError> {
    match crate::validate::password_confirmation(password, confirmation) {
        Ok(()) => Ok(()),
        Err(e) => {
            let mut fields = others();
            fields.insert(field.into(), e);
            Err(AppError::invalid(fields))
        }
    }
}

/// The same outcome for handlers outside Leptos (the OAuth callbacks): it waits for
/// `spec`'s form, and the browser goes to `page`.
pub async fn redirect_with(
    session: &Session,
    spec: &FormSpec,
    page: &str,
    outcome: Result<String, AppError>,
) -> Response {
    let flash = match outcome {
        Ok(text) => FormFlash::notice(spec.id, text),
        Err(error) => FormFlash {
            form: spec.id.into(),
            error: Some(error),
            notice: None,
            values: BTreeMap::new(),
        },
    };
    browser_state::put_flash(session, &flash).await;
    Redirect::to(page).into_response()
}

/// A form posted by the browser itself (JavaScript off) rather than by the Leptos client:
/// it expects a page, so it gets a redirect.
fn is_plain_form_post() -> bool {
    with_context::<Parts, _>(|p| {
        p.headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
    .unwrap_or(false)
}

async fn put_flash(flash: FormFlash) {
    match leptos_axum::extract::<Session>().await {
        Ok(session) => browser_state::put_flash(&session, &flash).await,
        Err(e) => tracing::error!(error = ?e, "no browser session for flash"),
    }
}

/// The flash for one of `forms` (form ids, comma separated): on a server-rendered page
/// load, the one the middleware took; when the hydrated page asks after a client-side
/// navigation, straight from the browser state.
pub async fn flash_for(forms: &str) -> Option<FormFlash> {
    let wanted = |flash: &FormFlash| forms.split(',').any(|f| f == flash.form);
    let (taken, session) = with_context::<Parts, _>(|p| {
        let taken = p.extensions.get::<FormFlash>();
        let taken = taken.map(|flash| wanted(flash).then(|| flash.clone()));
        (taken, p.extensions.get::<Session>().cloned())
    })?;
    if let Some(taken) = taken {
        return taken;
    }
    let session = session?;
    let peek = session
        .get::<FormFlash>(browser_state::FLASH_KEY)
        .await
        .ok()
        .flatten()?;
    if !wanted(&peek) {
        return None;
    }
    browser_state::take_flash(&session).await
}

#[cfg(test)]
mod tests {
    use super::{super::specs, check_confirmation};
    use crate::errors::AppError;

    #[test]
    fn only_the_kept_fields_are_held_on_to() {
        let post = specs::SIGNUP.post().typed([
            ("username", "dora"),
            ("password", "my secret pw"),
            ("password_confirm", "my secret pw"),
        ]);
        assert_eq!(post.values.keys().collect::<Vec<_>>(), ["username"]);
    }

    #[test]
    fn a_failed_confirmation_joins_the_other_field_errors() {
        let others = || [("username".to_string(), "Too short.".to_string())].into();
        let Err(AppError::Invalid { fields }) =
            check_confirmation("one password", "another", "password_confirm", others)
        else {
            panic!("a mismatch is a field error");
        };
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            ["password_confirm", "username"]
        );
        assert!(check_confirmation("same", "same", "password_confirm", || unreachable!()).is_ok());
    }
}
