//! `/profile`: the signed-in user's account, and the fields they may edit.

use super::{flash_resource, form_message};
use crate::{
    app::use_session,
    components::{Alert, Avatar, Field, FieldState, RequireLogin, SubmitButton},
    model::{FormFlash, UserView},
    validate,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let session = use_session();
    let flash = flash_resource("profile");
    // Only saves made while this page is open count for the "saved" notice.
    let saves_at_open = session.update_profile.version().get_untracked();
    view! {
        <Title text="Your profile"/>
        <RequireLogin path="/profile" reload=session.update_profile.version() let:user>
            <Suspense fallback=|| ()>
                {
                    let user = user.clone();
                    move || {
                        let user = user.clone();
                        Suspend::new(async move {
                            let flash = flash.await.ok().flatten().unwrap_or_default();
                            view! { <Profile user flash saves_at_open/> }
                        })
                    }
                }
            </Suspense>
        </RequireLogin>
    }
}

#[component]
fn Profile(user: UserView, flash: FormFlash, saves_at_open: usize) -> impl IntoView {
    view! {
        <div class="profile">
            <section class="card profile-header">
                <Avatar user=user.clone() size="lg"/>
                <div>
                    <h1>{user.name().to_string()}</h1>
                    <p class="muted">"@" {user.username.clone()}</p>
                    <p class="badges">
                        <span class="badge">{user.role.clone()}</span>
                        {if user.email_verified {
                            view! { <span class="badge badge-ok">"email verified"</span> }.into_any()
                        } else {
                            view! { <span class="badge badge-warn">"email not verified"</span> }.into_any()
                        }}
                    </p>
                </div>
            </section>
            <div class="profile-grid">
                <section class="card" aria-labelledby="account-heading">
                    <h2 id="account-heading">"Account"</h2>
                    <dl class="details">
                        <dt>"Username"</dt>
                        <dd>{user.username.clone()}</dd>
                        <dt>"Email"</dt>
                        <dd>{user.email.clone()}</dd>
                        <dt>"Role"</dt>
                        <dd>{user.role.clone()}</dd>
                        <dt>"Member since"</dt>
                        <dd>{user.member_since.clone()}</dd>
                        <dt>"Last login"</dt>
                        <dd>{user.last_login.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>"User ID"</dt>
                        <dd><code>{user.id.clone()}</code></dd>
                    </dl>
                    <p class="hint">"Your username, email and role cannot be changed on this page."</p>
                </section>
                <section class="card" aria-labelledby="edit-heading">
                    <h2 id="edit-heading">"Public profile"</h2>
                    <ProfileForm user flash saves_at_open/>
                </section>
            </div>
        </div>
    }
}

#[component]
fn ProfileForm(user: UserView, flash: FormFlash, saves_at_open: usize) -> impl IntoView {
    let action = use_session().update_profile;
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

    let flash_error = flash.error.as_ref().map(form_message);
    let error = Signal::derive(move || match action.value().get() {
        Some(Err(e)) => Some(form_message(&e)),
        Some(Ok(_)) => None,
        None => flash_error.clone(),
    });
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
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <Alert message=error/>
            <Alert kind="success" message=notice/>
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
    }
}
