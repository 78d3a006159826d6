//! `/admin/apps`: the apps that sign their users in through Gatehouse (OpenID Connect
//! clients): register one (its secret is shown once), edit its redirect URIs, mark it
//! first-party (no consent page), disable it. Each change needs a recent login (step-up),
//! as changing another account does.

use super::{AdminTabs, RequireAdmin};
use crate::{
    app::versions_key,
    components::{ErrorView, FormAlerts, set_page_title},
    forms::{Form, specs::ADMIN_APPS, use_form_since},
    model::AdminAppView,
    pages::flash_resource,
    server_fns::apps::{AdminRegisterApp, AdminUpdateApp, admin_apps},
};
use leptos::prelude::*;

#[component]
pub fn AdminAppsPage() -> impl IntoView {
    set_page_title("Apps · Admin");
    let flash = flash_resource(&[&ADMIN_APPS]);
    let register = ServerAction::<AdminRegisterApp>::new();
    let update = ServerAction::<AdminUpdateApp>::new();
    let apps = Resource::new(versions_key([register.version(), update.version()]), |_| {
        admin_apps()
    });
    view! {
        <RequireAdmin let:_admin>
            <section class="card admin">
                <AdminTabs current="/admin/apps"/>
                <h1>"Apps"</h1>
                <p class="muted">"Apps that sign their users in with Gatehouse (OpenID Connect). Discovery: "
                    <code>"/.well-known/openid-configuration"</code></p>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let flash = flash.await.ok().flatten().unwrap_or_default();
                        let register_form = use_form_since(&ADMIN_APPS, &flash, register, 0);
                        let update_form = use_form_since(&ADMIN_APPS, &flash, update, 0);
                        let list = match apps.await {
                            Ok(list) => view! {
                                <ul class="apps">
                                    {list.into_iter().map(|app| view! { <AppItem app update/> }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <ErrorView error=e/> }.into_any(),
                        };
                        view! {
                            <FormAlerts error=update_form.error notice=update_form.notice reauth=update_form.needs_reauth() back="/admin/apps"/>
                            <FieldProblems form=update_form/>
                            {list}
                            <h2>"Register an app"</h2>
                            <FormAlerts error=register_form.error notice=register_form.notice reauth=register_form.needs_reauth() back="/admin/apps"/>
                            <FieldProblems form=register_form/>
                            <ActionForm action=register attr:class="form">
                                <label for="app-name">"Name people see"</label>
                                <input id="app-name" name="name" required=true maxlength=80/>
                                <label for="app-redirects">"Redirect URIs (one a line, exact)"</label>
                                <textarea id="app-redirects" name="redirect_uris" rows=2 required=true></textarea>
                                <label for="app-logout">"Post-logout redirect URIs (optional)"</label>
                                <textarea id="app-logout" name="post_logout_redirect_uris" rows=1></textarea>
                                <fieldset>
                                    <legend>"Kind"</legend>
                                    <label><input type="radio" name="kind" value="confidential" checked=true/>" Server-side app (with a secret)"</label>
                                    <label><input type="radio" name="kind" value="public"/>" Browser or mobile app (public, PKCE)"</label>
                                </fieldset>
                                <label><input type="checkbox" name="first_party" value="1"/>" First-party: your own app, no consent page"</label>
                                <button type="submit" class="btn btn-primary">"Register"</button>
                            </ActionForm>
                        }
                    })}
                </Suspense>
            </section>
        </RequireAdmin>
    }
}

/// What the server said about the fields (a name, a redirect URI), in its words: these
/// forms have no per-field messages of their own.
#[component]
fn FieldProblems(form: Form) -> impl IntoView {
    let said = move || {
        let error = form.latest_error().get()?;
        let words: Vec<String> = ["name", "redirect_uri", "post_logout_redirect_uri"]
            .into_iter()
            .filter_map(|f| error.field_error(f))
            .collect();
        (!words.is_empty()).then(|| words.join(" "))
    };
    move || said().map(|words| view! { <p class="field-error" role="alert">{words}</p> })
}

#[component]
fn AppItem(app: AdminAppView, update: ServerAction<AdminUpdateApp>) -> impl IntoView {
    let kind = if app.confidential {
        "confidential"
    } else {
        "public"
    };
    let status = if app.disabled { " · disabled" } else { "" };
    let id = app.id.clone();
    view! {
        <li class="app">
            <h3>{app.name.clone()}</h3>
            <p class="muted small">{format!("Client id {} · {kind} · registered {}{status}", app.id, app.created)}</p>
            <ActionForm action=update attr:class="form">
                <input type="hidden" name="id" value=id.clone()/>
                <label for=format!("redirects-{id}")>"Redirect URIs"</label>
                <textarea id=format!("redirects-{id}") name="redirect_uris" rows=2>{app.redirect_uris.join("\n")}</textarea>
                <label for=format!("logout-{id}")>"Post-logout redirect URIs"</label>
                <textarea id=format!("logout-{id}") name="post_logout_redirect_uris" rows=1>{app.post_logout_redirect_uris.join("\n")}</textarea>
                <label><input type="checkbox" name="first_party" value="1" checked=app.first_party/>" First-party (no consent page)"</label>
                <label><input type="checkbox" name="disabled" value="1" checked=app.disabled/>" Disabled"</label>
                <button type="submit" class="btn">{format!("Save {}", app.name)}</button>
            </ActionForm>
        </li>
    }
}
