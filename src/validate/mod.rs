//! Input rules shared by the browser and the server: the very same code gives the inline
//! message while typing and the authoritative answer on submit. The password strength
//! rule is the exception: zxcvbn runs on the server only (see `password`).

mod password;

pub use password::{
    PasswordPolicy, PasswordStrength, login_password, new_password_length, password_confirmation,
    too_weak,
};
#[cfg(feature = "ssr")]
pub use password::{changed_password, new_password, password_strength};
use std::collections::BTreeMap;
use std::str::FromStr;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const EMAIL_MAX: usize = 254;
pub const DISPLAY_NAME_MAX: usize = 64;
pub const BIO_MAX: usize = 500;
pub const AVATAR_URL_MAX: usize = 512;
/// The login field takes a username or an email, so it is bounded by the longer of the two.
pub const LOGIN_MAX: usize = EMAIL_MAX;

/// Names that would let someone pass for the service or its staff.
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "support",
    "security",
    "gatehouse",
    "api",
    "auth",
    "login",
    "logout",
    "signup",
    "profile",
    "null",
    "undefined",
];

/// Field name -> message, in a stable order for rendering and tests.
pub type FieldErrors = BTreeMap<String, String>;

/// A username: 3–32 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or digit.
/// ASCII only so that case-insensitive uniqueness means the same thing in every database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.trim();
        let len = name.chars().count();
        if name.is_empty() {
            return Err("Choose a username.".into());
        }
        if len < USERNAME_MIN {
            return Err(format!("Use at least {USERNAME_MIN} characters."));
        }
        if len > USERNAME_MAX {
            return Err(format!("Use at most {USERNAME_MAX} characters."));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err("Use only letters, digits, dots, dashes and underscores.".into());
        }
        if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err("Start with a letter or a digit.".into());
        }
        if RESERVED_USERNAMES.contains(&name.to_ascii_lowercase().as_str()) {
            return Err("That username is reserved. Please choose another.".into());
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An email address, trimmed and lower-cased so that one mailbox is one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, String> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter your email address.".into());
        }
        if email.len() > EMAIL_MAX {
            return Err(format!("Use at most {EMAIL_MAX} characters."));
        }
        let parsed = email_address::EmailAddress::from_str(&email)
            .map_err(|_| "Enter a valid email address, like name@example.com.".to_string())?;
        // Addresses that are valid RFC 5322 but never deliverable on the internet
        // (`me@localhost`, quoted local parts, IP-literal domains) are almost always typos.
        let domain = parsed.domain();
        if !domain.contains('.')
            || domain.starts_with('[')
            || domain.ends_with('.')
            || parsed.local_part().starts_with('"')
            || email.chars().any(char::is_whitespace)
        {
            return Err("Enter a valid email address, like name@example.com.".into());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Free text that must not smuggle control characters into pages or logs.
fn plain_text(input: &str, max: usize, allow_newlines: bool) -> Result<Option<String>, String> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(format!("Use at most {max} characters."));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err("Remove the control characters.".into());
    }
    Ok(Some(text.to_string()))
}

/// Optional display name, up to 64 characters on one line.
pub fn display_name(input: &str) -> Result<Option<String>, String> {
    plain_text(input, DISPLAY_NAME_MAX, false)
}

/// Optional bio, up to 500 characters; line breaks allowed.
pub fn bio(input: &str) -> Result<Option<String>, String> {
    plain_text(input, BIO_MAX, true)
}

/// Optional avatar URL: an absolute http(s) URL with a host, at most 512 characters.
/// The server parses it in full and keeps it normalised; the browser only checks its
/// shape (`looks_like_web_address`), which keeps `url`'s Unicode tables (international
/// host names) out of the wasm every first visit loads.
pub fn avatar_url(input: &str) -> Result<Option<String>, String> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > AVATAR_URL_MAX {
        return Err(format!("Use at most {AVATAR_URL_MAX} characters."));
    }
    let bad = || "Enter a web address starting with https:// (or http://).".to_string();
    if !looks_like_web_address(text) {
        return Err(bad());
    }
    #[cfg(feature = "ssr")]
    {
        let url = url::Url::parse(text).map_err(|_| bad())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(bad());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("Remove the user name and password from the address.".into());
        }
        Ok(Some(url.to_string()))
    }
    #[cfg(not(feature = "ssr"))]
    Ok(Some(text.to_string()))
}

/// Whether `text` starts as an http(s) URL does, read as a URL parser reads it (leading
/// control characters and spaces, and tabs and line breaks anywhere, are skipped). Never
/// false for an address the server's full check accepts, so the browser never blocks one.
fn looks_like_web_address(text: &str) -> bool {
    let scheme: String = text
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take(6)
        .collect::<String>()
        .to_ascii_lowercase();
    scheme.starts_with("http:") || scheme.starts_with("https:")
}

/// The longest name a passkey may have.
pub const PASSKEY_NAME_MAX: usize = 64;

/// A passkey's name ("Laptop", "Phone"): 1 to 64 characters on one line.
pub fn passkey_name(input: &str) -> Result<String, String> {
    plain_text(input, PASSKEY_NAME_MAX, false)?
        .ok_or_else(|| "Give the passkey a name, like \u{201c}Laptop\u{201d}.".to_string())
}

/// The login field: a username or an email address, not empty, not absurdly long.
pub fn login_identifier(input: &str) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("Enter your username or email.".into());
    }
    if text.len() > LOGIN_MAX {
        return Err(format!("Use at most {LOGIN_MAX} characters."));
    }
    // No name or address has them, and PostgreSQL refuses a NUL in a lookup.
    if text.chars().any(char::is_control) {
        return Err("Remove the control characters.".into());
    }
    Ok(text.to_string())
}

/// Text to search for: anything but control characters (PostgreSQL refuses a NUL).
pub fn search_text(input: &str) -> Result<&str, String> {
    let text = input.trim();
    if text.chars().any(char::is_control) {
        return Err("Remove the control characters.".into());
    }
    Ok(text)
}

/// A validated signup form.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct ValidSignup {
    pub username: Username,
    pub email: Email,
    pub display_name: Option<String>,
}

/// Validates every field of a new account at once, so all problems show together. The
/// domain's rule: a password confirmation is the form's business (see `signup`).
#[cfg(feature = "ssr")]
pub fn new_account(
    username: &str,
    email: &str,
    password: &str,
    display_name_input: &str,
    policy: &PasswordPolicy,
) -> Result<ValidSignup, FieldErrors> {
    let mut errors = FieldErrors::new();
    let username = Username::parse(username)
        .map_err(|e| errors.insert("username".into(), e))
        .ok();
    let email = Email::parse(email)
        .map_err(|e| errors.insert("email".into(), e))
        .ok();
    let display_name = display_name(display_name_input)
        .map_err(|e| errors.insert("display_name".into(), e))
        .ok();
    let inputs = [
        username.as_ref().map_or("", Username::as_str),
        email.as_ref().map_or("", Email::as_str),
        display_name
            .as_ref()
            .and_then(|d| d.as_deref())
            .unwrap_or(""),
    ];
    if let Err(e) = new_password(password, policy, &inputs) {
        errors.insert("password".into(), e);
    }
    match (username, email, display_name) {
        (Some(username), Some(email), Some(display_name)) if errors.is_empty() => Ok(ValidSignup {
            username,
            email,
            display_name,
        }),
        _ => Err(errors),
    }
}

/// The signup form: every field of the new account plus the password confirmation, all
/// problems together.
#[cfg(feature = "ssr")]
pub fn signup(
    username: &str,
    email: &str,
    password: &str,
    password_confirm: &str,
    display_name_input: &str,
    policy: &PasswordPolicy,
) -> Result<ValidSignup, FieldErrors> {
    let account = new_account(username, email, password, display_name_input, policy);
    match (account, password_confirmation(password, password_confirm)) {
        (Ok(valid), Ok(())) => Ok(valid),
        (account, confirmation) => {
            let mut errors = account.err().unwrap_or_default();
            if let Err(e) = confirmation {
                errors.insert("password_confirm".into(), e);
            }
            Err(errors)
        }
    }
}

/// A validated profile edit. Only these three fields are editable by the owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidProfile {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

pub fn profile(
    display_name_input: &str,
    bio_input: &str,
    avatar_input: &str,
) -> Result<ValidProfile, FieldErrors> {
    let mut errors = FieldErrors::new();
    let display_name = display_name(display_name_input)
        .map_err(|e| errors.insert("display_name".into(), e))
        .ok();
    let bio = bio(bio_input)
        .map_err(|e| errors.insert("bio".into(), e))
        .ok();
    let avatar_url = avatar_url(avatar_input)
        .map_err(|e| errors.insert("avatar_url".into(), e))
        .ok();
    match (display_name, bio, avatar_url) {
        (Some(display_name), Some(bio), Some(avatar_url)) => Ok(ValidProfile {
            display_name,
            bio,
            avatar_url,
        }),
        _ => Err(errors),
    }
}

/// Where to send the user after login: only a local path on this site, never another
/// origin (`//evil.example`, `/\evil.example`, `https://…`), so `?next=` cannot be an open
/// redirect.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 512
        // Printable ASCII only (real paths arrive percent-encoded): nothing that could
        // bend a Location header or be read as another host.
        && next.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    local.then(|| next.to_string())
}

/// Where a login goes on when an app's sign-in waits in this browser: the page that
/// finishes the app's authorization request.
pub const AUTHORIZE_RESUME_PATH: &str = "/oauth2/authorize/resume";

/// Where a login continues for its second factor, carrying a safe `next` along.
pub fn verify_login_path(next: Option<&str>) -> String {
    path_with_next("/login/verify", next)
}

/// `path`, with `?next=` when `next` is a safe local path.
pub fn path_with_next(path: &str, next: Option<&str>) -> String {
    match safe_next(next) {
        Some(next) => format!(
            "{path}?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests;
