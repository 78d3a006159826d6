//! `/profile`: the signed-in user's account page. This module lays the cards out and
//! holds what they share; each card lives in its own file.

mod account;
mod activity;
mod connections;
mod delete;
mod email;
mod header;
mod password;
mod public_profile;
mod verify;

use self::{
    account::AccountCard,
    activity::{ActivityState, RecentActivity},
    connections::{ConnectedAccounts, ConnectionsState},
    delete::DeleteAccountCard,
    email::EmailCard,
    header::ProfileHeader,
    password::PasswordCard,
    public_profile::PublicProfileCard,
    verify::VerifyEmailCard,
};
use super::{flash_resource, form_message};
use crate::{
    app::use_app,
    components::RequireLogin,
    errors::AppError,
    model::{FormFlash, UserView},
    server_fns::{
        account::my_activity,
        connections::{DisconnectProvider, connections},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let app = use_app();
    let flash = flash_resource("profile,password,email,resend,connections,delete");
    // Only saves made while this page is open count for the "saved" notice.
    let saves_at_open = app.update_profile.version().get_untracked();
    // Resources are made here, outside the suspended parts, so the server's serialized
    // values line up with the browser's during hydration.
    let disconnect = ServerAction::<DisconnectProvider>::new();
    provide_context(ConnectionsState {
        disconnect,
        list: Resource::new(crate::app::versions_key([disconnect.version()]), |_| {
            connections()
        }),
    });
    provide_context(ActivityState(Resource::new(
        crate::app::versions_key([app.update_profile.version(), disconnect.version()]),
        |_| my_activity(),
    )));
    view! {
        <Title text="Your profile"/>
        <RequireLogin path="/profile" reload=app.update_profile.version() let:user>
            <Suspense fallback=|| ()>
                {
                    let user = user.clone();
                    move || {
                        let user = user.clone();
                        Suspend::new(async move {
                            let flash = flash.await.ok().flatten().unwrap_or_default();
                            view! { <Profile user flash saves_at_open/> }
                        })
                    }
                }
            </Suspense>
        </RequireLogin>
    }
}

/// The cards in page order; each form gets the flash only if it was the one posted.
#[component]
fn Profile(user: UserView, flash: FormFlash, saves_at_open: usize) -> impl IntoView {
    let for_form = |name: &str| {
        if flash.form == name {
            flash.clone()
        } else {
            FormFlash::default()
        }
    };
    let has_password = user.has_password;
    let username = user.username.clone();
    let email = user.email.clone();
    let unverified = (!user.email_verified).then(|| {
        let notice = for_form("resend").notice;
        view! { <VerifyEmailCard email=email.clone() notice/> }
    });
    view! {
        <div class="profile">
            <ProfileHeader user=user.clone()/>
            <div class="profile-grid">
                <AccountCard user=user.clone()/>
                <PublicProfileCard user flash=for_form("profile") saves_at_open/>
            </div>
            {unverified}
            <div class="profile-grid">
                <PasswordCard flash=for_form("password") has_password/>
                <EmailCard flash=for_form("email") has_password current_email=email/>
            </div>
            <ConnectedAccounts flash=for_form("connections") has_password/>
            <RecentActivity/>
            <DeleteAccountCard flash=for_form("delete") has_password username/>
        </div>
    }
}

/// The form-wide error after a submit made here (the action's value) or, before any,
/// after a no-JavaScript post (the flash). Field errors show on their fields instead.
fn form_error<T: Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    flash: &FormFlash,
) -> Signal<Option<String>> {
    let flash_error = flash.error.as_ref().map(form_message);
    Signal::derive(move || match value.get() {
        Some(Err(e)) => Some(form_message(&e)),
        Some(Ok(_)) => None,
        None => flash_error.clone(),
    })
}

/// [`form_error`] and the success notice, for forms whose server function answers with
/// the notice's text: (error, notice).
fn outcome(
    value: impl Get<Value = Option<Result<String, AppError>>> + Clone + Send + Sync + 'static,
    flash: &FormFlash,
) -> (Signal<Option<String>>, Signal<Option<String>>) {
    let error = form_error(value.clone(), flash);
    let flash_notice = flash.notice.clone();
    let notice = Signal::derive(move || match value.get() {
        Some(Ok(text)) => Some(text),
        Some(Err(_)) => None,
        None => flash_notice.clone(),
    });
    (error, notice)
}
