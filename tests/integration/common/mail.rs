//! A real SMTP server for tests: Python's aiosmtpd (from PyPI) on a free 127.0.0.1 port,
//! storing what it receives in a Maildir the test reads. Tests can stop and restart it.

use super::{STRONG_PASSWORD, TestApp, spawn_with};
use axum::http::StatusCode;
use gatehouse::server::{config::MailTls, db::Backend};
use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct MailServer {
    pub port: u16,
    maildir: tempfile::TempDir,
    child: Option<Child>,
}

/// One received message.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The one-time link in the plain-text body.
    pub fn link(&self) -> String {
        self.text
            .split_whitespace()
            .find(|w| {
                (w.starts_with("http://") || w.starts_with("https://")) && w.contains("token=")
            })
            .unwrap_or_else(|| panic!("no link in mail {:?}", self.subject))
            .to_string()
    }

    /// The link as a path and query, for requests to the in-process router.
    pub fn link_path(&self) -> String {
        let link = self.link();
        let after_scheme = link
            .split_once("://")
            .map_or(link.as_str(), |(_, rest)| rest);
        after_scheme[after_scheme.find('/').unwrap_or(after_scheme.len())..].to_string()
    }

    pub fn token(&self) -> String {
        let link = self.link();
        link.split("token=")
            .nth(1)
            .expect("token in link")
            .to_string()
    }
}

fn python() -> String {
    std::env::var("GATEHOUSE_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

impl MailServer {
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = Self {
            port,
            maildir: tempfile::tempdir().unwrap(),
            child: None,
        };
        server.restart().await;
        server
    }

    /// Starts (again) on the same port and Maildir.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new(python())
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(self.maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start on port {}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn dirs(&self) -> [PathBuf; 2] {
        let root = self.maildir.path().join("mail");
        [root.join("new"), root.join("cur")]
    }

    /// Everything received so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<_> = self
            .dirs()
            .iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .map(|raw| {
                let m = mail_parser::MessageParser::default()
                    .parse(&raw)
                    .expect("a parsable message");
                let to = m
                    .to()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
                    .unwrap_or_default()
                    .to_string();
                Mail {
                    to,
                    subject: m.subject().unwrap_or_default().to_string(),
                    text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
                    html: m.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
                }
            })
            .collect()
    }

    pub fn messages_to(&self, to: &str) -> Vec<Mail> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .collect()
    }

    /// Waits (up to 20 s) for a message to `to` whose subject contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> Mail {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = self
                .messages_to(to)
                .into_iter()
                .rev()
                .find(|m| m.subject.contains(subject))
            {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {to} about {subject:?}; got {:?}",
                self.messages()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        self.stop();
    }
}

// Instances wired to a test SMTP server, shared by the mail and trust tests.

/// An instance that requires verified email and sends through `mail`.
pub async fn app_with_mail(backend: Backend, mail: &MailServer) -> TestApp {
    app_with_mail_and(backend, mail, |_| {}).await
}

pub async fn app_with_mail_and(
    backend: Backend,
    mail: &MailServer,
    tweak: impl FnOnce(&mut gatehouse::server::config::Settings),
) -> TestApp {
    let port = mail.port;
    let app = spawn_with(backend, move |s| {
        s.accounts.require_verified_email = true;
        s.mail.smtp_host = "127.0.0.1".into();
        s.mail.smtp_port = port;
        s.mail.tls = MailTls::None;
        s.mail.retry_base = std::time::Duration::from_secs(1);
        s.mail.from = "Gatehouse Test <gatehouse@example.com>".into();
        tweak(s);
    })
    .await;
    app.state.spawn_workers();
    app
}

/// Signs up, follows the verification mail, logs in.
pub async fn verified_user(app: &TestApp, mail: &MailServer, username: &str) -> String {
    let email = format!("{username}@example.com");
    let res = app.signup(username, &email).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let link = mail.wait_for(&email, "Verify").await.link_path();
    assert!(
        app.open_link(&link)
            .await
            .body
            .contains("Your email is verified")
    );
    assert_eq!(
        app.login(username, STRONG_PASSWORD).await.status,
        StatusCode::OK
    );
    email
}
