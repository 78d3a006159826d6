//! The page half of the form layer: `use_form` gives a form its fields' state, its error
//! and its notice, from the server function's answer when the form was submitted here
//! (JavaScript on) and from the flash a plain post left behind otherwise.

use super::FormSpec;
use crate::{
    components::FieldState,
    errors::AppError,
    model::{FormFlash, UserView, VerifyOutcome},
};
use leptos::{prelude::*, server_fn::ServerFn};

/// What a server function's success says to the person, if anything.
pub trait FormOutput {
    fn notice(&self) -> Option<String> {
        None
    }
}

impl FormOutput for () {}
impl FormOutput for VerifyOutcome {}

/// The server functions that answer with their notice.
impl FormOutput for String {
    fn notice(&self) -> Option<String> {
        Some(self.clone())
    }
}

/// A saved profile.
impl FormOutput for UserView {
    fn notice(&self) -> Option<String> {
        Some(crate::server_fns::account::PROFILE_SAVED.into())
    }
}

/// One form's live state.
#[derive(Clone, Copy)]
pub struct Form {
    flash: StoredValue<FormFlash>,
    fields: StoredValue<Vec<FieldState>>,
    /// The latest error: the answer to a submit made here, else the flash's.
    latest_error: Signal<Option<AppError>>,
    /// The message for the form as a whole (per-field problems show on their fields).
    pub error: Signal<Option<String>>,
    pub notice: Signal<Option<String>>,
    /// True once the form was submitted on this visit of the page.
    pub submitted: Signal<bool>,
}

/// The state of `spec`'s form, submitted through `action`. `flash` is whatever the page
/// loaded; only a flash of this form counts.
pub fn use_form<S>(spec: &'static FormSpec, flash: &FormFlash, action: ServerAction<S>) -> Form
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: FormOutput + Clone + Send + Sync + 'static,
{
    let opened_at = action.version().get_untracked();
    use_form_since(spec, flash, action, opened_at)
}

/// [`use_form`] for a form whose component is remade while the page stays open (after a
/// reload of the user): only submits after action version `opened_at` count as its own.
pub fn use_form_since<S>(
    spec: &'static FormSpec,
    flash: &FormFlash,
    action: ServerAction<S>,
    opened_at: usize,
) -> Form
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: FormOutput + Clone + Send + Sync + 'static,
{
    let flash = if flash.form == spec.id {
        flash.clone()
    } else {
        FormFlash::default()
    };
    let (value, version) = (action.value(), action.version());
    // An app-wide action lives longer than the page: an answer from an earlier visit
    // is not this form's.
    let submitted = Signal::derive(move || version.get() > opened_at);
    let answer = move || value.get().filter(|_| submitted.get());
    let (flash_error, flash_notice) = (flash.error.clone(), flash.notice.clone());
    let latest_error = Signal::derive(move || match answer() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash_error.clone(),
    });
    let notice = Signal::derive(move || match answer() {
        Some(Ok(output)) => output.notice(),
        Some(Err(_)) => None,
        None => flash_notice.clone(),
    });
    let fields = StoredValue::new(Vec::<FieldState>::new());
    // The server's answer to a submit made here lands on the fields.
    Effect::new(move |_| {
        if let Some(result) = answer() {
            let error = result.err();
            fields.with_value(|fields| {
                for field in fields {
                    let message = error.as_ref().and_then(|e| e.field_error(field.name));
                    field.server_error.set(message);
                }
            });
        }
    });
    Form {
        flash: StoredValue::new(flash),
        fields,
        latest_error,
        error: Signal::derive(move || latest_error.get().as_ref().map(form_message)),
        notice,
        submitted,
    }
}

impl Form {
    /// A field, starting from what a failed plain post kept (or empty).
    pub fn field(self, name: &'static str) -> FieldState {
        let initial = self.flash.with_value(|f| f.value(name));
        self.field_from(name, initial)
    }

    /// A field whose value is stored (a profile's): what a failed plain post kept wins.
    pub fn field_or(self, name: &'static str, stored: Option<String>) -> FieldState {
        let initial = self.flash.with_value(|f| {
            if f.error.is_some() {
                f.value(name)
            } else {
                stored.unwrap_or_default()
            }
        });
        self.field_from(name, initial)
    }

    fn field_from(self, name: &'static str, initial: String) -> FieldState {
        let error = self
            .flash
            .with_value(|f| f.error.as_ref().and_then(|e| e.field_error(name)));
        let state = FieldState::new(name, initial, error);
        self.fields.update_value(|fields| fields.push(state));
        state
    }

    /// The latest error itself, for forms that offer a way out of a particular one.
    pub fn latest_error(self) -> Signal<Option<AppError>> {
        self.latest_error
    }

    /// Whether the server asked for a fresh confirmation (step-up) before this change.
    pub fn needs_reauth(self) -> Signal<bool> {
        let latest = self.latest_error;
        Signal::derive(move || matches!(latest.get(), Some(AppError::ReauthRequired { .. })))
    }

    /// On submit, every field shows its rule's message from now on.
    pub fn touch_all(self) {
        self.fields.with_value(|fields| {
            for field in fields {
                field.touched.set(true);
            }
        });
    }
}

/// The message for the form as a whole: anything but per-field problems, which show on
/// their fields.
pub fn form_message(error: &AppError) -> String {
    match error {
        AppError::Invalid { .. } => "Please correct the highlighted fields.".into(),
        other => other.to_string(),
    }
}
