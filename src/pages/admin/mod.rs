//! The admin console: `/admin` (users), `/admin/users/:id` (one account),
//! `/admin/overview` (30 days in charts, the mail queue), `/admin/audit` (the audit log)
//! and `/admin/apps` (apps that sign in through Gatehouse). Pages only show what the server functions return, and
//! those check the role themselves; the guard here is for a friendly 403 page.

mod apps;
mod audit;
mod overview;
mod user;
mod users;

pub use apps::AdminAppsPage;
pub use audit::AuditPage;
pub use overview::AdminOverviewPage;
pub use user::AdminUserPage;
pub use users::AdminUsersPage;

use crate::{components::RequireLogin, model::UserView};
use leptos::prelude::*;
use leptos_router::components::A;

/// Shows `children` to admins; others get a 403 page, anonymous visitors the login page.
#[component]
fn RequireAdmin<F, V>(children: F) -> impl IntoView
where
    F: Fn(UserView) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    view! {
        <RequireLogin path="/admin" let:user>
            {
                let children = children.clone();
                if user.role.is_admin() {
                    children(user).into_any()
                } else {
                    view! { <Forbidden/> }.into_any()
                }
            }
        </RequireLogin>
    }
}

#[component]
fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="card narrow center">
            <p class="eyebrow">"403"</p>
            <h1>"Admins only"</h1>
            <p class="muted">"This part of Gatehouse is for administrators. Your account cannot open it."</p>
            <A href="/profile" attr:class="btn btn-primary">"Go to your profile"</A>
        </section>
    }
}

/// The tabs on top of every admin page.
#[component]
fn AdminTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        let aria = (href == current).then_some("page");
        view! { <A href=href attr:class="tab" attr:aria-current=aria>{label}</A> }
    };
    view! {
        <nav class="tabs" aria-label="Admin">
            {tab("/admin", "Users")}
            {tab("/admin/overview", "Overview")}
            {tab("/admin/audit", "Audit log")}
            {tab("/admin/apps", "Apps")}
        </nav>
    }
}

/// "Page 2 of 5" with previous/next links that keep the other query parameters.
#[component]
fn Pager(
    page: i64,
    pages: i64,
    total: i64,
    link: impl Fn(i64) -> String + 'static,
) -> impl IntoView {
    let prev = (page > 1).then(|| link(page - 1));
    let next = (page < pages).then(|| link(page + 1));
    view! {
        <nav class="pager" aria-label="Pages">
            {prev.map(|href| view! { <a href=href class="btn btn-ghost" rel="prev">"← Previous"</a> })}
            <span class="muted">{format!("Page {page} of {pages} · {total} in all")}</span>
            {next.map(|href| view! { <a href=href class="btn btn-ghost" rel="next">"Next →"</a> })}
        </nav>
    }
}

/// A query string from pairs, leaving out empty values.
fn query_string(pairs: &[(&str, String)]) -> String {
    let kept: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencoding(v)))
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    }
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
