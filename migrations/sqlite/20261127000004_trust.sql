-- Trust in depth: a credentials epoch that kills older one-time links, a one-click
-- "cancel this address change" link, and the rotation history of refresh tokens.

-- Bumped on every password change or reset; a one-time link issued under an older epoch
-- is dead.
alter table users add column credentials_epoch integer not null default 0;

-- SQLite cannot alter a check constraint: rebuild the table with the new purpose.
create table one_time_tokens_new (
    id text primary key not null,
    user_id text not null references users (id) on delete cascade,
    purpose text not null check (purpose in ('verify_email', 'reset_password', 'change_email', 'cancel_email_change')),
    token_hash text not null,
    email text,
    created_at integer not null,
    expires_at integer not null,
    used_at integer,
    credentials_epoch integer not null default 0
);
insert into one_time_tokens_new (id, user_id, purpose, token_hash, email, created_at, expires_at, used_at)
    select id, user_id, purpose, token_hash, email, created_at, expires_at, used_at from one_time_tokens;
drop table one_time_tokens;
alter table one_time_tokens_new rename to one_time_tokens;
create unique index one_time_tokens_token_hash_key on one_time_tokens (token_hash);
create index one_time_tokens_user_idx on one_time_tokens (user_id, purpose, created_at);

-- The current refresh token sealed under the previous one (XOR with a hash of it), so
-- every client that races a rotation inside the grace window gets the same successor.
alter table sessions add column successor_sealed text;

-- Every refresh token a session ever rotated out (older than the previous one): showing
-- one again is theft.
create table refresh_token_history (
    token_hash text primary key not null,
    session_id text not null references sessions (id) on delete cascade,
    retired_at integer not null
);
create index refresh_token_history_session_idx on refresh_token_history (session_id);
