//! What a provider says about the person: its profile JSON (and GitHub's address list),
//! read through the field names the settings give.

use super::*;

/// Reads the profile with the access token: OpenID userinfo for Google and generic
/// providers; `/user` plus `/user/emails` (primary verified address) for GitHub.
pub(super) async fn fetch_profile(
    state: &AppState,
    name: &str,
    access_token: &str,
) -> Result<ProviderProfile, OAuthError> {
    let p = provider(state, name)?;
    let get = |url: String| async move {
        let res = state
            .http
            .get(&url)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::USER_AGENT, "Gatehouse")
            .send()
            .await
            .map_err(|e| OAuthError::Provider(format!("{url}: {e}")))?;
        if !res.status().is_success() {
            return Err(OAuthError::Provider(format!(
                "{url}: status {}",
                res.status()
            )));
        }
        res.json::<Value>()
            .await
            .map_err(|e| OAuthError::Provider(format!("{url}: {e}")))
    };
    let info = get(p.userinfo_url.clone()).await?;
    let mut profile = profile_from_json(p, &info)?;
    if p.kind() == ProviderKind::Github && !p.emails_url.is_empty() {
        let emails = get(p.emails_url.clone()).await?;
        let (email, verified) = github_primary_email(&emails);
        if email.is_some() {
            profile.email = email;
            profile.email_verified = verified;
        }
    }
    Ok(profile)
}

fn text(value: &Value, field: &str) -> Option<String> {
    match value.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Maps a profile document with the provider's field names; no subject is garbage.
pub fn profile_from_json(
    p: &OAuthProviderSettings,
    info: &Value,
) -> Result<ProviderProfile, OAuthError> {
    let subject = text(info, &p.subject_field)
        .ok_or_else(|| OAuthError::Provider("profile has no subject".into()))?;
    let verified = match info.get(&p.email_verified_field) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    Ok(ProviderProfile {
        subject,
        email: text(info, &p.email_field),
        // GitHub's /user address says nothing about verification; /user/emails does.
        email_verified: verified && p.kind() != ProviderKind::Github,
        name: text(info, &p.name_field),
        avatar_url: text(info, &p.avatar_field),
        login: text(info, &p.login_field),
    })
}

/// GitHub's primary verified address, else any verified one, else the primary one
/// (unverified).
pub fn github_primary_email(emails: &Value) -> (Option<String>, bool) {
    let list = emails.as_array().cloned().unwrap_or_default();
    let field = |e: &Value, k: &str| e.get(k).and_then(Value::as_bool).unwrap_or(false);
    let address = |e: &Value| e.get("email").and_then(Value::as_str).map(str::to_string);
    if let Some(e) = list
        .iter()
        .find(|e| field(e, "primary") && field(e, "verified"))
    {
        return (address(e), true);
    }
    if let Some(e) = list.iter().find(|e| field(e, "verified")) {
        return (address(e), true);
    }
    (
        list.iter().find(|e| field(e, "primary")).and_then(address),
        false,
    )
}
