//! `/admin`: find accounts by username or email, sorted and paged.

use super::{AdminTabs, Pager, RequireAdmin, query_string};
use crate::{
    components::{Alert, set_page_title},
    forms::specs::ADMIN_USERS,
    model::{AdminUserView, UserPage},
    pages::flash_resource,
    server_fns::admin::admin_users,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    set_page_title("Users · Admin");
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let flash = flash_resource(&[&ADMIN_USERS]);
    let list = Resource::new(
        move || {
            (
                param("q"),
                param("sort"),
                param("page").parse::<i64>().unwrap_or(1),
            )
        },
        |(q, sort, page)| admin_users(q, sort, page),
    );
    view! {
        <RequireAdmin let:_admin>
            <section class="card admin">
                <AdminTabs current="/admin"/>
                <h1>"Users"</h1>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let notice = flash.await.ok().flatten().and_then(|f| f.notice);
                        view! { <Alert kind="success" message=Signal::derive(move || notice.clone())/> }
                    })}
                </Suspense>
                <form method="get" action="/admin" class="search-form" role="search">
                    <label for="q" class="visually-hidden">"Search users"</label>
                    <input id="q" name="q" type="search" placeholder="Username or email" value=move || param("q")/>
                    <label for="sort" class="visually-hidden">"Sort by"</label>
                    <select id="sort" name="sort">
                        <option value="newest" selected=move || param("sort").is_empty() || param("sort") == "newest">"Newest first"</option>
                        <option value="oldest" selected=move || param("sort") == "oldest">"Oldest first"</option>
                        <option value="last_login" selected=move || param("sort") == "last_login">"Last login"</option>
                    </select>
                    <button type="submit" class="btn btn-primary">"Search"</button>
                </form>
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match list.await {
                            Ok(page) => view! { <UserTable page q=param("q") sort=param("sort")/> }.into_any(),
                            Err(e) => view! { <crate::components::ErrorView error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </RequireAdmin>
    }
}

#[component]
fn UserTable(page: UserPage, q: String, sort: String) -> impl IntoView {
    if page.users.is_empty() {
        return view! { <p class="muted">"No account matches."</p> }.into_any();
    }
    let link = move |n: i64| {
        format!(
            "/admin{}",
            query_string(&[
                ("q", q.clone()),
                ("sort", sort.clone()),
                ("page", n.to_string())
            ])
        )
    };
    view! {
        <div class="table-wrap">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"User"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Last login"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.users.into_iter().map(|u| view! { <UserRow user=u/> }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager page=page.page pages=page.pages total=page.total link/>
    }
    .into_any()
}

#[component]
fn UserRow(user: AdminUserView) -> impl IntoView {
    let href = format!("/admin/users/{}", user.id);
    view! {
        <tr>
            <td>
                <a href=href><strong>{user.username.clone()}</strong></a>
                <div class="muted small">{user.email.clone()}</div>
            </td>
            <td><span class="badge">{user.role.as_str()}</span></td>
            <td>
                {if user.active {
                    view! { <span class="badge badge-ok">"active"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-warn">"deactivated"</span> }.into_any()
                }}
                {(!user.email_verified).then(|| view! { <span class="badge badge-warn">"unverified"</span> })}
            </td>
            <td>{user.created.clone()}</td>
            <td>{user.last_login.clone().unwrap_or_else(|| "never".into())}</td>
        </tr>
    }
}
