//! Sign-in providers: their settings, and what a known kind (Google, GitHub) implies.

use anyhow::{Context, ensure};
use serde::{Deserialize, Serialize};
use url::Url;

/// The environment variable holding a provider's client secret.
pub fn oauth_secret_env(provider: &str) -> String {
    format!(
        "GATEHOUSE_OAUTH_{}_CLIENT_SECRET",
        provider.to_ascii_uppercase().replace('-', "_")
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Google,
    Github,
    /// Any OpenID Connect provider. With `issuer`, its endpoints come from discovery and
    /// its ID token (signature, issuer, audience, expiry, nonce) is verified; without,
    /// standard claims are read from the configured userinfo endpoint.
    Oidc,
    /// Any OAuth 2.0 provider with a JSON profile endpoint; say which fields to read.
    Oauth2,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuthProviderSettings {
    /// Defaults to the provider's name when that is `google` or `github`, else `oidc`.
    pub kind: Option<ProviderKind>,
    /// Shown on buttons ("Continue with ..."); defaults from the kind or the name.
    pub display_name: String,
    pub client_id: String,
    /// OpenID Connect issuer URL (`kind = "oidc"`): everything else is discovered from
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// Endpoints; Google's and GitHub's are known, generic providers must give them
    /// (OpenID Connect providers with an `issuer` need none).
    pub authorize_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    /// GitHub only: where the (verified) addresses are listed.
    pub emails_url: String,
    pub scopes: Vec<String>,
    /// Where the profile JSON keeps each value (generic providers).
    pub subject_field: String,
    pub email_field: String,
    pub email_verified_field: String,
    pub name_field: String,
    pub avatar_field: String,
    pub login_field: String,
}

impl OAuthProviderSettings {
    pub fn kind(&self) -> ProviderKind {
        self.kind.unwrap_or(ProviderKind::Oidc)
    }

    /// An OpenID Connect provider configured by its issuer (discovery, verified ID token).
    pub fn discovers(&self) -> bool {
        self.kind() == ProviderKind::Oidc && !self.issuer.is_empty()
    }

    /// Fills what the kind implies and checks the rest.
    pub(super) fn finish(&mut self, name: &str) -> anyhow::Result<()> {
        ensure!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "oauth provider names are lower-case letters, digits and '-', got {name:?}"
        );
        let kind = *self.kind.get_or_insert(match name {
            "google" => ProviderKind::Google,
            "github" => ProviderKind::Github,
            _ => ProviderKind::Oidc,
        });
        let preset = match kind {
            ProviderKind::Google => &GOOGLE,
            ProviderKind::Github => &GITHUB,
            ProviderKind::Oidc | ProviderKind::Oauth2 => &GENERIC,
        };
        let fill = |field: &mut String, value: &str| {
            if field.is_empty() {
                *field = value.to_string();
            }
        };
        let display = if preset.display_name.is_empty() {
            name
        } else {
            preset.display_name
        };
        fill(&mut self.display_name, display);
        fill(&mut self.authorize_url, preset.authorize_url);
        fill(&mut self.token_url, preset.token_url);
        fill(&mut self.userinfo_url, preset.userinfo_url);
        fill(&mut self.emails_url, preset.emails_url);
        if self.scopes.is_empty() {
            self.scopes = preset.scopes.iter().map(|s| s.to_string()).collect();
        }
        fill(&mut self.subject_field, preset.subject_field);
        fill(&mut self.email_field, "email");
        fill(&mut self.email_verified_field, "email_verified");
        fill(&mut self.name_field, "name");
        fill(&mut self.avatar_field, preset.avatar_field);
        fill(&mut self.login_field, preset.login_field);
        ensure!(
            !self.client_id.is_empty(),
            "oauth.{name}.client_id is missing"
        );
        if !self.issuer.is_empty() {
            ensure!(
                kind == ProviderKind::Oidc,
                "oauth.{name}.issuer is for kind = \"oidc\" providers"
            );
            let url = Url::parse(&self.issuer).with_context(|| {
                format!("oauth.{name}.issuer must be a URL, got {:?}", self.issuer)
            })?;
            ensure!(
                matches!(url.scheme(), "http" | "https"),
                "oauth.{name}.issuer must be an http(s) URL"
            );
            return Ok(());
        }
        for (key, value) in [
            ("authorize_url", &self.authorize_url),
            ("token_url", &self.token_url),
            ("userinfo_url", &self.userinfo_url),
        ] {
            let url = Url::parse(value)
                .with_context(|| format!("oauth.{name}.{key} must be a URL, got {value:?}"))?;
            ensure!(
                matches!(url.scheme(), "http" | "https"),
                "oauth.{name}.{key} must be an http(s) URL"
            );
        }
        Ok(())
    }
}

/// What a known kind of provider implies, filled into the settings left empty.
struct Preset {
    display_name: &'static str,
    authorize_url: &'static str,
    token_url: &'static str,
    userinfo_url: &'static str,
    /// GitHub only: where the verified addresses are listed.
    emails_url: &'static str,
    scopes: &'static [&'static str],
    subject_field: &'static str,
    avatar_field: &'static str,
    login_field: &'static str,
}

const GOOGLE: Preset = Preset {
    display_name: "Google",
    authorize_url: "https://accounts.google.com/o/oauth2/v2/auth",
    token_url: "https://oauth2.googleapis.com/token",
    userinfo_url: "https://openidconnect.googleapis.com/v1/userinfo",
    emails_url: "",
    scopes: &["openid", "email", "profile"],
    ..GENERIC
};

const GITHUB: Preset = Preset {
    display_name: "GitHub",
    authorize_url: "https://github.com/login/oauth/authorize",
    token_url: "https://github.com/login/oauth/access_token",
    userinfo_url: "https://api.github.com/user",
    emails_url: "https://api.github.com/user/emails",
    scopes: &["read:user", "user:email"],
    subject_field: "id",
    avatar_field: "avatar_url",
    login_field: "login",
};

/// Any OpenID Connect or OAuth 2.0 provider: endpoints must be configured; the display
/// name defaults to the provider's key.
const GENERIC: Preset = Preset {
    display_name: "",
    authorize_url: "",
    token_url: "",
    userinfo_url: "",
    emails_url: "",
    scopes: &["openid", "email", "profile"],
    subject_field: "sub",
    avatar_field: "picture",
    login_field: "preferred_username",
};
