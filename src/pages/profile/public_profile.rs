//! The "Public profile" card: display name, bio and avatar, the fields users may edit.

use super::form_error;
use crate::{
    app::use_app,
    components::{Field, FieldState, FormAlerts, SubmitButton},
    model::{FormFlash, UserView},
    validate,
};
use leptos::prelude::*;

#[component]
pub(super) fn PublicProfileCard(
    user: UserView,
    flash: FormFlash,
    saves_at_open: usize,
) -> impl IntoView {
    // The app-wide action: the page reloads the user and the activity after a save.
    let action = use_app().update_profile;
    // After a failed no-JavaScript post, show what was typed, not what is stored.
    let initial = |name: &str, stored: Option<String>| {
        if flash.error.is_some() {
            flash.value(name)
        } else {
            stored.unwrap_or_default()
        }
    };
    let field_error = |name: &str| flash.error.as_ref().and_then(|e| e.field_error(name));
    let display_name = FieldState::new(
        initial("display_name", user.display_name.clone()),
        field_error("display_name"),
    );
    let bio = FieldState::new(initial("bio", user.bio.clone()), field_error("bio"));
    let avatar_url = FieldState::new(
        initial("avatar_url", user.avatar_url.clone()),
        field_error("avatar_url"),
    );
    Effect::new(move |_| {
        if let Some(Err(e)) = action.value().get() {
            display_name.server_error.set(e.field_error("display_name"));
            bio.server_error.set(e.field_error("bio"));
            avatar_url.server_error.set(e.field_error("avatar_url"));
        }
    });

    let error = form_error(action.value(), &flash);
    // The action answers with the saved user, not a notice, and lives longer than this
    // page: only a successful save made since the page opened says "saved".
    let flash_notice = flash.notice.clone();
    let notice = Signal::derive(move || {
        let saved_here =
            action.version().get() > saves_at_open && matches!(action.value().get(), Some(Ok(_)));
        if saved_here {
            Some("Your profile has been saved.".to_string())
        } else {
            flash_notice.clone()
        }
    });
    let bio_count = move || {
        format!(
            "{} / {}",
            bio.value.with(|b| b.chars().count()),
            validate::BIO_MAX
        )
    };
    let preview = move || validate::avatar_url(&avatar_url.value.get()).ok().flatten();

    view! {
        <section class="card" aria-labelledby="edit-heading">
            <h2 id="edit-heading">"Public profile"</h2>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlerts error notice/>
                <Field
                    label="Display name"
                    name="display_name"
                    state=display_name
                    error=display_name.error(|v| validate::display_name(v).err())
                    autocomplete="name"
                    maxlength=validate::DISPLAY_NAME_MAX
                />
                <Field
                    label="Bio"
                    name="bio"
                    state=bio
                    error=bio.error(|v| validate::bio(v).err())
                    multiline=true
                    maxlength=validate::BIO_MAX
                >
                    <p class="counter" aria-hidden="true">{bio_count}</p>
                </Field>
                <Field
                    label="Avatar URL"
                    name="avatar_url"
                    kind="url"
                    state=avatar_url
                    error=avatar_url.error(|v| validate::avatar_url(v).err())
                    maxlength=validate::AVATAR_URL_MAX
                    placeholder="https://example.com/me.png"
                    hint="A link to a picture (https:// or http://)."
                >
                    {move || preview().map(|src| view! { <img class="avatar avatar-md avatar-preview" src=src alt="Avatar preview" referrerpolicy="no-referrer"/> })}
                </Field>
                <SubmitButton label="Save profile" pending_label="Saving…" pending=action.pending().into()/>
            </ActionForm>
        </section>
    }
}
