//! A real OAuth 2.0 / OpenID Connect provider for tests: `end2end/oauth-provider.mjs`
//! (panva's oidc-provider from npm) on a free 127.0.0.1 port, and a client that logs in
//! at it and consents (or cancels) the way a person would, through its own pages.

use gatehouse::server::config::{OAuthProviderSettings, ProviderKind, Settings};
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct OAuthServer {
    pub port: u16,
    child: Child,
}

impl OAuthServer {
    /// Starts the provider, accepting these callback URLs. It picks its own free port
    /// and names it on its first line of output.
    pub async fn start(redirect_uris: &[String]) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/end2end/oauth-provider.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .arg("0")
            .arg(redirect_uris.join(","))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node with end2end's npm packages (cd end2end && npm ci)");
        let stdout = child.stdout.take().unwrap();
        let first_line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let line = tokio::time::timeout(Duration::from_secs(20), first_line)
            .await
            .expect("the OAuth test provider did not start within 20 s")
            .unwrap()
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the OAuth test provider said {line:?}"));
        Self { port, child }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Configures `google` (OpenID userinfo) and `github` (GitHub's /user and
    /// /user/emails) to use this provider.
    pub fn configure(&self, s: &mut Settings) {
        let base = self.url();
        for (name, kind) in [
            ("google", ProviderKind::Google),
            ("github", ProviderKind::Github),
        ] {
            let github = kind == ProviderKind::Github;
            s.oauth.insert(
                name.into(),
                OAuthProviderSettings {
                    kind: Some(kind),
                    client_id: "gatehouse-test".into(),
                    authorize_url: format!("{base}/auth"),
                    token_url: format!("{base}/token"),
                    userinfo_url: if github {
                        format!("{base}/user")
                    } else {
                        format!("{base}/me")
                    },
                    emails_url: if github {
                        format!("{base}/user/emails")
                    } else {
                        String::new()
                    },
                    scopes: vec!["openid".into(), "email".into(), "profile".into()],
                    ..Default::default()
                },
            );
            s.oauth_secrets
                .insert(name.into(), "gatehouse-test-secret".into());
        }
    }

    /// Goes through the provider's pages from `authorize_url`: logs in as `login` (any
    /// password), then consents or cancels. Returns the URL the provider sends the
    /// browser back to (our callback).
    pub async fn authorize(&self, authorize_url: &str, login: &str, consent: bool) -> String {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let absolute = |location: &str| {
            if location.starts_with("http") {
                location.to_string()
            } else {
                format!("{}{location}", self.url())
            }
        };
        let mut res = client
            .get(authorize_url)
            .send()
            .await
            .expect("provider answers");
        for _ in 0..20 {
            if res.status().is_redirection() {
                let location = res.headers()["location"].to_str().unwrap().to_string();
                if !location.starts_with(&self.url()) && location.starts_with("http") {
                    return location;
                }
                res = client.get(absolute(&location)).send().await.unwrap();
                continue;
            }
            let page = res.text().await.unwrap();
            let action = between(&page, "action=\"", "\"").expect("a form on the provider page");
            res = if page.contains("value=\"login\"") {
                client
                    .post(absolute(&action))
                    .form(&[
                        ("prompt", "login"),
                        ("login", login),
                        ("password", "any password"),
                    ])
                    .send()
                    .await
                    .unwrap()
            } else if consent {
                client
                    .post(absolute(&action))
                    .form(&[("prompt", "consent")])
                    .send()
                    .await
                    .unwrap()
            } else {
                let cancel = page
                    .split("<a href=\"")
                    .skip(1)
                    .find_map(|part| {
                        part.split_once("\">[ Cancel ]")
                            .map(|(href, _)| href.to_string())
                    })
                    .expect("a cancel link");
                client
                    .get(absolute(&cancel.replace("&amp;", "&")))
                    .send()
                    .await
                    .unwrap()
            };
        }
        panic!("the provider never sent the browser back");
    }
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(text[from..to].replace("&amp;", "&"))
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
