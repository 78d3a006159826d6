//! What admins may do to other accounts: find them, change their role, deactivate or
//! reactivate them, sign them out everywhere, delete them, and read the audit log.
//!
//! Every function here takes the caller's [`Authenticated`] and checks the role itself.
//! The user in it was read from the database on this very request (the session check
//! joins the users table), so a demoted admin loses these powers at once, whatever their
//! access token still says. The last active admin can never be demoted, deactivated or
//! deleted, so the service cannot lock itself out.

use super::{
    ClientInfo,
    audit::{self, Actor, AuditEvent, RevokeScope},
    sessions::Authenticated,
};
use crate::domain::Role;
use crate::server::{
    db::{
        self,
        audit::{EventFilter, EventRow},
        identities::IdentityRow,
        sessions::SessionRow,
        users::{UserOrder, UserRow},
    },
    error::{AdminChange, Error, Refusal, Result, SensitiveAction},
    state::AppState,
};

pub const PAGE_SIZE: i64 = 20;

/// The caller, if an admin; 403 otherwise.
pub fn require_admin(auth: &Authenticated) -> Result<&UserRow> {
    if auth.user.role.is_admin() && auth.user.is_active() {
        Ok(&auth.user)
    } else {
        Err(Error::Forbidden)
    }
}

/// An admin who may use the admin pages and API: where admins must have a second factor
/// (`require_mfa_for_admins`), one without is sent to set one up first.
pub async fn admin_gate<'a>(state: &AppState, auth: &'a Authenticated) -> Result<&'a UserRow> {
    let admin = require_admin(auth)?;
    if state.settings.admins_need_mfa() && !super::factors::of(state, &admin.id).await?.any() {
        return Err(Error::Refused(Refusal::SecondFactorRequired));
    }
    Ok(admin)
}

/// An admin about to change another account: the gate, and a recent authentication.
async fn admin_change<'a>(state: &AppState, auth: &'a Authenticated) -> Result<&'a UserRow> {
    let admin = admin_gate(state, auth).await?;
    super::step_up::require(state, auth, SensitiveAction::ChangeUser)?;
    Ok(admin)
}

/// An admin about to register or change an app: the gate, and a recent authentication,
/// because a first-party app signs people in without asking them.
pub async fn admin_apps_change<'a>(
    state: &AppState,
    auth: &'a Authenticated,
) -> Result<&'a UserRow> {
    let admin = admin_gate(state, auth).await?;
    super::step_up::require(state, auth, SensitiveAction::ChangeApps)?;
    Ok(admin)
}

pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

fn page_bounds(page: i64, total: i64) -> (i64, i64) {
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    (page.clamp(1, pages), pages)
}

/// Accounts whose username or email contains `query`, a page at a time.
pub async fn users(
    state: &AppState,
    auth: &Authenticated,
    query: &str,
    order: UserOrder,
    page: i64,
) -> Result<Page<UserRow>> {
    admin_gate(state, auth).await?;
    let query = crate::validate::search_text(query).map_err(|e| Error::field("q", e))?;
    let total = db::users::count_search(&state.db.pool, query).await?;
    let (page, pages) = page_bounds(page, total);
    let items = db::users::search(
        &state.db.pool,
        query,
        order,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    Ok(Page {
        items,
        total,
        page,
        pages,
    })
}

/// Everything an admin sees about one account.
pub struct UserDetail {
    pub user: UserRow,
    pub sessions: Vec<SessionRow>,
    pub identities: Vec<IdentityRow>,
    pub events: Vec<EventRow>,
    pub factors: super::factors::Factors,
}

pub async fn user(state: &AppState, auth: &Authenticated, id: &str) -> Result<UserDetail> {
    admin_gate(state, auth).await?;
    let user = find(state, id).await?;
    let pool = &state.db.pool;
    Ok(UserDetail {
        sessions: db::sessions::list_live_for_user(pool, id, state.clock.unix()).await?,
        identities: db::identities::for_user(pool, id).await?,
        events: db::audit::recent_for_user(pool, id, 20).await?,
        factors: super::factors::of(state, id).await?,
        user,
    })
}

/// One account, without its sessions and events.
pub async fn account(state: &AppState, auth: &Authenticated, id: &str) -> Result<UserRow> {
    admin_gate(state, auth).await?;
    find(state, id).await
}

async fn find(state: &AppState, id: &str) -> Result<UserRow> {
    db::users::find_by_id(&state.db.pool, id)
        .await?
        .ok_or(Error::NotFound)
}

/// Reads a role named in a form or a request body.
pub fn role_named(name: &str) -> Result<Role> {
    name.parse()
        .map_err(|_| Error::field("role", "Choose “user” or “admin”."))
}

pub async fn set_role(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    role: Role,
    client: &ClientInfo,
) -> Result<UserRow> {
    let admin = admin_change(state, auth).await?;
    let target = find(state, id).await?;
    if target.role == role {
        return Ok(target);
    }
    let mut tx = state.db.begin().await?;
    if role == Role::User {
        super::last_admin::keep_an_admin(&mut tx, &target, AdminChange::Demote).await?;
    }
    db::users::set_role(&mut *tx, id, role, state.clock.unix()).await?;
    audit::record(
        &mut *tx,
        AuditEvent::RoleChanged {
            from: target.role,
            to: role,
            by: Actor::Admin,
        },
        Some(id),
        Some(&admin.id),
        client,
    )
    .await;
    tx.commit().await?;
    state.auth_cache.forget_user(id);
    find(state, id).await
}

/// Deactivating ends every session of the account and blocks its logins; reactivating
/// lets it log in again.
pub async fn set_active(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    active: bool,
    client: &ClientInfo,
) -> Result<UserRow> {
    let admin = admin_change(state, auth).await?;
    let target = find(state, id).await?;
    if target.is_active() == active {
        return Ok(target);
    }
    let now = state.clock.unix();
    let mut tx = state.db.begin().await?;
    if !active {
        super::last_admin::keep_an_admin(&mut tx, &target, AdminChange::Deactivate).await?;
    }
    if active {
        db::users::set_deactivated(&mut *tx, id, None, now).await?;
        audit::record(
            &mut *tx,
            AuditEvent::UserReactivated,
            Some(id),
            Some(&admin.id),
            client,
        )
        .await;
    } else {
        db::users::set_deactivated(&mut *tx, id, Some(now), now).await?;
        let revoked =
            db::sessions::revoke_all_for_user(&mut *tx, id, None, "deactivated", now).await?;
        audit::record(
            &mut *tx,
            AuditEvent::UserDeactivated {
                sessions_revoked: revoked,
            },
            Some(id),
            Some(&admin.id),
            client,
        )
        .await;
    }
    tx.commit().await?;
    state.auth_cache.forget_user(id);
    find(state, id).await
}

/// Ends every session of the account. Returns how many.
pub async fn sign_out_user(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    client: &ClientInfo,
) -> Result<u64> {
    let admin = admin_change(state, auth).await?;
    find(state, id).await?;
    let revoked = db::sessions::revoke_all_for_user(
        &state.db.pool,
        id,
        None,
        "signed_out_by_admin",
        state.clock.unix(),
    )
    .await?;
    state.auth_cache.forget_user(id);
    audit::record(
        &state.db.pool,
        AuditEvent::SessionRevoked {
            scope: RevokeScope::All,
            by: Actor::Admin,
            session_id: None,
            count: revoked,
        },
        Some(id),
        Some(&admin.id),
        client,
    )
    .await;
    Ok(revoked)
}

/// Removes every second factor of the account (app, passkeys, recovery codes) and any
/// login waiting for one: for an owner who lost them. Audited and mailed to the owner.
pub async fn reset_factors(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    client: &ClientInfo,
) -> Result<UserRow> {
    let admin = admin_change(state, auth).await?;
    let target = find(state, id).await?;
    let mut tx = state.db.begin().await?;
    db::factors::delete_all(&mut tx, id).await?;
    audit::record(
        &mut *tx,
        AuditEvent::FactorsReset { by: Actor::Admin },
        Some(id),
        Some(&admin.id),
        client,
    )
    .await;
    super::factors::notify(
        state,
        &mut tx,
        &target,
        crate::server::mail::FactorChange::FactorsReset,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(target)
}

/// Deletes an account for good (see [`super::deletion`]).
pub async fn delete_user(state: &AppState, auth: &Authenticated, id: &str) -> Result<String> {
    let admin = admin_change(state, auth).await?;
    let target = find(state, id).await?;
    super::deletion::erase(state, &target, &admin.id, Actor::Admin).await?;
    Ok(target.username)
}

/// One page of the audit log.
pub async fn events(
    state: &AppState,
    auth: &Authenticated,
    filter: &EventFilter,
    page: i64,
) -> Result<Page<EventRow>> {
    admin_gate(state, auth).await?;
    let total = db::audit::count(&state.db.pool, filter).await?;
    let (page, pages) = page_bounds(page, total);
    let items =
        db::audit::search(&state.db.pool, filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    Ok(Page {
        items,
        total,
        page,
        pages,
    })
}

/// The account an audit filter names: by username or email, else the text as an id.
pub async fn resolve_user(state: &AppState, auth: &Authenticated, text: &str) -> Result<String> {
    admin_gate(state, auth).await?;
    Ok(db::users::find_by_login(&state.db.pool, text)
        .await?
        .map_or_else(|| text.to_string(), |u| u.id.into_string()))
}
