//! The login cookies: HttpOnly, SameSite, path `/`, and `Secure` with the `__Host-` prefix
//! whenever the public URL is https. Their values never reach JavaScript or a URL.

use crate::server::{
    auth::sessions::IssuedTokens,
    config::{SameSite, Settings},
};
use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, time::Duration};

#[derive(Clone, Debug)]
pub struct CookieNames {
    pub access: String,
    pub refresh: String,
    /// tower-sessions' cookie (flash state).
    pub browser_state: String,
    /// A login waiting for its second factor (five minutes).
    pub pending_login: String,
    secure: bool,
    same_site: cookie::SameSite,
}

impl CookieNames {
    pub fn new(settings: &Settings) -> Self {
        let secure = settings.secure_cookies();
        let prefix = if secure { "__Host-" } else { "" };
        let base = &settings.cookies.name_prefix;
        Self {
            access: format!("{prefix}{base}_access"),
            refresh: format!("{prefix}{base}_refresh"),
            browser_state: format!("{prefix}{base}_state"),
            pending_login: format!("{prefix}{base}_pending"),
            secure,
            same_site: match settings.cookies.same_site {
                SameSite::Lax => cookie::SameSite::Lax,
                SameSite::Strict => cookie::SameSite::Strict,
            },
        }
    }

    pub fn secure(&self) -> bool {
        self.secure
    }

    fn build(&self, name: &str, value: &str, max_age: i64) -> HeaderValue {
        let cookie = Cookie::build((name.to_string(), value.to_string()))
            .http_only(true)
            .secure(self.secure)
            .same_site(self.same_site)
            .path("/")
            .max_age(Duration::seconds(max_age.max(0)))
            .build();
        HeaderValue::from_str(&cookie.to_string()).expect("cookie values are base64url and JWTs")
    }

    /// `Set-Cookie` values for freshly issued tokens. A grace-window refresh carries no
    /// refresh token, and then the refresh cookie is left alone.
    pub fn for_tokens(&self, tokens: &IssuedTokens) -> Vec<HeaderValue> {
        // Lifetimes count from issue, not from now: a second boundary crossed in between
        // must not turn a 1-second cookie into an already-expired one.
        let from = tokens.issued_at;
        let mut out = vec![self.build(
            &self.access,
            &tokens.access_token,
            tokens.access_expires_at - from,
        )];
        if let Some(refresh) = &tokens.refresh_token {
            out.push(self.build(&self.refresh, refresh, tokens.refresh_expires_at - from));
        }
        out
    }

    /// `Set-Cookie` values that delete both login cookies.
    /// The cookie that holds a pending login (see `factors::pending`).
    pub fn for_pending_login(&self, token: &str, max_age: i64) -> HeaderValue {
        self.build(&self.pending_login, token, max_age)
    }

    pub fn pending_login_cleared(&self) -> HeaderValue {
        self.build(&self.pending_login, "", 0)
    }

    pub fn cleared(&self) -> Vec<HeaderValue> {
        vec![
            self.build(&self.access, "", 0),
            self.build(&self.refresh, "", 0),
        ]
    }

    /// Whether a response already sets one of the login cookies (so middleware must not
    /// overwrite what a login or logout just decided).
    pub fn response_sets_login_cookie(&self, headers: &HeaderMap) -> bool {
        headers.get_all(header::SET_COOKIE).iter().any(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.split('=').next())
                .is_some_and(|name| {
                    let name = name.trim();
                    name == self.access || name == self.refresh
                })
        })
    }
}

/// The value of a request cookie.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    const NOW: i64 = 1_800_000_000;

    fn names(public_url: &str) -> CookieNames {
        let mut s = Settings::default();
        s.server.public_url = public_url.into();
        CookieNames::new(&s.finish().unwrap())
    }

    fn tokens() -> IssuedTokens {
        IssuedTokens {
            session_id: "s".into(),
            issued_at: NOW,
            access_token: "a.b.c".into(),
            access_expires_at: NOW + 900,
            refresh_token: Some("r".into()),
            refresh_expires_at: NOW + 3600,
        }
    }

    #[test]
    fn https_cookies_are_secure_and_host_prefixed() {
        let n = names("https://id.example");
        let set: Vec<String> = n
            .for_tokens(&tokens())
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(
            set[0].starts_with("__Host-gatehouse_access=a.b.c"),
            "{}",
            set[0]
        );
        for c in &set {
            assert!(
                c.contains("HttpOnly")
                    && c.contains("Secure")
                    && c.contains("SameSite=Lax")
                    && c.contains("Path=/"),
                "{c}"
            );
            assert!(!c.contains("Domain"), "{c}");
        }
    }

    #[test]
    fn plain_http_localhost_cookies_are_not_secure() {
        let n = names("http://127.0.0.1:3000");
        let set = n.for_tokens(&tokens());
        let access = set[0].to_str().unwrap();
        assert!(access.starts_with("gatehouse_access="));
        assert!(access.contains("HttpOnly") && !access.contains("Secure"));
    }

    #[test]
    fn reads_cookie_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; gatehouse_access=tok; b=2"),
        );
        assert_eq!(read(&h, "gatehouse_access").as_deref(), Some("tok"));
        assert_eq!(read(&h, "missing"), None);
    }
}
