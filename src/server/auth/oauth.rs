//! Sign-in with Google, GitHub or any OpenID Connect / OAuth 2.0 provider: the
//! authorization code flow with PKCE (S256) and a `state` value, and careful account
//! linking: a provider-verified address is linked only to an account whose own address
//! is verified; an unverified account is never taken over.

use super::{
    ClientInfo, audit,
    sessions::{self, Authenticated, IssuedTokens},
};
use crate::{
    server::{
        config::{OAuthProviderSettings, ProviderKind},
        db::{
            self,
            identities::LinkError,
            users::{InsertError, NewUser, Taken, UserRow},
        },
        error::Error,
        state::AppState,
    },
    validate,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl, basic::BasicClient,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What the browser's session remembers between leaving for the provider and coming
/// back. Holds the PKCE verifier, so it stays server-side (tower-sessions store).
#[derive(Clone, Serialize, Deserialize)]
pub struct Pending {
    pub provider: String,
    pub state: String,
    pub pkce_verifier: String,
    pub next: Option<String>,
    /// Set when a logged-in user is connecting a provider to their account.
    pub link_user_id: Option<String>,
    /// The session that proved itself (password or a fresh login) to start the link: the
    /// callback must come back on that same session.
    #[serde(default)]
    pub link_session_id: Option<String>,
    pub started_at: i64,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("provider", &self.provider)
            .field("linking", &self.link_user_id.is_some())
            .finish_non_exhaustive()
    }
}

/// How long a started sign-in may take.
const PENDING_TTL_SECONDS: i64 = 600;

/// What the provider says about the person.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderProfile {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub login: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("provider not configured")]
    UnknownProvider,
    #[error("state missing or not matching")]
    StateMismatch,
    #[error("consent denied")]
    Denied,
    #[error("provider failed: {0}")]
    Provider(String),
    #[error("no verified email")]
    EmailMissing,
    /// An account with this address exists but cannot be linked automatically.
    #[error("log in with the password to link")]
    NeedsPasswordLogin,
    #[error("provider account linked to someone else")]
    LinkedElsewhere,
    #[error("linking needs the same login")]
    LinkSessionLost,
    /// Connecting a provider is a sensitive change: confirm the password (or log in again).
    #[error("recent authentication required")]
    ReauthRequired { has_password: bool },
    #[error(transparent)]
    App(#[from] Error),
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        Self::App(Error::Database(e))
    }
}

impl OAuthError {
    /// The sentence shown on the page the browser lands on.
    pub fn message(&self, provider: &str) -> String {
        match self {
            Self::UnknownProvider => "That sign-in provider is not configured here.".into(),
            Self::StateMismatch => {
                "Your sign-in attempt expired or did not match. Please try again.".into()
            }
            Self::Denied => {
                format!("You cancelled the sign-in at {provider}. Nothing was changed.")
            }
            Self::Provider(_) => {
                format!("{provider} could not complete the sign-in. Please try again in a moment.")
            }
            Self::EmailMissing => format!(
                "Your {provider} account did not share a verified email address. Verify one at {provider}, or sign up with a password."
            ),
            Self::NeedsPasswordLogin => format!(
                "An account with this email address already exists. Log in with your password, then connect {provider} from your profile."
            ),
            Self::LinkedElsewhere => {
                format!("This {provider} account is already connected to another account.")
            }
            Self::LinkSessionLost => {
                format!("Please log in again, then connect {provider} from your profile.")
            }
            Self::ReauthRequired { has_password: true } => {
                format!("To connect {provider}, enter your current password. Nothing was changed.")
            }
            Self::ReauthRequired {
                has_password: false,
            } => format!(
                "For your safety, log out and log in again, then connect {provider} within 10 minutes."
            ),
            Self::App(Error::AccountDeactivated) => {
                crate::errors::AppError::AccountDeactivated.to_string()
            }
            Self::App(_) => crate::errors::AppError::Internal.to_string(),
        }
    }
}

/// The outcome of a completed callback.
pub enum Completion {
    LoggedIn {
        tokens: Box<IssuedTokens>,
        next: Option<String>,
    },
    Linked,
    AlreadyLinked,
}

pub fn provider<'a>(
    state: &'a AppState,
    name: &str,
) -> Result<&'a OAuthProviderSettings, OAuthError> {
    state
        .settings
        .oauth
        .get(name)
        .ok_or(OAuthError::UnknownProvider)
}

/// A provider's name for people ("GitHub"), or its configured key when unknown.
pub fn display_name(state: &AppState, name: &str) -> String {
    state
        .settings
        .oauth
        .get(name)
        .map(|p| p.display_name.clone())
        .unwrap_or_else(|| name.to_string())
}

fn redirect_uri(state: &AppState, name: &str) -> String {
    format!(
        "{}/auth/oauth/{name}/callback",
        state.settings.server.public_url
    )
}

type Client = BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(state: &AppState, name: &str) -> Result<Client, OAuthError> {
    let p = provider(state, name)?;
    let bad = |e: oauth2::url::ParseError| {
        OAuthError::App(Error::Internal(anyhow::anyhow!("provider URL: {e}")))
    };
    let secret = state
        .settings
        .oauth_secrets
        .get(name)
        .cloned()
        .unwrap_or_default();
    Ok(BasicClient::new(ClientId::new(p.client_id.clone()))
        .set_client_secret(ClientSecret::new(secret))
        .set_auth_uri(AuthUrl::new(p.authorize_url.clone()).map_err(bad)?)
        .set_token_uri(TokenUrl::new(p.token_url.clone()).map_err(bad)?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri(state, name)).map_err(bad)?))
}

/// Starts a sign-in (or, with `link_user_id`, connecting a provider to an account):
/// returns the provider URL to send the browser to, and what to remember.
pub fn begin(
    state: &AppState,
    name: &str,
    next: Option<String>,
    link: Option<&Authenticated>,
) -> Result<(String, Pending), OAuthError> {
    let p = provider(state, name)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf) = client(state, name)?
        .authorize_url(CsrfToken::new_random)
        .add_scopes(p.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        .url();
    let pending = Pending {
        provider: name.to_string(),
        state: csrf.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        next: validate::safe_next(next.as_deref()),
        link_user_id: link.map(|a| a.user.id.clone()),
        link_session_id: link.map(|a| a.session_id.clone()),
        started_at: db::now(),
    };
    Ok((url.to_string(), pending))
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// Completes a sign-in or link from the provider's callback.
pub async fn complete(
    state: &AppState,
    name: &str,
    pending: Option<Pending>,
    callback: Callback,
    current: Option<&Authenticated>,
    client_info: &ClientInfo,
) -> Result<Completion, OAuthError> {
    provider(state, name)?;
    let pending = match pending {
        Some(p)
            if p.provider == name
                && callback
                    .state
                    .as_deref()
                    .is_some_and(|s| constant_time_eq(s, &p.state))
                && db::now() - p.started_at <= PENDING_TTL_SECONDS =>
        {
            p
        }
        _ => {
            // Someone arrived without the state we handed out: a forged or replayed callback.
            audit::record(
                &state.db.pool,
                audit::kind::OAUTH_STATE_MISMATCH,
                current.map(|a| a.user.id.as_str()),
                None,
                client_info,
                json!({ "provider": name }),
            )
            .await;
            return Err(OAuthError::StateMismatch);
        }
    };
    if let Some(error) = callback.error {
        return Err(if error == "access_denied" {
            OAuthError::Denied
        } else {
            OAuthError::Provider(error)
        });
    }
    let code = callback
        .code
        .ok_or_else(|| OAuthError::Provider("no code".into()))?;
    let token = client(state, name)?
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
        .request_async(&state.http)
        .await
        .map_err(|e| OAuthError::Provider(format!("token exchange: {e}")))?;
    let profile = fetch_profile(state, name, token.access_token().secret()).await?;

    if let Some(user_id) = &pending.link_user_id {
        // The same account, on the very session that re-authenticated to start this.
        let Some(current) = current.filter(|a| {
            &a.user.id == user_id && pending.link_session_id.as_deref() == Some(&a.session_id)
        }) else {
            return Err(OAuthError::LinkSessionLost);
        };
        return link(state, &current.user, name, &profile, client_info, false).await;
    }
    let user = match db::identities::find(&state.db.pool, name, &profile.subject).await? {
        Some(identity) => db::users::find_by_id(&state.db.pool, &identity.user_id)
            .await?
            .ok_or(OAuthError::Provider("identity without user".into()))?,
        None => match account_for_new_identity(state, name, &profile, client_info).await? {
            Some(user) => user,
            None => return Err(OAuthError::NeedsPasswordLogin),
        },
    };
    if !user.is_active() {
        return Err(OAuthError::App(Error::AccountDeactivated));
    }
    let tokens = sessions::start(state, &user, client_info).await?;
    db::users::record_login(&state.db.pool, &user.id, db::now()).await?;
    audit::record(
        &state.db.pool,
        audit::kind::LOGIN_OK,
        Some(&user.id),
        Some(&user.id),
        client_info,
        json!({ "session_id": tokens.session_id, "method": format!("oauth:{name}") }),
    )
    .await;
    Ok(Completion::LoggedIn {
        tokens: Box::new(tokens),
        next: pending.next,
    })
}

/// First sign-in with this provider account: link it to the account with the same
/// address when both sides verified that address, create an account when there is none,
/// and otherwise (`None`) ask for a password login.
async fn account_for_new_identity(
    state: &AppState,
    name: &str,
    profile: &ProviderProfile,
    client_info: &ClientInfo,
) -> Result<Option<UserRow>, OAuthError> {
    let email = profile
        .email
        .as_deref()
        .and_then(|e| validate::Email::parse(e).ok())
        .filter(|_| profile.email_verified);
    let Some(email) = email else {
        // No verified address: never match an account by it, and do not create one. The
        // answer must not depend on whether an account uses that address.
        return Err(OAuthError::EmailMissing);
    };
    if let Some(existing) = db::users::find_by_email(&state.db.pool, email.as_str()).await? {
        if existing.email_verified_at.is_none() {
            return Ok(None);
        }
        link(state, &existing, name, profile, client_info, true).await?;
        return Ok(Some(existing));
    }
    create_account(state, name, profile, email.as_str(), client_info)
        .await
        .map(Some)
}

/// Connects a provider account to a user.
async fn link(
    state: &AppState,
    user: &UserRow,
    name: &str,
    profile: &ProviderProfile,
    client_info: &ClientInfo,
    automatic: bool,
) -> Result<Completion, OAuthError> {
    if let Some(identity) = db::identities::find(&state.db.pool, name, &profile.subject).await? {
        return if identity.user_id == user.id {
            Ok(Completion::AlreadyLinked)
        } else {
            Err(OAuthError::LinkedElsewhere)
        };
    }
    match db::identities::insert(
        &state.db.pool,
        &user.id,
        name,
        &profile.subject,
        profile.email.as_deref(),
        db::now(),
    )
    .await
    {
        Ok(()) => {}
        // The user has another account at this provider connected already.
        Err(LinkError::AlreadyLinked) => return Err(OAuthError::LinkedElsewhere),
        Err(LinkError::Database(e)) => return Err(e.into()),
    }
    audit::record(
        &state.db.pool,
        audit::kind::OAUTH_LINKED,
        Some(&user.id),
        Some(&user.id),
        client_info,
        json!({ "provider": name, "automatic": automatic }),
    )
    .await;
    tell_owner(state, user, name, true, automatic).await?;
    Ok(Completion::Linked)
}

/// Mails the account's owner that a way in was added or removed ("not you? ...").
async fn tell_owner(
    state: &AppState,
    user: &UserRow,
    name: &str,
    connected: bool,
    automatic: bool,
) -> Result<(), Error> {
    let provider = display_name(state, name);
    state
        .mailer
        .enqueue(
            &state.db.pool,
            &user.email,
            crate::server::mail::Email::ProviderChanged {
                name: super::verification::greeting(user),
                provider: &provider,
                connected,
                automatic,
            },
        )
        .await?;
    state.mailer.wake();
    Ok(())
}

/// Checks that the person starting to connect a provider is the owner, now: their
/// current password, or (an account without one) a login in the last ten minutes.
/// Counts against the same throttle as any password check.
pub async fn confirm_link(
    state: &AppState,
    auth: &Authenticated,
    password: &super::passwords::Password,
    client_info: &ClientInfo,
) -> Result<(), OAuthError> {
    match auth.user.password_hash.as_deref() {
        Some(hash) => {
            if password.expose().is_empty() {
                return Err(OAuthError::ReauthRequired { has_password: true });
            }
            state
                .throttle
                .check_password_attempt(&auth.user.id, client_info.ip.as_deref())?;
            let verified = state
                .hasher
                .verify(password, Some(hash))
                .await
                .map_err(Error::from)?;
            state
                .throttle
                .record_password_result(&auth.user.id, verified.ok);
            if !verified.ok {
                return Err(OAuthError::ReauthRequired { has_password: true });
            }
            Ok(())
        }
        None if auth.logged_in_recently() => Ok(()),
        None => Err(OAuthError::ReauthRequired {
            has_password: false,
        }),
    }
}

async fn create_account(
    state: &AppState,
    name: &str,
    profile: &ProviderProfile,
    email: &str,
    client_info: &ClientInfo,
) -> Result<UserRow, OAuthError> {
    let display_name = profile
        .name
        .as_deref()
        .map(|n| {
            n.chars()
                .take(validate::DISPLAY_NAME_MAX)
                .collect::<String>()
        })
        .and_then(|n| validate::display_name(&n).ok().flatten());
    let avatar = profile
        .avatar_url
        .as_deref()
        .and_then(|u| validate::avatar_url(u).ok().flatten());
    let now = db::now();
    for username in username_candidates(profile, email) {
        let mut tx = state.db.begin().await?;
        let inserted = db::users::insert(
            &mut *tx,
            NewUser {
                username: &username,
                email,
                password_hash: None,
                display_name: display_name.as_deref(),
                role: super::accounts::ROLE_USER,
                email_verified_at: Some(now),
            },
            now,
        )
        .await;
        let user = match inserted {
            Ok(user) => user,
            Err(InsertError::Taken(Taken::Username)) => continue,
            // Someone signed up with this address a moment ago.
            Err(InsertError::Taken(Taken::Email)) => return Err(OAuthError::NeedsPasswordLogin),
            Err(InsertError::Database(e)) => return Err(e.into()),
        };
        if let Some(avatar) = &avatar {
            db::users::update_profile(
                &mut *tx,
                &user.id,
                display_name.as_deref(),
                None,
                Some(avatar),
                now,
            )
            .await?;
        }
        db::identities::insert(&mut *tx, &user.id, name, &profile.subject, Some(email), now)
            .await
            .map_err(|e| match e {
                LinkError::AlreadyLinked => OAuthError::LinkedElsewhere,
                LinkError::Database(e) => e.into(),
            })?;
        audit::record(
            &mut *tx,
            audit::kind::SIGNUP,
            Some(&user.id),
            Some(&user.id),
            client_info,
            json!({ "method": format!("oauth:{name}") }),
        )
        .await;
        tx.commit().await?;
        return Ok(db::users::find_by_id(&state.db.pool, &user.id)
            .await?
            .unwrap_or(user));
    }
    Err(OAuthError::App(Error::Internal(anyhow::anyhow!(
        "no free username"
    ))))
}

/// Usernames to try, best first: the provider login, the address's local part, then the
/// same with a number added.
pub fn username_candidates(profile: &ProviderProfile, email: &str) -> Vec<String> {
    let clean = |s: &str| {
        let kept: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .skip_while(|c| !c.is_ascii_alphanumeric())
            .take(validate::USERNAME_MAX - 5)
            .collect();
        kept
    };
    let mut bases: Vec<String> = [profile.login.as_deref(), email.split('@').next()]
        .into_iter()
        .flatten()
        .map(clean)
        .filter(|b| validate::Username::parse(b).is_ok())
        .collect();
    bases.dedup();
    if bases.is_empty() {
        bases.push("user".into());
    }
    let mut out = bases.clone();
    let base = &bases[0];
    for _ in 0..8 {
        out.push(format!("{base}{}", rand::random::<u16>() % 10_000));
    }
    out.retain(|u| validate::Username::parse(u).is_ok());
    out
}

/// Reads the profile with the access token: OpenID userinfo for Google and generic
/// providers; `/user` plus `/user/emails` (primary verified address) for GitHub.
async fn fetch_profile(
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

fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The provider accounts connected to the signed-in user.
pub async fn linked(
    state: &AppState,
    auth: &Authenticated,
) -> Result<Vec<db::identities::IdentityRow>, Error> {
    Ok(db::identities::for_user(&state.db.pool, &auth.user.id).await?)
}

/// Disconnects a provider, unless it is the account's last way to log in. The check and
/// the delete run under a lock of the account's row, so two concurrent disconnects of the
/// last two providers cannot both pass.
pub async fn unlink(
    state: &AppState,
    auth: &Authenticated,
    name: &str,
    client_info: &ClientInfo,
) -> Result<(), Error> {
    let mut tx = state.db.begin().await?;
    db::users::lock(&mut *tx, &auth.user.id).await?;
    let user = db::users::find_by_id(&mut *tx, &auth.user.id)
        .await?
        .ok_or(Error::Unauthorized)?;
    let identities = db::identities::for_user(&mut *tx, &user.id).await?;
    if !identities.iter().any(|i| i.provider == name) {
        return Err(Error::NotFound);
    }
    if user.password_hash.is_none() && identities.len() <= 1 {
        return Err(Error::Conflict(
            "This is the only way you can log in. Set a password first (with “Forgot your password?”) or connect another provider, then disconnect this one.".into(),
        ));
    }
    db::identities::delete(&mut *tx, &user.id, name).await?;
    audit::record(
        &mut *tx,
        audit::kind::OAUTH_UNLINKED,
        Some(&user.id),
        Some(&user.id),
        client_info,
        json!({ "provider": name }),
    )
    .await;
    tx.commit().await?;
    tell_owner(state, &user, name, false, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github() -> OAuthProviderSettings {
        let mut s = crate::server::config::Settings::default();
        s.oauth.insert(
            "github".into(),
            OAuthProviderSettings {
                client_id: "id".into(),
                ..Default::default()
            },
        );
        s.oauth_secrets.insert("github".into(), "secret".into());
        s.finish().unwrap().oauth["github"].clone()
    }

    #[test]
    fn github_numbers_become_subjects_and_its_user_email_is_not_trusted() {
        let p = github();
        let profile = profile_from_json(
            &p,
            &json!({ "id": 42, "login": "octo", "email": "o@example.com", "email_verified": true }),
        )
        .unwrap();
        assert_eq!(profile.subject, "42");
        assert_eq!(profile.login.as_deref(), Some("octo"));
        assert!(!profile.email_verified);
        assert!(
            profile_from_json(&p, &json!({ "login": "x" })).is_err(),
            "no subject, no profile"
        );
    }

    #[test]
    fn github_emails_prefer_the_primary_verified_one() {
        let emails = json!([
            { "email": "old@example.com", "primary": false, "verified": true },
            { "email": "main@example.com", "primary": true, "verified": true },
        ]);
        assert_eq!(
            github_primary_email(&emails),
            (Some("main@example.com".into()), true)
        );
        let unverified = json!([{ "email": "u@example.com", "primary": true, "verified": false }]);
        assert_eq!(
            github_primary_email(&unverified),
            (Some("u@example.com".into()), false)
        );
        assert_eq!(github_primary_email(&json!([])), (None, false));
    }

    #[test]
    fn usernames_come_from_the_login_or_address_and_are_valid() {
        let profile = ProviderProfile {
            login: Some("Octo Cat!".into()),
            ..Default::default()
        };
        let names = username_candidates(&profile, "octo.dev@example.com");
        assert_eq!(&names[..2], ["OctoCat", "octo.dev"]);
        assert!(
            names.iter().all(|n| validate::Username::parse(n).is_ok()),
            "{names:?}"
        );
        let reserved = ProviderProfile {
            login: Some("admin".into()),
            ..Default::default()
        };
        let fallback = username_candidates(&reserved, "ab@example.com");
        assert!(
            fallback[0] == "user" && fallback.iter().all(|n| n.starts_with("user")),
            "a reserved login and a too-short address fall back to user + number: {fallback:?}"
        );
        assert!(fallback.len() > 1, "numbered alternatives follow");
    }
}
