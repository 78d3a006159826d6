//! `/admin/users/:id`: one account, with its sessions, connected providers and recent
//! events, and the admin's actions on it.

use super::{AdminTabs, RequireAdmin};
use crate::{
    app::versions_key,
    components::{FormAlerts, set_page_title},
    errors::AppError,
    forms::{specs::ADMIN_USER, use_form_since},
    model::{AdminUserDetail, FormFlash},
    pages::{NotFound, flash_resource},
    server_fns::admin::{
        AdminDeleteUser, AdminResetFactors, AdminSetActive, AdminSetRole, AdminSignOutUser,
        admin_user,
    },
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

#[derive(Clone, Copy)]
struct Actions {
    role: ServerAction<AdminSetRole>,
    active: ServerAction<AdminSetActive>,
    sign_out: ServerAction<AdminSignOutUser>,
    delete: ServerAction<AdminDeleteUser>,
    reset: ServerAction<AdminResetFactors>,
    /// Which action was submitted last: its outcome is the one shown.
    last: RwSignal<Option<Submitted>>,
}

/// The page's five actions, in the order of `Actions`' fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Submitted {
    Role,
    Active,
    SignOut,
    Delete,
    Reset,
}

const SUBMITTED: [Submitted; 5] = [
    Submitted::Role,
    Submitted::Active,
    Submitted::SignOut,
    Submitted::Delete,
    Submitted::Reset,
];

#[component]
pub fn AdminUserPage() -> impl IntoView {
    set_page_title("User · Admin");
    let params = use_params_map();
    // `try_with`: the resource below may re-read it after this page is gone.
    let id = move || {
        params
            .try_with(|p| p.get("id"))
            .flatten()
            .unwrap_or_default()
    };
    let flash = flash_resource(&[&ADMIN_USER]);
    let actions = Actions {
        role: ServerAction::new(),
        active: ServerAction::new(),
        sign_out: ServerAction::new(),
        delete: ServerAction::new(),
        reset: ServerAction::new(),
        last: RwSignal::new(None),
    };
    // Kept here, above the part that re-renders after each action.
    let versions = [
        actions.role.version(),
        actions.active.version(),
        actions.sign_out.version(),
        actions.delete.version(),
        actions.reset.version(),
    ];
    for (which, version) in SUBMITTED.into_iter().zip(versions) {
        Effect::new(move |_| {
            if version.get() > 0 {
                actions.last.set(Some(which));
            }
        });
    }
    let reloads = versions_key([
        actions.role.version(),
        actions.active.version(),
        actions.sign_out.version(),
        actions.reset.version(),
    ]);
    let detail = Resource::new(move || (id(), reloads()), |(id, _)| admin_user(id));
    view! {
        <RequireAdmin let:_admin>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    match detail.await {
                        Ok(detail) => view! { <UserDetail detail flash actions/> }.into_any(),
                        Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                        Err(e) => view! { <crate::components::ErrorView error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </RequireAdmin>
    }
}

#[component]
fn UserDetail(detail: AdminUserDetail, flash: FormFlash, actions: Actions) -> impl IntoView {
    // Five forms, one place for their outcome: the most recent action's, else what a
    // no-JavaScript post of any of them left behind (handed to the first).
    // The actions belong to the page, which outlives this view (remade after each
    // action reloads the account): every submit since it opened counts.
    let none = FormFlash::default();
    let forms = [
        use_form_since(&ADMIN_USER, &flash, actions.role, 0),
        use_form_since(&ADMIN_USER, &none, actions.active, 0),
        use_form_since(&ADMIN_USER, &none, actions.sign_out, 0),
        use_form_since(&ADMIN_USER, &none, actions.delete, 0),
        use_form_since(&ADMIN_USER, &none, actions.reset, 0),
    ];
    let newest = move || forms[actions.last.get().unwrap_or(Submitted::Role) as usize];
    let error = Signal::derive(move || newest().error.get());
    let notice = Signal::derive(move || newest().notice.get());
    let reauth = Signal::derive(move || newest().needs_reauth().get());
    let confirm_error = move |field: &'static str| {
        move || {
            newest()
                .latest_error()
                .get()
                .and_then(|e| e.field_error(field))
        }
    };
    let (confirm_deactivate, confirm_delete) =
        (confirm_error("confirm"), confirm_error("confirm_delete"));
    let user = detail.user.clone();
    let id = user.id.clone();
    let (id_role, id_sign_out, id_active, id_delete, id_events, id_reset) = (
        id.clone(),
        id.clone(),
        id.clone(),
        id.clone(),
        id.clone(),
        id.clone(),
    );
    let back = format!("/admin/users/{id}");
    let has_factors = detail.totp || detail.passkeys > 0;
    let factors = if has_factors {
        let mut parts = Vec::new();
        if detail.totp {
            parts.push("authenticator app".to_string());
        }
        if detail.passkeys > 0 {
            parts.push(format!("{} passkey(s)", detail.passkeys));
        }
        parts.push(format!(
            "{} recovery codes left",
            detail.recovery_codes_left
        ));
        parts.join(", ")
    } else {
        "none".to_string()
    };
    let other_role = if user.role.is_admin() {
        "user"
    } else {
        "admin"
    };
    let role_label = if user.role.is_admin() {
        "Make a regular user"
    } else {
        "Make an admin"
    };
    view! {
        <section class="card admin">
            <AdminTabs current=""/>
            <p><A href="/admin">"← All users"</A></p>
            <h1>{user.username.clone()}</h1>
            <p class="muted">{user.email.clone()}</p>
            <p class="badges">
                <span class="badge">{user.role.as_str()}</span>
                {if user.active {
                    view! { <span class="badge badge-ok">"active"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-warn">"deactivated"</span> }.into_any()
                }}
                {if user.email_verified {
                    view! { <span class="badge badge-ok">"email verified"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-warn">"email not verified"</span> }.into_any()
                }}
                {detail.is_self.then(|| view! { <span class="badge">"you"</span> })}
            </p>
            <FormAlerts error notice reauth back/>
            <dl class="details">
                <dt>"Display name"</dt>
                <dd>{user.display_name.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Bio"</dt>
                <dd>{detail.bio.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Password"</dt>
                <dd>{if detail.has_password { "set" } else { "none (logs in with a provider)" }}</dd>
                <dt>"Second factors"</dt>
                <dd>{factors}</dd>
                <dt>"Member since"</dt>
                <dd>{user.created.clone()}</dd>
                <dt>"Last login"</dt>
                <dd>{user.last_login.clone().unwrap_or_else(|| "never".into())}</dd>
                <dt>"User ID"</dt>
                <dd><code>{id}</code></dd>
            </dl>
        </section>

        <section class="card admin" aria-labelledby="actions-heading">
            <h2 id="actions-heading">"Actions"</h2>
            <div class="admin-actions">
                <ActionForm action=actions.role>
                    <input type="hidden" name="id" value=id_role/>
                    <input type="hidden" name="role" value=other_role/>
                    <button type="submit" class="btn btn-ghost">{role_label}</button>
                </ActionForm>
                <ActionForm action=actions.sign_out>
                    <input type="hidden" name="id" value=id_sign_out/>
                    <button type="submit" class="btn btn-ghost">"Sign out all sessions"</button>
                </ActionForm>
                {if user.active {
                    view! {
                        <ActionForm action=actions.active attr:class="confirm-form">
                            <input type="hidden" name="id" value=id_active/>
                            <input type="hidden" name="active" value="false"/>
                            <label class="check">
                                <input type="checkbox" name="confirm" value="yes"/>
                                " Yes, sign this user out and block their logins"
                            </label>
                            <p class="field-error" role="alert">{confirm_deactivate}</p>
                            <button type="submit" class="btn btn-danger">"Deactivate"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! {
                        <ActionForm action=actions.active>
                            <input type="hidden" name="id" value=id_active/>
                            <input type="hidden" name="active" value="true"/>
                            <button type="submit" class="btn btn-primary">"Reactivate"</button>
                        </ActionForm>
                    }.into_any()
                }}
                {has_factors.then(|| view! {
                    <ActionForm action=actions.reset>
                        <input type="hidden" name="id" value=id_reset/>
                        <button type="submit" class="btn btn-ghost">"Reset second factors"</button>
                    </ActionForm>
                })}
                <ActionForm action=actions.delete attr:class="confirm-form">
                    <input type="hidden" name="id" value=id_delete/>
                    <label class="check">
                        <input type="checkbox" name="confirm" value="yes"/>
                        " Yes, delete this account and its data for good"
                    </label>
                    <p class="field-error" role="alert">{confirm_delete}</p>
                    <button type="submit" class="btn btn-danger">"Delete user"</button>
                </ActionForm>
            </div>
        </section>

        <div class="profile-grid">
            <section class="card" aria-labelledby="sessions-heading">
                <h2 id="sessions-heading">"Sessions"</h2>
                {if detail.sessions.is_empty() {
                    view! { <p class="muted">"Not signed in anywhere."</p> }.into_any()
                } else {
                    view! {
                        <ul class="device-list">
                            {detail.sessions.into_iter().map(|s| view! {
                                <li class="device">
                                    <div>
                                        <strong>{s.description}</strong>
                                        <p class="muted small">
                                            {s.ip.map(|ip| format!("{ip} · ")).unwrap_or_default()}
                                            "Signed in " {s.signed_in} " · active " {s.last_active}
                                        </p>
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="identities-heading">
                <h2 id="identities-heading">"Connected accounts"</h2>
                {if detail.identities.is_empty() {
                    view! { <p class="muted">"None."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain-list">
                            {detail.identities.into_iter().map(|i| view! {
                                <li>
                                    <strong>{i.provider}</strong>
                                    {i.email.map(|e| format!(" as {e}")).unwrap_or_default()}
                                    <span class="muted">{format!(" since {}", i.linked)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>

        <section class="card" aria-labelledby="events-heading">
            <h2 id="events-heading">"Recent events"</h2>
            <super::audit::EventList events=detail.events/>
            <p><a href=format!("/admin/audit?user={id_events}")>"All events of this user →"</a></p>
        </section>
    }
}
