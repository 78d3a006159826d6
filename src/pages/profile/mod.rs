//! `/profile`: the signed-in user's account, and the fields they may edit.

use super::{flash_resource, form_message};
use crate::{
    api::{
        account::{ChangeEmail, ChangePassword, my_activity},
        connections::{DisconnectProvider, connections},
    },
    app::use_session,
    components::{
        Alert, Avatar, Field, FieldState, PasswordMeter, RequireLogin, ResendVerification,
        SubmitButton,
    },
    errors::AppError,
    model::{FormFlash, UserView},
    validate,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let session = use_session();
    let flash = flash_resource("profile,password,email,resend,connections,delete");
    // Only saves made while this page is open count for the "saved" notice.
    let saves_at_open = session.update_profile.version().get_untracked();
    // Resources are made here, outside the suspended parts, so the server's serialized
    // values line up with the browser's during hydration.
    let disconnect = ServerAction::<DisconnectProvider>::new();
    provide_context(ConnectionsState {
        disconnect,
        list: Resource::new(crate::app::versions_key([disconnect.version()]), |_| {
            connections()
        }),
    });
    provide_context(ActivityState(Resource::new(
        crate::app::versions_key([session.update_profile.version(), disconnect.version()]),
        |_| my_activity(),
    )));
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
    let for_form = |name: &str| {
        if flash.form == name {
            flash.clone()
        } else {
            FormFlash::default()
        }
    };
    let (profile_flash, password_flash, email_flash) =
        (for_form("profile"), for_form("password"), for_form("email"));
    let resend_notice = for_form("resend").notice;
    let connections_flash = for_form("connections");
    let delete_flash = for_form("delete");
    let username = user.username.clone();
    let unverified = (!user.email_verified).then(|| {
        view! {
            <section class="card notice-card" aria-labelledby="verify-heading">
                <h2 id="verify-heading">"Please verify your email address"</h2>
                <p>"We sent a link to " <strong>{user.email.clone()}</strong> ". Didn't get it?"</p>
                <ResendVerification login=user.email.clone() return_to="/profile" hide_login=true notice=resend_notice/>
            </section>
        }
    });
    let has_password = user.has_password;
    let current_email = user.email.clone();
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
                    <ProfileForm user flash=profile_flash saves_at_open/>
                </section>
            </div>
            {unverified}
            <div class="profile-grid">
                <section class="card" aria-labelledby="password-heading">
                    <h2 id="password-heading">"Password"</h2>
                    {if has_password {
                        view! { <ChangePasswordForm flash=password_flash/> }.into_any()
                    } else {
                        view! {
                            <p>"Your account has no password yet. Set one with a reset link sent to your address."</p>
                            <A href="/forgot-password" attr:class="btn btn-ghost">"Set a password"</A>
                        }
                        .into_any()
                    }}
                </section>
                <section class="card" aria-labelledby="email-heading">
                    <h2 id="email-heading">"Email address"</h2>
                    <p class="muted">"Your address is " <strong>{current_email}</strong> ". To change it, confirm with your password; we will send a link to the new address."</p>
                    <ChangeEmailForm flash=email_flash has_password/>
                </section>
            </div>
            <ConnectedAccounts flash=connections_flash has_password/>
            <RecentActivity/>
            <DeleteAccountForm flash=delete_flash has_password username/>
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

#[component]
fn ChangePasswordForm(flash: FormFlash) -> impl IntoView {
    let session = use_session();
    let action = ServerAction::<ChangePassword>::new();
    let policy = session
        .site
        .get_untracked()
        .and_then(Result::ok)
        .map(|s| s.password_policy)
        .unwrap_or_default();
    let field_error = |name: &str| flash.error.as_ref().and_then(|e| e.field_error(name));
    let current = FieldState::new(String::new(), field_error("current_password"));
    let new = FieldState::new(String::new(), field_error("new_password"));
    let confirm = FieldState::new(String::new(), field_error("new_password_confirm"));
    Effect::new(move |_| {
        if let Some(Err(e)) = action.value().get() {
            current.server_error.set(e.field_error("current_password"));
            new.server_error.set(e.field_error("new_password"));
            confirm
                .server_error
                .set(e.field_error("new_password_confirm"));
        }
    });
    let (error, notice) = outcome(action.value(), &flash);
    let no_inputs = Signal::derive(Vec::new);
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <Alert message=error/>
            <Alert kind="success" message=notice/>
            <Field label="Current password" name="current_password" kind="password" state=current
                error=current.error(|v| v.is_empty().then(|| "Enter your current password.".to_string()))
                autocomplete="current-password" required=true maxlength=policy.max_length/>
            <Field label="New password" name="new_password" kind="password" state=new
                error=new.error(move |v| validate::new_password(v, &policy, &[]).err())
                autocomplete="new-password" required=true maxlength=policy.max_length>
                <PasswordMeter password=new.value.into() user_inputs=no_inputs min_score=policy.min_score/>
            </Field>
            <Field label="Confirm new password" name="new_password_confirm" kind="password" state=confirm
                error=confirm.error(move |v| validate::password_confirmation(&new.value.get_untracked(), v).err())
                autocomplete="new-password" required=true maxlength=policy.max_length/>
            <p class="hint">"Your other devices will be signed out; this one stays logged in."</p>
            <SubmitButton label="Change password" pending_label="Changing…" pending=action.pending().into()/>
        </ActionForm>
    }
}

#[component]
fn ChangeEmailForm(flash: FormFlash, has_password: bool) -> impl IntoView {
    let action = ServerAction::<ChangeEmail>::new();
    let field_error = |name: &str| flash.error.as_ref().and_then(|e| e.field_error(name));
    let email = FieldState::new(flash.value("new_email"), field_error("new_email"));
    let password = FieldState::new(String::new(), field_error("email_password"));
    Effect::new(move |_| {
        if let Some(Err(e)) = action.value().get() {
            email.server_error.set(e.field_error("new_email"));
            password.server_error.set(e.field_error("email_password"));
        }
    });
    let (error, notice) = outcome(action.value(), &flash);
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <Alert message=error/>
            <Alert kind="success" message=notice/>
            <Field label="New email address" name="new_email" kind="email" state=email
                error=email.error(|v| validate::Email::parse(v).err())
                autocomplete="email" required=true maxlength=validate::EMAIL_MAX/>
            {has_password.then(|| view! {
                <Field label="Current password" name="email_password" kind="password" state=password
                    error=password.error(|v| v.is_empty().then(|| "Enter your current password.".to_string()))
                    autocomplete="current-password" required=true/>
            })}
            <SubmitButton label="Change email" pending_label="Sending…" pending=action.pending().into()/>
        </ActionForm>
    }
}

/// What a form shows after a submit made here (the action's value) or, before any, after
/// a no-JavaScript post (the flash): (error, notice).
fn outcome(
    value: impl Get<Value = Option<Result<String, AppError>>> + Clone + Send + Sync + 'static,
    flash: &FormFlash,
) -> (Signal<Option<String>>, Signal<Option<String>>) {
    let value_for_notice = value.clone();
    let (flash_error, flash_notice) =
        (flash.error.as_ref().map(form_message), flash.notice.clone());
    let error = Signal::derive(move || match value.get() {
        Some(Err(e)) => Some(form_message(&e)),
        Some(Ok(_)) => None,
        None => flash_error.clone(),
    });
    let notice = Signal::derive(move || match value_for_notice.get() {
        Some(Ok(text)) => Some(text),
        Some(Err(_)) => None,
        None => flash_notice.clone(),
    });
    (error, notice)
}

#[derive(Clone, Copy)]
struct ConnectionsState {
    disconnect: ServerAction<DisconnectProvider>,
    list: Resource<Result<Vec<crate::model::ConnectionView>, AppError>>,
}

/// Sign-in providers: connect (a round trip to the provider) or disconnect.
#[component]
fn ConnectedAccounts(flash: FormFlash, has_password: bool) -> impl IntoView {
    let ConnectionsState { disconnect, list } = expect_context::<ConnectionsState>();
    let (error, notice) = outcome(disconnect.value(), &flash);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let items = list.await.unwrap_or_default();
                (!items.is_empty()).then(|| view! {
                    <section class="card" aria-labelledby="connections-heading">
                        <h2 id="connections-heading">"Connected accounts"</h2>
                        <p class="muted">"Log in with these instead of your password."</p>
                        <Alert message=error/>
                        <Alert kind="success" message=notice/>
                        <ul class="connections">
                            {items.into_iter().map(|item| {
                                let name = item.provider.name.clone();
                                let display = item.provider.display_name.clone();
                                let status = if item.connected {
                                    format!(
                                        "Connected{}{}",
                                        item.connected_email.map(|e| format!(" as {e}")).unwrap_or_default(),
                                        item.linked_since.map(|d| format!(" since {d}")).unwrap_or_default(),
                                    )
                                } else {
                                    "Not connected".to_string()
                                };
                                let label = if item.connected { format!("Disconnect {display}") } else { format!("Connect {display}") };
                                let control = if item.connected {
                                    view! {
                                        <ActionForm action=disconnect>
                                            <input type="hidden" name="provider" value=name.clone()/>
                                            <button type="submit" class="btn btn-ghost">{label}</button>
                                        </ActionForm>
                                    }.into_any()
                                } else {
                                    view! {
                                        // Connecting adds a way in: the current password proves it is the owner.
                                        <form method="post" action=format!("/auth/oauth/{name}/start") class="connect-form">
                                            <input type="hidden" name="link" value="1"/>
                                            {has_password.then(|| view! {
                                                <input
                                                    type="password"
                                                    id=format!("connect-password-{name}")
                                                    name="password"
                                                    aria-label="Current password"
                                                    autocomplete="current-password"
                                                    placeholder="Current password"
                                                    required=true
                                                />
                                            })}
                                            <button type="submit" class="btn btn-ghost">{label}</button>
                                        </form>
                                    }.into_any()
                                };
                                view! {
                                    <li class="connection">
                                        <div>
                                            <strong>{display}</strong>
                                            <p class="muted small">{status}</p>
                                        </div>
                                        {control}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct ActivityState(Resource<Result<Vec<crate::model::EventView>, AppError>>);

/// The user's own recent security events: "New sign-in from Firefox on Linux".
#[component]
fn RecentActivity() -> impl IntoView {
    let ActivityState(events) = expect_context::<ActivityState>();
    view! {
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Recent security activity"</h2>
            <p class="muted">"If something here was not you, change your password and sign out your other devices."</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let items = events.await.unwrap_or_default();
                    view! {
                        <ul class="activity">
                            {items.into_iter().map(|e| view! {
                                <li>
                                    <span>{e.summary}</span>
                                    <span class="muted small" title=e.at>{e.ago}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }
                })}
            </Transition>
            <A href="/sessions" attr:class="btn btn-ghost">"See your devices"</A>
        </section>
    }
}

/// Deleting the account: the username typed out, and the password (if there is one).
#[component]
fn DeleteAccountForm(flash: FormFlash, has_password: bool, username: String) -> impl IntoView {
    let action = use_session().delete_account;
    let field_error = |name: &str| flash.error.as_ref().and_then(|e| e.field_error(name));
    let confirm = FieldState::new(flash.value("confirm"), field_error("confirm"));
    let password = FieldState::new(String::new(), field_error("delete_password"));
    Effect::new(move |_| {
        if let Some(Err(e)) = action.value().get() {
            confirm.server_error.set(e.field_error("confirm"));
            password.server_error.set(e.field_error("delete_password"));
        }
    });
    let (error, _notice) = outcome(action.value(), &flash);
    let expected = username.clone();
    view! {
        <section class="card danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete your account"</h2>
            <p>"This removes your profile, sessions and connected accounts for good. It cannot be undone. To confirm, type your username, " <strong>{username}</strong> "."</p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <Alert message=error/>
                <Field label="Your username" name="confirm" state=confirm
                    error=confirm.error(move |v| (!v.trim().eq_ignore_ascii_case(&expected)).then(|| format!("Type your username, {expected}, to confirm.")))
                    autocomplete="off" required=true/>
                {has_password.then(|| view! {
                    <Field label="Your password" name="delete_password" kind="password" state=password
                        error=password.error(|v| v.is_empty().then(|| "Enter your password.".to_string()))
                        autocomplete="current-password" required=true/>
                })}
                <button type="submit" class="btn btn-danger" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Deleting…" } else { "Delete my account" }}
                </button>
            </ActionForm>
        </section>
    }
}
