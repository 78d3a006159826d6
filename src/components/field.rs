//! A labelled form field with its hint and its error, announced to screen readers.
//! Inputs are uncontrolled (the browser keeps what was typed); a signal mirrors the value
//! for inline validation. The signal starts from the element's own value once hydrated:
//! a person (or a password manager) may have filled the field before the wasm arrived.

use leptos::{html, prelude::*};

/// The live state of one field.
#[derive(Clone, Copy)]
pub struct FieldState {
    /// The form field name, which is also the server function argument.
    pub name: &'static str,
    pub value: RwSignal<String>,
    /// The user left the field (or tried to submit): show rule errors from now on.
    pub touched: RwSignal<bool>,
    /// What the server said about the last submitted value; cleared on edit.
    pub server_error: RwSignal<Option<String>>,
}

impl FieldState {
    pub fn new(name: &'static str, initial: String, server_error: Option<String>) -> Self {
        Self {
            name,
            value: RwSignal::new(initial),
            touched: RwSignal::new(false),
            server_error: RwSignal::new(server_error),
        }
    }

    /// The message to show: the server's until the user edits, then the shared rule's
    /// once the field has been touched.
    pub fn error(
        self,
        rule: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.server_error.get().or_else(|| {
                self.touched
                    .get()
                    .then(|| self.value.with(|v| rule(v)))
                    .flatten()
            })
        })
    }
}

#[component]
pub fn Field(
    label: &'static str,
    state: FieldState,
    error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    /// Fixed text, or a signal for a hint that follows the live settings.
    #[prop(optional, into)]
    hint: MaybeProp<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] multiline: bool,
    #[prop(optional)] placeholder: Option<&'static str>,
    /// Shown under the input (e.g. a password meter).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let name = state.name;
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let has_hint = hint.get_untracked().is_some();
    let described_by = if has_hint {
        format!("{hint_id} {error_id}")
    } else {
        error_id.clone()
    };
    let initial = state.value.get_untracked();
    let input_ref = NodeRef::<html::Input>::new();
    let textarea_ref = NodeRef::<html::Textarea>::new();
    // Effects run only in the browser, once the element is hydrated: take what it holds.
    Effect::new(move |_| {
        let typed = input_ref
            .get()
            .map(|el| el.value())
            .or_else(|| textarea_ref.get().map(|el| el.value()));
        if let Some(typed) = typed
            && state.value.with_untracked(|v| *v != typed)
        {
            state.value.set(typed);
        }
    });
    let on_input = move |ev: leptos::ev::Event| {
        state.value.set(event_target_value(&ev));
        state.server_error.set(None);
    };
    let on_blur = move |_| {
        if !state.value.with_untracked(String::is_empty) {
            state.touched.set(true);
        }
    };
    let invalid = move || error.get().is_some().then_some("true");

    let control = if multiline {
        view! {
            <textarea
                node_ref=textarea_ref
                id=id.clone()
                name=name
                rows="4"
                maxlength=maxlength
                placeholder=placeholder
                aria-invalid=invalid
                aria-describedby=described_by.clone()
                on:input=on_input
                on:blur=on_blur
            >
                {initial}
            </textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                node_ref=input_ref
                id=id.clone()
                name=name
                type=kind
                value=initial
                autocomplete=autocomplete
                required=required
                maxlength=maxlength
                placeholder=placeholder
                aria-invalid=invalid
                aria-describedby=described_by.clone()
                on:input=on_input
                on:blur=on_blur
            />
        }
        .into_any()
    };

    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id>{label} {(!required).then(|| view! { <span class="optional">" (optional)"</span> })}</label>
            {control}
            {has_hint.then(|| view! { <p class="hint" id=hint_id>{move || hint.get()}</p> })}
            {children.map(|c| c())}
            <p class="field-error" id=error_id aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}
