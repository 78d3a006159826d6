//! The "Public profile" card: display name, bio and avatar, the fields users may edit.

use crate::{
    app::account_action,
    components::{Field, FormAlerts, SubmitButton},
    forms::{specs::PROFILE, use_form_since},
    model::{FormFlash, UserView},
    server_fns::account::UpdateProfile,
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
    let action = account_action::<UpdateProfile>();
    // Only saves made since the page opened count: the card is remade when the user
    // reloads after a save.
    let form = use_form_since(&PROFILE, &flash, action, saves_at_open);
    // After a failed no-JavaScript post, show what was typed, not what is stored.
    let display_name = form.field_or("display_name", user.display_name.clone());
    let bio = form.field_or("bio", user.bio.clone());
    let avatar_url = form.field_or("avatar_url", user.avatar_url.clone());
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
                <FormAlerts error=form.error notice=form.notice/>
                <Field
                    label="Display name"
                    state=display_name
                    error=display_name.error(|v| validate::display_name(v).err())
                    autocomplete="name"
                    maxlength=validate::DISPLAY_NAME_MAX
                />
                <Field
                    label="Bio"
                    state=bio
                    error=bio.error(|v| validate::bio(v).err())
                    multiline=true
                    maxlength=validate::BIO_MAX
                >
                    <p class="counter" aria-hidden="true">{bio_count}</p>
                </Field>
                <Field
                    label="Avatar URL"
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
