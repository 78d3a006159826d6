//! The signed-in user's devices: their live sessions, and signing one, the others or all
//! of them out. A revoked session stops working on its next request, because every
//! request checks its session row.

use super::{ClientInfo, audit, sessions::Authenticated};
use crate::server::{
    db::{self, sessions::SessionRow},
    error::{Error, Result},
    state::AppState,
};
use serde_json::json;

/// Browser and system in words, from a user agent; "Unknown device" when it says nothing.
pub fn describe(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
        return "Unknown device".into();
    };
    let known = |s: &str| !s.is_empty() && s != "UNKNOWN";
    match woothee::parser::Parser::new().parse(ua) {
        // Browsers only; for tools and crawlers the product token says more.
        Some(r)
            if known(r.name)
                && matches!(
                    r.category,
                    "pc" | "smartphone" | "mobilephone" | "appliance"
                ) =>
        {
            let major = r.version.split('.').next().filter(|v| known(v));
            let browser = match major {
                Some(v) => format!("{} {v}", r.name),
                None => r.name.to_string(),
            };
            if known(r.os) {
                format!("{browser} on {}", r.os)
            } else {
                browser
            }
        }
        // Not a browser woothee knows: the product token is still better than nothing.
        _ => ua
            .split_whitespace()
            .next()
            .map(|token| token.chars().take(40).collect())
            .unwrap_or_else(|| "Unknown device".into()),
    }
}

/// The user's live sessions, most recently used first.
pub async fn list(state: &AppState, auth: &Authenticated) -> Result<Vec<SessionRow>> {
    Ok(db::sessions::list_live_for_user(&state.db.pool, &auth.user.id, db::now()).await?)
}

/// Signs out one of the user's own sessions (possibly this one). Someone else's session
/// id is answered like an unknown one.
pub async fn sign_out(
    state: &AppState,
    auth: &Authenticated,
    session_id: &str,
    client: &ClientInfo,
) -> Result<()> {
    let owned = db::sessions::find_by_id(&state.db.pool, session_id)
        .await?
        .filter(|s| s.user_id == auth.user.id && s.revoked_at.is_none());
    if owned.is_none() {
        return Err(Error::NotFound);
    }
    if db::sessions::revoke(&state.db.pool, session_id, "signed_out_by_user", db::now()).await? {
        audit::record(
            &state.db.pool,
            audit::kind::SESSION_REVOKED,
            Some(&auth.user.id),
            Some(&auth.user.id),
            client,
            json!({ "session_id": session_id, "scope": "one" }),
        )
        .await;
    }
    Ok(())
}

/// Signs out every session of the user but this one (`everywhere` false) or all of them
/// (`everywhere` true). Returns how many ended.
pub async fn sign_out_many(
    state: &AppState,
    auth: &Authenticated,
    everywhere: bool,
    client: &ClientInfo,
) -> Result<u64> {
    let keep = (!everywhere).then_some(auth.session_id.as_str());
    let reason = if everywhere {
        "signed_out_everywhere"
    } else {
        "signed_out_elsewhere"
    };
    let ended =
        db::sessions::revoke_all_for_user(&state.db.pool, &auth.user.id, keep, reason, db::now())
            .await?;
    audit::record(
        &state.db.pool,
        audit::kind::SESSION_REVOKED,
        Some(&auth.user.id),
        Some(&auth.user.id),
        client,
        json!({ "scope": if everywhere { "all" } else { "others" }, "count": ended }),
    )
    .await;
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn user_agents_read_as_browser_and_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe(Some(firefox)), "Firefox 128 on Linux");
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(chrome)), "Chrome 131 on Windows 10");
        assert_eq!(describe(Some("curl/8.5.0")), "curl/8.5.0");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(Some(iphone)), "Safari 17 on iPhone");
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(headless)), "Chrome 156 on Linux");
        assert_eq!(describe(None), "Unknown device");
        assert_eq!(describe(Some("  ")), "Unknown device");
        assert_eq!(describe(Some("gatehouse-tests/1.0")), "gatehouse-tests/1.0");
    }
}
