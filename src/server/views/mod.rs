//! Rows as people see them: the views the pages' server functions return, with times
//! formatted on the server so both renders agree. The JSON API has its own wire types
//! (`http::api::types`), with RFC 3339 times.

mod audit;
mod devices;
mod profile;

pub use audit::summary;
pub use devices::describe;
pub use profile::{app_access_view, connection_views, own_event_view, passkey_view};

use crate::{
    domain::SessionId,
    model::{AdminUserView, DeviceView, EventView, UserView},
    server::db::{audit::EventRow, sessions::SessionRow, users::UserRow},
};

/// Text or an attribute value made safe to put in HTML.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn format_date(ts: i64) -> String {
    use time::{OffsetDateTime, macros::format_description};
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|d| {
            d.format(format_description!(
                "[day padding:none] [month repr:short] [year]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

pub fn format_datetime(ts: i64) -> String {
    use time::{OffsetDateTime, macros::format_description};
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|d| {
            d.format(format_description!(
                "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// "just now", "5 minutes ago", "3 hours ago", "2 days ago", or the date.
pub fn time_ago(now: i64, then: i64) -> String {
    let seconds = (now - then).max(0);
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match seconds {
        0..60 => "just now".into(),
        60..3_600 => plural(seconds / 60, "minute"),
        3_600..86_400 => plural(seconds / 3_600, "hour"),
        86_400..2_592_000 => plural(seconds / 86_400, "day"),
        _ => format_date(then),
    }
}

/// An account for the admin pages.
pub fn admin_user_view(user: &UserRow) -> AdminUserView {
    AdminUserView {
        id: user.id.to_string(),
        username: user.username.clone(),
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        active: user.is_active(),
        email_verified: user.email_verified_at.is_some(),
        created: format_date(user.created_at),
        last_login: user.last_login_at.map(format_datetime),
    }
}

/// A session as the Devices page shows it.
pub fn device_view(session: SessionRow, current_session_id: &SessionId, now: i64) -> DeviceView {
    DeviceView {
        description: describe(session.user_agent.as_deref()),
        current: &session.id == current_session_id,
        signed_in: format_datetime(session.created_at),
        last_active: time_ago(now, session.last_used_at),
        ip: session.ip,
        id: session.id.into_string(),
    }
}

/// A security event for people to read.
pub fn event_view(e: &EventRow, now: i64) -> EventView {
    EventView {
        id: e.id.clone(),
        kind: e.kind.clone(),
        summary: summary(&e.kind, &e.detail, e.user_agent.as_deref()),
        user_id: e.user_id.clone(),
        actor_id: e.actor_id.clone(),
        ip: e.ip.clone(),
        detail: e.detail.clone(),
        at: format_datetime(e.created_at),
        ago: time_ago(now, e.created_at),
    }
}

pub fn user_view(user: &UserRow) -> UserView {
    UserView {
        id: user.id.to_string(),
        username: user.username.clone(),
        email: user.email.clone(),
        email_verified: user.email_verified_at.is_some(),
        display_name: user.display_name.clone(),
        bio: user.bio.clone(),
        avatar_url: user.avatar_url.clone(),
        role: user.role,
        has_password: user.password_hash.is_some(),
        member_since: format_date(user.created_at),
        last_login: user.last_login_at.map(format_datetime),
    }
}
