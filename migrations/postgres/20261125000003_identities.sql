-- Accounts at sign-in providers (Google, GitHub, ...) linked to our accounts.

create table identities (
    id text primary key not null,
    user_id text not null references users (id) on delete cascade,
    provider text not null,
    subject text not null,
    -- The address the provider reported when the link was made.
    email text,
    linked_at bigint not null
);
create unique index identities_provider_subject_key on identities (provider, subject);
create unique index identities_user_provider_key on identities (user_id, provider);
