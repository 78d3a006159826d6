//! The admin console's server functions. Each one is a public endpoint: anonymous callers
//! get 401 and non-admins 403, checked by the `auth::admin` flows on every call.

use crate::{
    errors::AppError,
    model::{AdminUserDetail, EventPage, UserPage},
};
use leptos::prelude::*;

/// Accounts matching `q` (username or email), sorted by `sort` (`newest`, `oldest`,
/// `last_login`), 20 a page.
#[server(prefix = "/fn", endpoint = "admin/users")]
pub async fn admin_users(
    #[server(default)] q: String,
    #[server(default)] sort: String,
    #[server(default)] page: i64,
) -> Result<UserPage, AppError> {
    use super::ssr::*;
    use crate::{query::UserOrder, server::auth::admin};
    let auth = require_auth()?;
    let state = state()?;
    // The API refuses an unknown order; the page, fed by a hand-editable URL, shows the
    // default one instead.
    let order = sort.parse::<UserOrder>().unwrap_or_default();
    let found = admin::users(&state, &auth, &q, order, page).await?;
    Ok(UserPage {
        users: found.items.iter().map(admin_user_view).collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
    })
}

#[server(prefix = "/fn", endpoint = "admin/user")]
pub async fn admin_user(#[server(default)] id: String) -> Result<AdminUserDetail, AppError> {
    use super::ssr::*;
    use crate::{model::IdentityView, server::auth::admin};
    let auth = require_auth()?;
    let state = state()?;
    let detail = admin::user(&state, &auth, &id).await?;
    let now = state.clock.unix();
    let display = |name: &str| {
        state
            .settings
            .oauth
            .get(name)
            .map_or(name.to_string(), |p| p.display_name.clone())
    };
    Ok(AdminUserDetail {
        is_self: detail.user.id == auth.user.id,
        user: admin_user_view(&detail.user),
        bio: detail.user.bio.clone(),
        avatar_url: detail.user.avatar_url.clone(),
        has_password: detail.user.password_hash.is_some(),
        sessions: detail
            .sessions
            .into_iter()
            .map(|s| device_view(s, &auth.session_id, now))
            .collect(),
        identities: detail
            .identities
            .into_iter()
            .map(|i| IdentityView {
                provider: display(&i.provider),
                email: i.email,
                linked: format_date(i.linked_at),
            })
            .collect(),
        events: detail.events.iter().map(|e| event_view(e, now)).collect(),
        totp: detail.factors.totp,
        passkeys: detail.factors.passkeys,
        recovery_codes_left: detail.factors.recovery_codes_left,
    })
}

/// Removes every second factor of a user who lost theirs.
#[server(prefix = "/fn", endpoint = "admin/reset-factors")]
pub async fn admin_reset_factors(#[server(default)] id: String) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::admin;
    let auth = require_auth()?;
    let state = state()?;
    let outcome = admin::reset_factors(&state, &auth, &id, &client_info())
        .await
        .map(|user| {
            Done::said(format!(
                "{}'s second factors were removed; they were told by mail.",
                user.username
            ))
        });
    admin_user_form(&id).answer(outcome).await
}

/// The forms on the admin's user page post here; they come back to that page.
#[cfg(feature = "ssr")]
fn admin_user_form(id: &str) -> crate::forms::server::FormPost {
    crate::forms::specs::ADMIN_USER
        .post()
        .back_to(format!("/admin/users/{id}"))
}

#[server(prefix = "/fn", endpoint = "admin/set-role")]
pub async fn admin_set_role(
    #[server(default)] id: String,
    #[server(default)] role: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::admin;
    let auth = require_auth()?;
    let state = state()?;
    let set = async {
        // Only an admin learns which roles exist.
        admin::admin_gate(&state, &auth).await?;
        let role = admin::role_named(&role)?;
        admin::set_role(&state, &auth, &id, role, &client_info()).await
    };
    let outcome = set
        .await
        .map(|user| Done::said(format!("{} is now {}.", user.username, article(user.role))));
    admin_user_form(&id).answer(outcome).await
}

#[cfg(feature = "ssr")]
fn article(role: crate::domain::Role) -> &'static str {
    use crate::domain::Role;
    match role {
        Role::Admin => "an admin",
        Role::User => "a user",
    }
}

/// `active` true reactivates, false deactivates (which needs `confirm` = "yes").
#[server(prefix = "/fn", endpoint = "admin/set-active")]
pub async fn admin_set_active(
    #[server(default)] id: String,
    #[server(default)] active: bool,
    #[server(default)] confirm: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::admin;
    let auth = require_auth()?;
    let state = state()?;
    let result = if !active && confirm != "yes" {
        Err(AppError::field("confirm", "Tick the box to confirm."))
    } else {
        admin::set_active(&state, &auth, &id, active, &client_info())
            .await
            .map_err(AppError::from)
    };
    let outcome = result.map(|user| {
        Done::said(if active {
            format!("{} can log in again.", user.username)
        } else {
            format!(
                "{} has been deactivated and signed out everywhere.",
                user.username
            )
        })
    });
    admin_user_form(&id).answer(outcome).await
}

#[server(prefix = "/fn", endpoint = "admin/sign-out-user")]
pub async fn admin_sign_out_user(#[server(default)] id: String) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::admin;
    let auth = require_auth()?;
    let state = state()?;
    let outcome = admin::sign_out_user(&state, &auth, &id, &client_info())
        .await
        .map(|n| {
            Done::said(match n {
                1 => "1 session has been signed out.".to_string(),
                n => format!("{n} sessions have been signed out."),
            })
        });
    admin_user_form(&id).answer(outcome).await
}

/// Deletes an account for good; needs `confirm` = "yes". Lands on the user list.
#[server(prefix = "/fn", endpoint = "admin/delete-user")]
pub async fn admin_delete_user(
    #[server(default)] id: String,
    #[server(default)] confirm: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::admin;
    let auth = require_auth()?;
    let state = state()?;
    let result = if confirm != "yes" {
        admin::admin_gate(&state, &auth)
            .await
            .map_err(AppError::from)?;
        Err(AppError::field(
            "confirm_delete",
            "Tick the box to confirm.",
        ))
    } else {
        admin::delete_user(&state, &auth, &id)
            .await
            .map_err(AppError::from)
    };
    let outcome = result.map(|username| {
        Done::said(format!("The account {username} has been deleted.")).go_to(&specs::ADMIN_USERS)
    });
    admin_user_form(&id).answer(outcome).await
}

/// The admin overview: 30 days of sign-ups, logins, failed logins and throttled
/// attempts, and the mail queue.
#[server(prefix = "/fn", endpoint = "admin/overview")]
pub async fn admin_overview() -> Result<crate::model::Overview, AppError> {
    use super::ssr::*;
    let auth = require_auth()?;
    let state = state()?;
    crate::server::auth::overview::overview(&state, &auth)
        .await
        .map_err(AppError::from)
}

/// The audit log, filtered by user (username, email or id), event kind, and a date range
/// (`from`, `to`: YYYY-MM-DD, both days included).
#[server(prefix = "/fn", endpoint = "admin/audit")]
pub async fn audit_events(
    #[server(default)] user: String,
    #[server(default)] kind: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] page: i64,
) -> Result<EventPage, AppError> {
    use super::ssr::*;
    use crate::server::{auth::admin, db::audit::EventFilter};
    let auth = require_auth()?;
    let state = state()?;
    admin::admin_gate(&state, &auth).await?;
    let mut errors = crate::validate::FieldErrors::new();
    let kind = kind.trim();
    let kind = match kind {
        "" => None,
        named => match named.parse::<crate::domain::AuditKind>() {
            Ok(kind) => Some(kind),
            Err(_) => {
                errors.insert("kind".into(), "Choose an event from the list.".into());
                None
            }
        },
    };
    let mut day = |field: &str, value: &str| -> Option<i64> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let parsed = parse_day(value);
        if parsed.is_none() {
            errors.insert(field.into(), "Use a date like 2026-11-25.".into());
        }
        parsed
    };
    let from = day("from", &from);
    let until = day("to", &to).map(|d| d + 86_400);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let user = user.trim();
    let user_id = if user.is_empty() {
        None
    } else {
        // A username or address names an account; anything else is taken as an id, so
        // events of deleted accounts stay findable.
        Some(admin::resolve_user(&state, &auth, user).await?)
    };
    let filter = EventFilter {
        user_id,
        kind,
        from,
        until,
    };
    let found = admin::events(&state, &auth, &filter, page).await?;
    let now = state.clock.unix();
    Ok(EventPage {
        events: found.items.iter().map(|e| event_view(e, now)).collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
    })
}

/// Unix time of the start (UTC) of a YYYY-MM-DD day.
#[cfg(feature = "ssr")]
fn parse_day(value: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value, &format)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp())
}
