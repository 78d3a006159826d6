-- Accounts, login sessions, the audit trail and short-lived browser state.
-- Timestamps are unix seconds; ids are UUIDv7 text. The same columns exist in PostgreSQL.

create table users (
    id text primary key not null,
    username text not null,
    email text not null,
    password_hash text,
    display_name text,
    bio text,
    avatar_url text,
    role text not null default 'user' check (role in ('user', 'admin')),
    email_verified_at integer,
    deactivated_at integer,
    created_at integer not null,
    updated_at integer not null,
    last_login_at integer
);
-- Usernames are ASCII and emails are stored lower-cased, so lower() is exact here.
create unique index users_username_key on users (lower(username));
create unique index users_email_key on users (lower(email));

create table sessions (
    id text primary key not null,
    user_id text not null references users (id) on delete cascade,
    refresh_token_hash text not null,
    previous_token_hash text,
    rotated_at integer,
    user_agent text,
    ip text,
    created_at integer not null,
    last_used_at integer not null,
    expires_at integer not null,
    revoked_at integer,
    revoked_reason text
);
create unique index sessions_refresh_token_hash_key on sessions (refresh_token_hash);
create index sessions_previous_token_hash_idx on sessions (previous_token_hash);
create index sessions_user_id_idx on sessions (user_id);
create index sessions_expires_at_idx on sessions (expires_at);

-- No foreign key to users: the record of an event outlives the account.
create table audit_events (
    id text primary key not null,
    kind text not null,
    user_id text,
    actor_id text,
    ip text,
    user_agent text,
    detail text not null default '{}',
    created_at integer not null
);
create index audit_events_user_id_idx on audit_events (user_id, created_at);
create index audit_events_created_at_idx on audit_events (created_at);

-- tower-sessions records: flash messages for forms posted without JavaScript.
create table browser_states (
    id text primary key not null,
    data text not null,
    expires_at integer not null
);
create index browser_states_expires_at_idx on browser_states (expires_at);
