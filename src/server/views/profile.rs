//! The profile page's cards: connected providers, allowed apps, passkeys and the
//! person's own recent events.

use super::{event_view, format_date, format_datetime};
use crate::{
    model::{AppAccessView, ConnectionView, EventView, PasskeyView, PendingAppView, ProviderView},
    server::{
        config::Settings,
        db::{
            audit::EventRow, identities::IdentityRow, passkeys::PasskeyRow,
            provider::consents::ConsentRow,
        },
    },
};

/// Every configured provider, and whether (and when) it is connected.
pub fn connection_views(settings: &Settings, linked: &[IdentityRow]) -> Vec<ConnectionView> {
    settings
        .oauth
        .iter()
        .map(|(name, p)| {
            let identity = linked.iter().find(|i| &i.provider == name);
            ConnectionView {
                provider: ProviderView {
                    name: name.clone(),
                    display_name: p.display_name.clone(),
                },
                connected: identity.is_some(),
                connected_email: identity.and_then(|i| i.email.clone()),
                linked_since: identity.map(|i| format_date(i.linked_at)),
            }
        })
        .collect()
}

/// An app the person allowed, with what it may do in their words.
pub fn app_access_view(c: ConsentRow) -> AppAccessView {
    AppAccessView {
        permissions: PendingAppView {
            name: String::new(),
            scopes: c
                .scope
                .split_ascii_whitespace()
                .map(str::to_string)
                .collect(),
        }
        .permissions()
        .into_iter()
        .map(str::to_string)
        .collect(),
        client_id: c.client_id,
        name: c.client_name,
        since: format_date(c.granted_at),
    }
}

pub fn passkey_view(row: PasskeyRow) -> PasskeyView {
    PasskeyView {
        id: row.id,
        name: row.name,
        added: format_date(row.created_at),
        last_used: row.last_used_at.map(format_datetime),
    }
}

/// One of the person's own events: the summary only, raw details are for admins.
pub fn own_event_view(e: &EventRow, now: i64) -> EventView {
    let mut view = event_view(e, now);
    view.detail = "{}".into();
    view
}
