-- One-time links sent by email (verify an address, reset a password, confirm a new
-- address), stored only as SHA-256 hashes; and the durable outbox the mail worker drains.

create table one_time_tokens (
    id text primary key not null,
    user_id text not null references users (id) on delete cascade,
    purpose text not null check (purpose in ('verify_email', 'reset_password', 'change_email')),
    token_hash text not null,
    -- The address the link is for: the account's address when sent, or the new address.
    email text,
    created_at integer not null,
    expires_at integer not null,
    used_at integer
);
create unique index one_time_tokens_token_hash_key on one_time_tokens (token_hash);
create index one_time_tokens_user_idx on one_time_tokens (user_id, purpose, created_at);

-- Bodies are kept only until the message is sent or given up on (they hold live links).
create table outbox (
    id text primary key not null,
    recipient text not null,
    subject text not null,
    text_body text not null,
    html_body text not null,
    status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    attempts integer not null default 0,
    next_attempt_at integer not null,
    last_error text,
    created_at integer not null,
    sent_at integer
);
create index outbox_due_idx on outbox (status, next_attempt_at);
