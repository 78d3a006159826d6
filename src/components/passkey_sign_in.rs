//! "Sign in with a passkey" on the login page. `public/passkeys.js` shows the button and
//! runs the ceremony; without JavaScript a sentence points to the other ways in. Nothing
//! shows when the server cannot offer passkeys.

use leptos::prelude::*;

/// Rendered only when the server can offer passkeys (the caller has read the site's
/// settings already).
#[component]
pub fn PasskeySignIn() -> impl IntoView {
    view! {
        <div class="passkey-sign-in">
            <button type="button" class="btn btn-ghost btn-block" data-passkey-login="" data-passkey-ui="" hidden=true>
                "Sign in with a passkey"
            </button>
            <div class="alert-error"><p class="alert" role="alert" data-passkey-error="" hidden=true></p></div>
            <p class="muted small" data-passkey-nojs="">
                "Signing in with a passkey needs JavaScript and a browser that supports passkeys; log in below instead."
            </p>
            <p class="divider"><span>"or"</span></p>
        </div>
    }
}
