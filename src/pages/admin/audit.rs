//! `/admin/audit`: the security events, filtered by user, kind and dates, newest first.

use super::{AdminTabs, Pager, RequireAdmin, query_string};
use crate::{
    components::set_page_title,
    domain::AuditKind,
    errors::AppError,
    model::{EventPage, EventView},
    pages::form_message,
    server_fns::admin::audit_events,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Each kind's name in the admin filter. A match, not a list, so a new kind cannot be
/// left out.
fn kind_label(kind: AuditKind) -> &'static str {
    use AuditKind as K;
    match kind {
        K::Signup => "Sign-ups",
        K::SignupAttempted => "Sign-ups with a taken address",
        K::LoginSucceeded => "Logins",
        K::LoginFailed => "Failed logins",
        K::Logout => "Logouts",
        K::RefreshTokenReused => "Stolen-token detections",
        K::PasswordRehashed => "Password storage upgrades",
        K::ProfileUpdated => "Profile updates",
        K::RoleChanged => "Role changes",
        K::VerificationSent => "Verification mails",
        K::EmailVerified => "Email verifications",
        K::EmailChangeRequested => "Email change requests",
        K::EmailChanged => "Email changes",
        K::EmailChangeCancelled => "Email changes cancelled",
        K::PasswordChanged => "Password changes",
        K::PasswordResetRequested => "Password reset requests",
        K::PasswordReset => "Password resets",
        K::OauthLinked => "Providers connected",
        K::OauthUnlinked => "Providers disconnected",
        K::OauthStateMismatch => "Refused provider callbacks",
        K::SessionRevoked => "Sessions signed out",
        K::UserDeactivated => "Deactivations",
        K::UserReactivated => "Reactivations",
        K::UserDeleted => "Deletions",
        K::TotpEnabled => "Authenticator apps set up",
        K::TotpDisabled => "Authenticator apps removed",
        K::RecoveryCodesGenerated => "Recovery codes created",
        K::RecoveryCodeUsed => "Recovery codes used",
        K::SecondFactorFailed => "Wrong second-factor codes",
        K::FactorsReset => "Second factors reset",
        K::Reauthenticated => "Identity confirmations",
        K::PasskeyAdded => "Passkeys added",
        K::PasskeyRemoved => "Passkeys removed",
        K::PasskeyRenamed => "Passkeys renamed",
        K::AppRegistered => "Apps registered",
        K::AppChanged => "App settings changed",
        K::AppAuthorized => "Apps allowed",
        K::AppAccessRevoked => "App access withdrawn",
        K::AppTokenReused => "App tokens replayed",
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    set_page_title("Audit log · Admin");
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let events = Resource::new(
        move || {
            (
                param("user"),
                param("kind"),
                param("from"),
                param("to"),
                param("page").parse::<i64>().unwrap_or(1),
            )
        },
        |(user, kind, from, to, page)| audit_events(user, kind, from, to, page),
    );
    view! {
        <RequireAdmin let:_admin>
            <section class="card admin">
                <AdminTabs current="/admin/audit"/>
                <h1>"Audit log"</h1>
                <form method="get" action="/admin/audit" class="filter-form">
                    <label>
                        <span>"User"</span>
                        <input name="user" type="search" placeholder="Username, email or id" value=move || param("user")/>
                    </label>
                    <label>
                        <span>"Event"</span>
                        <select name="kind">
                            <option value="" selected=move || param("kind").is_empty()>"Any event"</option>
                            {AuditKind::all().map(|kind| view! {
                                <option value=kind.as_str() selected=move || param("kind") == kind.as_str()>{kind_label(kind)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>
                        <span>"From"</span>
                        <input name="from" type="date" value=move || param("from")/>
                    </label>
                    <label>
                        <span>"To"</span>
                        <input name="to" type="date" value=move || param("to")/>
                    </label>
                    <button type="submit" class="btn btn-primary">"Filter"</button>
                </form>
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match events.await {
                            Ok(page) => view! {
                                <AuditTable page user=param("user") kind=param("kind") from=param("from") to=param("to")/>
                            }.into_any(),
                            Err(e @ AppError::Invalid { .. }) => {
                                let fields = match &e { AppError::Invalid { fields } => fields.values().cloned().collect::<Vec<_>>().join(" "), _ => String::new() };
                                view! { <p class="alert" role="alert">{form_message(&e)} " " {fields}</p> }.into_any()
                            }
                            Err(e) => view! { <crate::components::ErrorView error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </RequireAdmin>
    }
}

#[component]
fn AuditTable(
    page: EventPage,
    user: String,
    kind: String,
    from: String,
    to: String,
) -> impl IntoView {
    let link = move |n: i64| {
        format!(
            "/admin/audit{}",
            query_string(&[
                ("user", user.clone()),
                ("kind", kind.clone()),
                ("from", from.clone()),
                ("to", to.clone()),
                ("page", n.to_string()),
            ])
        )
    };
    view! {
        <EventList events=page.events.clone() admin=true/>
        <Pager page=page.page pages=page.pages total=page.total link/>
    }
}

/// Events as a table: when, what, and (for admins) who, from where, and the detail.
#[component]
pub fn EventList(events: Vec<EventView>, #[prop(optional)] admin: bool) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="muted">"No events."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"What"</th>
                        {admin.then(|| view! { <th scope="col">"User"</th> <th scope="col">"IP"</th> <th scope="col">"Detail"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {events.into_iter().map(|e| {
                        let user = e.user_id.clone().map(|id| view! {
                            <a href=format!("/admin/users/{id}") class="mono small">{id.chars().take(8).collect::<String>()}"…"</a>
                        });
                        view! {
                            <tr>
                                <td title=e.at.clone()>{e.ago.clone()}<div class="muted small">{e.at.clone()}</div></td>
                                <td>{e.summary.clone()}<div class="muted small mono">{e.kind.clone()}</div></td>
                                {admin.then(|| view! {
                                    <td>{user}</td>
                                    <td class="mono small">{e.ip.clone().unwrap_or_default()}</td>
                                    <td class="mono small">{e.detail.clone()}</td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
