-- Second factors and passwordless sign-in: an authenticator app (TOTP) per user with its
-- recovery codes, passkeys, the pending login between the first and second factor, the
-- time of a session's last (re-)authentication, and email sign-in links.

-- The TOTP secret is sealed (XChaCha20-Poly1305 under the factor key); `confirmed_at` is
-- null until the owner has entered a valid code. `last_step` is the newest time step
-- accepted: a code of that step or an older one is never accepted again (no replay).
create table totp_factors (
    user_id text primary key not null references users (id) on delete cascade,
    secret_sealed text not null,
    confirmed_at bigint,
    last_step bigint not null default 0,
    created_at bigint not null
);

-- Single-use recovery codes, stored as SHA-256 hashes (they are random, 50+ bits).
create table recovery_codes (
    id text primary key not null,
    user_id text not null references users (id) on delete cascade,
    code_hash text not null,
    created_at bigint not null,
    used_at bigint
);
create index recovery_codes_user_idx on recovery_codes (user_id);

-- WebAuthn credentials; `passkey` is webauthn-rs's serialized credential (public key,
-- counter), never a secret.
create table passkeys (
    id text primary key not null,
    user_id text not null references users (id) on delete cascade,
    credential_id text not null,
    name text not null,
    passkey text not null,
    created_at bigint not null,
    last_used_at bigint
);
create unique index passkeys_credential_key on passkeys (credential_id);
create index passkeys_user_idx on passkeys (user_id);

-- A first factor passed for an account with a second factor: no session yet. The token
-- (its SHA-256 here) lives in the browser's cookie or the API's `mfa_token`.
create table pending_logins (
    token_hash text primary key not null,
    user_id text not null references users (id) on delete cascade,
    method text not null,
    created_at bigint not null,
    expires_at bigint not null,
    attempts integer not null default 0
);
create index pending_logins_user_idx on pending_logins (user_id);

-- When the person last proved who they are in this session (login or step-up); null
-- means at the session's start.
alter table sessions add column authenticated_at bigint;

-- Email sign-in links are one-time tokens of their own purpose.
alter table one_time_tokens drop constraint if exists one_time_tokens_purpose_check;
alter table one_time_tokens add constraint one_time_tokens_purpose_check
    check (purpose in ('verify_email', 'reset_password', 'change_email', 'cancel_email_change', 'sign_in'));
