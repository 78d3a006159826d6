//! Test harness: the real router, in-process, on a fresh database per test (a SQLite file
//! in a temp folder, or a new database on the local PostgreSQL server), with a cookie jar
//! like a browser's.

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
};
use cookie::{Cookie, CookieJar};
use gatehouse::server::{config::Settings, db::Backend, http, state::AppState};
use http_body_util::BodyExt;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

/// The public URL tests configure; a same-origin browser sends it as `Origin`.
pub const ORIGIN: &str = "http://gatehouse.test";
pub const STRONG_PASSWORD: &str = "correct horse battery staple";

/// Runs each listed `async fn name(backend: Backend)` once on SQLite and once on
/// PostgreSQL, as `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(gatehouse::server::db::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(gatehouse::server::db::Backend::Postgres).await
                }
            )*
        }
    };
}

pub mod mail;
pub mod oauth;

/// The code an authenticator app shows at unix time `at` for a base32 secret (RFC 6238:
/// SHA-1, 6 digits, 30-second steps).
pub fn code_at(secret: &str, at: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_string())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        0,
        30,
        bytes,
        None,
        String::new(),
    )
    .generate(at as u64)
}

/// One browser (a cookie jar) on a test instance of the app.
pub struct TestApp {
    pub state: AppState,
    router: Router,
    jar: Mutex<CookieJar>,
    /// The User-Agent this browser sends, if any.
    user_agent: Mutex<Option<String>>,
    /// The address this browser connects from, when a test sets one (the per-client
    /// throttles key on it; without one they do not apply).
    peer: Mutex<Option<std::net::SocketAddr>>,
    _resources: Arc<Resources>,
}

/// What a test instance owns: its temp folder, and its PostgreSQL database, dropped
/// when the last browser of the instance goes.
struct Resources {
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl Drop for Resources {
    fn drop(&mut self) {
        let Some((base, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any async context we could use; a short-lived thread with
        // its own runtime removes the database.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                use sqlx::{Connection, Executor};
                if let Ok(mut admin) =
                    sqlx::postgres::PgConnection::connect(&format!("{base}/postgres")).await
                {
                    let _ = admin
                        .execute(
                            format!(r#"drop database if exists "{name}" with (force)"#).as_str(),
                        )
                        .await;
                }
            });
        })
        .join();
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    /// The `Set-Cookie` line for one cookie name.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// Asserts a redirect (a real 302/303 for page loads and plain form posts, or the
    /// server-function redirect header for the Leptos client) to `path`.
    pub fn assert_redirect_to(&self, path: &str) {
        assert_eq!(
            self.location(),
            Some(path),
            "status {} body {}",
            self.status,
            self.body
        );
    }
}

/// A fresh instance. Signup logs straight in (`require_verified_email` off) unless a
/// test turns verification on; mail goes to files in the temp folder.
pub async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::default();
    settings.server.public_url = ORIGIN.into();
    settings.server.data_dir = dir.path().to_path_buf();
    settings.database.max_connections = 4;
    settings.accounts.require_verified_email = false;
    let postgres = match backend {
        Backend::Sqlite => {
            settings.database.url =
                format!("sqlite://{}", dir.path().join("gatehouse.db").display());
            None
        }
        Backend::Postgres => {
            let (base, name) = fresh_postgres_database().await;
            settings.database.url = format!("{base}/{name}");
            Some((base, name))
        }
    };
    tweak(&mut settings);
    let settings = settings.finish().expect("test settings");
    let state = AppState::build(settings).await.expect("app state");
    TestApp::new(
        state,
        Arc::new(Resources {
            _dir: dir,
            postgres,
        }),
    )
}

/// A new, empty database on the local PostgreSQL server: (server URL, database name).
async fn fresh_postgres_database() -> (String, String) {
    use sqlx::{Connection, Executor};
    let base = std::env::var("GATEHOUSE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let name = format!("gatehouse_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::postgres::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (set GATEHOUSE_TEST_POSTGRES to use another)");
    admin
        .execute(format!(r#"create database "{name}""#).as_str())
        .await
        .expect("create test database");
    (base, name)
}

impl TestApp {
    /// A browser with an empty cookie jar on the instance of `state`.
    fn new(state: AppState, resources: Arc<Resources>) -> TestApp {
        TestApp {
            router: http::router(state.clone()),
            state,
            jar: Mutex::new(CookieJar::new()),
            user_agent: Mutex::new(None),
            peer: Mutex::new(None),
            _resources: resources,
        }
    }

    /// Another browser (an empty cookie jar) on the same instance.
    pub fn another_browser(&self) -> TestApp {
        TestApp {
            state: self.state.clone(),
            router: self.router.clone(),
            jar: Mutex::new(CookieJar::new()),
            user_agent: Mutex::new(None),
            peer: Mutex::new(None),
            _resources: self._resources.clone(),
        }
    }

    /// A second instance of the app on the same database and data folder (so the same
    /// signing keys), as a fleet behind a load balancer runs it; `tweak` gets a copy of
    /// this instance's settings.
    pub async fn another_instance(&self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = (*self.state.settings).clone();
        tweak(&mut settings);
        let state = AppState::build(settings).await.expect("app state");
        TestApp::new(state, self._resources.clone())
    }

    /// Runs a statement against the app's database (test set-up only, such as ageing a
    /// token).
    pub async fn execute(&self, sql: &str) {
        sqlx::query(sql)
            .execute(&self.state.db.pool)
            .await
            .expect(sql);
    }

    /// Makes this browser identify itself with `ua` from now on.
    pub fn set_user_agent(&self, ua: &str) {
        *self.user_agent.lock().unwrap() = Some(ua.to_string());
    }

    /// Makes this browser connect from `ip` from now on.
    pub fn set_peer(&self, ip: &str) {
        *self.peer.lock().unwrap() = Some(std::net::SocketAddr::new(ip.parse().unwrap(), 40000));
    }

    pub fn access_cookie_name(&self) -> String {
        self.state.cookies.access.clone()
    }

    pub fn refresh_cookie_name(&self) -> String {
        self.state.cookies.refresh.clone()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let jar = self.jar.lock().unwrap();
        jar.get(name).map(|c| c.value().to_string())
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        let cookie = Cookie::new(name.to_string(), value.to_string());
        self.jar.lock().unwrap().add_original(cookie);
    }

    pub fn remove_cookie(&self, name: &str) {
        self.jar.lock().unwrap().force_remove(name);
    }

    pub fn clear_cookies(&self) {
        *self.jar.lock().unwrap() = CookieJar::new();
    }

    fn cookie_header(&self) -> Option<String> {
        let jar = self.jar.lock().unwrap();
        let pairs: Vec<String> = jar.iter().map(|c| c.stripped().to_string()).collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    /// Sends a request with the jar's cookies and stores the cookies the answer sets.
    pub async fn send(&self, mut req: Request<Body>) -> TestResponse {
        if let Some(cookies) = self.cookie_header()
            && !req.headers().contains_key(header::COOKIE)
        {
            req.headers_mut()
                .insert(header::COOKIE, cookies.parse().unwrap());
        }
        if let Some(peer) = *self.peer.lock().unwrap() {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let ua = self.user_agent.lock().unwrap().clone();
        if let Some(ua) = ua
            && !req.headers().contains_key(header::USER_AGENT)
        {
            req.headers_mut()
                .insert(header::USER_AGENT, ua.parse().unwrap());
        }
        let what = format!("{} {}", req.method(), req.uri());
        // A request that never answers fails the test instead of hanging the suite.
        let res = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            self.router.clone().oneshot(req),
        )
        .await
        .unwrap_or_else(|_| panic!("no answer within 30 s to {what}"))
        .expect("router answers");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let mut jar = self.jar.lock().unwrap();
        for line in headers.get_all(header::SET_COOKIE) {
            let c = Cookie::parse(line.to_str().unwrap().to_string()).unwrap();
            // What a browser does: a cookie set to expire, or emptied, is gone.
            let expired =
                c.max_age().is_some_and(|a| a.is_zero() || a.is_negative()) || c.value().is_empty();
            if expired {
                jar.force_remove(c.name());
            } else {
                jar.add_original(c);
            }
        }
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// A page load, as a browser makes it.
    pub async fn get(&self, path: &str) -> TestResponse {
        let req = Request::get(path)
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    fn form_request(
        path: &str,
        fields: &[(&str, &str)],
        accept: &str,
    ) -> axum::http::request::Builder {
        let _ = fields;
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
            .header(header::ORIGIN, ORIGIN)
    }

    fn encode(fields: &[(&str, &str)]) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter())
            .finish()
    }

    /// Calls a server function the way the hydrated page does (JavaScript on).
    pub async fn call(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let req = Self::form_request(path, fields, "application/json")
            .body(Body::from(Self::encode(fields)))
            .unwrap();
        self.send(req).await
    }

    /// Posts a form the way a browser without JavaScript does.
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        referer: &str,
    ) -> TestResponse {
        let req = Self::form_request(path, fields, "text/html,application/xhtml+xml")
            .header(header::REFERER, format!("{ORIGIN}{referer}"))
            .body(Body::from(Self::encode(fields)))
            .unwrap();
        self.send(req).await
    }

    /// Starts setting up an authenticator app through the Security card, as the page does.
    pub async fn start_totp(&self) {
        let res = self
            .call(
                "/fn/security-step",
                &[("change", "start_totp"), ("code", "")],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }

    pub async fn signup(&self, username: &str, email: &str) -> TestResponse {
        self.call(
            "/fn/signup",
            &[
                ("username", username),
                ("email", email),
                ("password", STRONG_PASSWORD),
                ("password_confirm", STRONG_PASSWORD),
                ("display_name", ""),
            ],
        )
        .await
    }

    pub async fn login(&self, login: &str, password: &str) -> TestResponse {
        self.call(
            "/fn/login",
            &[("login", login), ("password", password), ("next", "")],
        )
        .await
    }

    pub async fn logout(&self) -> TestResponse {
        self.call("/fn/logout", &[]).await
    }

    /// The logged-in user as the server sees this jar (`null` when anonymous).
    pub async fn me(&self) -> serde_json::Value {
        let res = self.call("/fn/me", &[]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()
    }

    /// Follows an emailed verification link as a person without JavaScript does: opening
    /// it shows a confirm button (opening alone changes nothing), which posts the form;
    /// returns the page that says what happened.
    pub async fn open_link(&self, path: &str) -> TestResponse {
        let page = self.get(path).await;
        let has_button =
            page.body.contains("Verify my email") || page.body.contains("Confirm my new address");
        if !has_button {
            return page;
        }
        let token = path.split("token=").nth(1).unwrap_or_default().to_string();
        let res = self
            .post_form("/fn/verify-email", &[("token", &token)], path)
            .await;
        let to = res.location().unwrap_or("/verify-email").to_string();
        self.get(&to).await
    }

    /// Waits (up to 5 s) until a count reaches `want`: for rows written after the answer
    /// went out, such as failed-login audit events. Returns the last count.
    pub async fn count_eventually(&self, sql: &str, want: i64) -> i64 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let n = self.count(sql).await;
            if n >= want || std::time::Instant::now() > deadline {
                return n;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Waits (up to 15 s) until the mail worker has dealt with every queued message (sent
    /// or given up): after it, a mail that has not arrived was never sent.
    pub async fn mail_settled(&self) {
        let pending = "select count(*) from outbox where status = 'pending'";
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while self.count(pending).await > 0 {
            assert!(std::time::Instant::now() < deadline, "mail still queued");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Runs a scalar SQL query against the app's database.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.state.db.pool)
            .await
            .expect(sql)
    }
}

/// A password login through the JSON API, as an API client makes it.
pub async fn api_login(app: &TestApp, login: &str, password: &str) -> TestResponse {
    api(
        app,
        axum::http::Method::POST,
        "/auth/login",
        Some(serde_json::json!({ "login": login, "password": password })),
        None,
    )
    .await
}

/// An API client: no cookie jar (API clients keep tokens themselves), a bearer token
/// when given, JSON in.
pub async fn api(
    app: &TestApp,
    method: axum::http::Method,
    path: &str,
    body: Option<serde_json::Value>,
    token: Option<&str>,
) -> TestResponse {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"));
    if let Some(token) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    app.another_browser().send(req.body(body).unwrap()).await
}
