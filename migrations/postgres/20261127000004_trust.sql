-- Trust in depth: a credentials epoch that kills older one-time links, a one-click
-- "cancel this address change" link, and the rotation history of refresh tokens.

-- Bumped on every password change or reset; a one-time link issued under an older epoch
-- is dead.
alter table users add column credentials_epoch bigint not null default 0;

alter table one_time_tokens drop constraint if exists one_time_tokens_purpose_check;
alter table one_time_tokens add constraint one_time_tokens_purpose_check
    check (purpose in ('verify_email', 'reset_password', 'change_email', 'cancel_email_change'));
alter table one_time_tokens add column credentials_epoch bigint not null default 0;

-- The current refresh token sealed under the previous one (XOR with a hash of it), so
-- every client that races a rotation inside the grace window gets the same successor.
alter table sessions add column successor_sealed text;

-- Every refresh token a session ever rotated out (older than the previous one): showing
-- one again is theft.
create table refresh_token_history (
    token_hash text primary key not null,
    session_id text not null references sessions (id) on delete cascade,
    retired_at bigint not null
);
create index refresh_token_history_session_idx on refresh_token_history (session_id);
