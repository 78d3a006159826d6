-- Gatehouse as an OpenID Provider: registered client apps, the people's consent to them,
-- authorization codes and grants (a grant is what one code exchange or client-credentials
-- call issued: its refresh token family). Secrets, codes and refresh tokens are stored
-- as SHA-256 hashes, like every other token here.

-- How the session's login was proved (OpenID "amr" values, space-separated: pwd, otp,
-- hwk, mfa, ...); null for sessions from before this column.
alter table sessions add column amr text;

create table oauth_clients (
    id text primary key not null,
    name text not null,
    -- Null: a public client (no secret; PKCE required).
    secret_hash text,
    -- Exact redirect URIs, one per line.
    redirect_uris text not null,
    post_logout_redirect_uris text not null default '',
    -- First-party apps (marked by an admin) skip the consent page.
    first_party bigint not null default 0,
    -- 'public' (the user id) or 'pairwise' (per client).
    subject_type text not null default 'public',
    -- 'RS256' or 'EdDSA'.
    id_token_alg text not null default 'RS256',
    -- May ask for offline_access (refresh tokens) / use client_credentials.
    allow_refresh bigint not null default 1,
    allow_client_credentials bigint not null default 0,
    disabled_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);

create table oauth_consents (
    user_id text not null references users (id) on delete cascade,
    client_id text not null references oauth_clients (id) on delete cascade,
    scope text not null,
    granted_at bigint not null,
    primary key (user_id, client_id)
);

create table oauth_grants (
    id text primary key not null,
    client_id text not null references oauth_clients (id) on delete cascade,
    -- Null for client_credentials (no person).
    user_id text references users (id) on delete cascade,
    scope text not null,
    auth_time bigint,
    amr text,
    -- The account's credentials epoch when granted: a password change ends the grant.
    credentials_epoch bigint not null default 0,
    refresh_token_hash text,
    previous_token_hash text,
    -- The token that replaced the previous one, sealed with it (see sessions).
    successor_sealed text,
    rotated_at bigint,
    created_at bigint not null,
    expires_at bigint not null,
    revoked_at bigint,
    revoked_reason text
);
create unique index oauth_grants_refresh_key on oauth_grants (refresh_token_hash);
create index oauth_grants_previous_idx on oauth_grants (previous_token_hash);
create index oauth_grants_user_idx on oauth_grants (user_id, client_id);

create table oauth_codes (
    code_hash text primary key not null,
    client_id text not null references oauth_clients (id) on delete cascade,
    user_id text not null references users (id) on delete cascade,
    redirect_uri text not null,
    scope text not null,
    nonce text,
    code_challenge text,
    auth_time bigint not null,
    amr text,
    created_at bigint not null,
    expires_at bigint not null,
    -- Set on exchange; a second exchange finds it and revokes the grant it made.
    redeemed_at bigint,
    grant_id text
);
create index oauth_codes_expires_idx on oauth_codes (expires_at);
