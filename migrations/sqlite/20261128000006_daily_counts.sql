-- Per-day counts of what the audit log does not record, such as throttled attempts
-- (each would be a write an attacker could multiply). Instances add their counts every
-- minute, so the admin overview sums the whole fleet.
create table daily_counts (
    day bigint not null,
    kind text not null,
    count bigint not null,
    primary key (day, kind)
);
