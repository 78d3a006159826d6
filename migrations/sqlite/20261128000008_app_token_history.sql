-- Every refresh token an app grant rotated out (older than the previous one): showing
-- one again is theft, and ends the grant, as for browser sessions.
create table oauth_token_history (
    token_hash text primary key not null,
    grant_id text not null references oauth_grants (id) on delete cascade,
    retired_at integer not null
);
create index oauth_token_history_grant_idx on oauth_token_history (grant_id);
