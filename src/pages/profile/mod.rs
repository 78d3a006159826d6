//! `/profile`: the signed-in user's account page. This module lays the cards out and
//! holds what they share; each card lives in its own file.

mod account;
mod activity;
mod apps;
mod connections;
mod delete;
mod email;
mod header;
mod passkeys;
mod password;
mod public_profile;
mod security;
mod verify;

use self::{
    account::AccountCard,
    activity::RecentActivity,
    apps::{AppsCard, AppsState},
    connections::{ConnectedAccounts, ConnectionsState},
    delete::DeleteAccountCard,
    email::EmailCard,
    header::ProfileHeader,
    passkeys::{PasskeysCard, PasskeysState},
    password::PasswordCard,
    public_profile::PublicProfileCard,
    security::{SecurityCard, SecurityState},
    verify::VerifyEmailCard,
};
use super::flash_resource;
use crate::{
    app::account_action,
    components::{RequireLogin, reloading, set_page_title},
    errors::AppError,
    forms::specs::{PROFILE_PAGE, RESEND},
    model::{FormFlash, ProfileCardsView, UserView},
    server_fns::{
        account::UpdateProfile, apps::RevokeApp, connections::DisconnectProvider,
        factors::SecurityStep, profile::profile_cards,
    },
};
use leptos::prelude::*;

/// What the cards list, for every card (see `ProfilePage`), found through the context.
#[derive(Clone, Copy)]
struct Cards(Resource<Result<ProfileCardsView, AppError>>);

impl Cards {
    /// A card's body, drawn from the card's part of the data (see `reloading`).
    fn show<T: 'static, V: IntoView + 'static>(
        self,
        loading: Option<&'static str>,
        part: impl Fn(ProfileCardsView) -> T + Copy + Send + Sync + 'static,
        body: impl Fn(Result<T, AppError>) -> V + Clone + Send + Sync + 'static,
    ) -> impl IntoView {
        reloading(self.0, loading, move |cards| body(cards.map(part)))
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    set_page_title("Your profile");
    let flash = flash_resource(PROFILE_PAGE);
    // Only saves made while this page is open count for the "saved" notice.
    let update_profile = account_action::<UpdateProfile>();
    let saves_at_open = update_profile.version().get_untracked();
    // The cards' data is one resource, made here outside the suspended parts so the
    // server's serialized value lines up with the browser's during hydration. A render
    // reads it in one call; any card's action reloads it whole, so the activity card
    // shows what the action recorded.
    let disconnect = ServerAction::<DisconnectProvider>::new();
    let revoke_app = ServerAction::<RevokeApp>::new();
    let passkeys = PasskeysState::actions();
    let security_step = ServerAction::<SecurityStep>::new();
    let cards = Cards(Resource::new(
        crate::app::versions_key([
            update_profile.version(),
            disconnect.version(),
            revoke_app.version(),
            passkeys.rename.version(),
            passkeys.remove.version(),
            security_step.version(),
        ]),
        |_| profile_cards(),
    ));
    provide_context(cards);
    #[cfg(feature = "ssr")]
    let site = crate::app::use_app().site;
    provide_context(ConnectionsState { disconnect });
    provide_context(AppsState { revoke: revoke_app });
    provide_context(passkeys);
    provide_context(SecurityState {
        step: security_step,
    });
    view! {
        <RequireLogin path="/profile" reload=update_profile.version() let:user>
            // One `Suspend`, not a closure making one: a server render resolves a
            // boundary's children three times (two dry runs, then the render), and a
            // closure would build every card each time. The flash never reloads, and a
            // new user makes `RequireLogin` build this anew.
            <Suspense fallback=|| ()>
                {
                    let user = user.clone();
                    Suspend::new(async move {
                        let flash = flash.await.ok().flatten().unwrap_or_default();
                        // On the server the cards draw straight from their data and
                        // the site's settings (`reloading`), so both are awaited here
                        // first; in the browser each card's boundary waits on its own.
                        #[cfg(feature = "ssr")]
                        {
                            cards.0.ready().await;
                            site.ready().await;
                        }
                        view! { <Profile user flash saves_at_open/> }
                    })
                }
            </Suspense>
        </RequireLogin>
    }
}

/// The cards in page order; each form finds its own part of the flash (`use_form`).
#[component]
fn Profile(user: UserView, flash: FormFlash, saves_at_open: usize) -> impl IntoView {
    let has_password = user.has_password;
    let username = user.username.clone();
    let email = user.email.clone();
    let unverified = (!user.email_verified).then(|| {
        let notice = (flash.form == RESEND.id)
            .then(|| flash.notice.clone())
            .flatten();
        view! { <VerifyEmailCard email=email.clone() notice/> }
    });
    view! {
        <div class="profile">
            <ProfileHeader user=user.clone()/>
            <div class="profile-grid">
                <AccountCard user=user.clone()/>
                <PublicProfileCard user flash=flash.clone() saves_at_open/>
            </div>
            {unverified}
            <div class="profile-grid">
                <PasswordCard flash=flash.clone() has_password/>
                <EmailCard flash=flash.clone() has_password current_email=email/>
            </div>
            <SecurityCard flash=flash.clone()/>
            <PasskeysCard flash=flash.clone()/>
            <ConnectedAccounts flash=flash.clone() has_password/>
            <AppsCard flash=flash.clone()/>
            <RecentActivity/>
            <DeleteAccountCard flash has_password username/>
        </div>
    }
}
