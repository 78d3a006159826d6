//! `/authorize/consent`: "Allow Acme Notes?" the first time a third-party app asks to
//! sign the person in. A plain form, so it works without JavaScript; the answer goes
//! back to the app.

use crate::{
    components::{RequireLogin, set_page_title},
    server_fns::apps::pending_app,
};
use leptos::prelude::*;

#[component]
pub fn ConsentPage() -> impl IntoView {
    set_page_title("Allow access");
    let app = Resource::new_blocking(|| (), |_| pending_app());
    view! {
        <section class="card narrow">
            <RequireLogin path="/authorize/consent" let:user>
                <Suspense fallback=|| ()>
                    {
                        let username = user.username.clone();
                        move || {
                            let username = username.clone();
                            Suspend::new(async move {
                                match app.await {
                                    Ok(Some(app)) => view! {
                                        <h1>{format!("Allow {}?", app.name)}</h1>
                                        <p>{format!("{} asks to sign you in as ", app.name)} <strong>{username}</strong> " and to:"</p>
                                        <ul class="permissions">
                                            {app.permissions().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                                        </ul>
                                        <p class="muted">"You can withdraw its access at any time on your profile."</p>
                                        <form method="post" action="/oauth2/consent" class="form actions">
                                            <button type="submit" name="decision" value="allow" class="btn btn-primary">"Allow"</button>
                                            <button type="submit" name="decision" value="deny" class="btn">"Deny"</button>
                                        </form>
                                    }
                                    .into_any(),
                                    Ok(None) => view! {
                                        <h1>"Nothing to allow"</h1>
                                        <p>"No app is waiting for your answer in this browser. Go back to the app and sign in again."</p>
                                    }
                                    .into_any(),
                                    Err(e) => view! { <crate::components::ErrorView error=e/> }.into_any(),
                                }
                            })
                        }
                    }
                </Suspense>
            </RequireLogin>
        </section>
    }
}
