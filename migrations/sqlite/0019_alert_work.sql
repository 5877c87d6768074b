-- Working an alert (DESIGN §3.F): its status (now with "not affected", the
-- organisation's answer that the alert does not concern it), who handles it, what was
-- said about it, and every change. SQLite cannot change a check constraint in place,
-- so the table is rebuilt with the same rows.
create table alerts_next (
    id integer primary key,
    sighting_ref text not null,
    org_id integer not null references organisations (id),
    severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
    status text not null default 'new'
        check (status in ('new', 'acknowledged', 'investigating', 'resolved',
                          'false_positive', 'not_affected')),
    created_at integer not null,
    -- When the organisation could first see it: at routing when the sighting has a
    -- label, else when an analyst labels it (time to acknowledge counts from here).
    visible_at integer,
    acknowledged_at integer,
    -- One of the organisation's people who handles it.
    assignee_id integer references users (id),
    -- The last change of status or assignee.
    updated_at integer,
    unique (sighting_ref, org_id)
);
insert into alerts_next (id, sighting_ref, org_id, severity, status, created_at, visible_at)
select a.id, a.sighting_ref, a.org_id, a.severity, a.status, a.created_at,
       case when exists (select 1 from stix_objects s
                         where s.stix_id = a.sighting_ref and s.is_latest and s.tlp is not null)
            then a.created_at end
from alerts a;
drop table alerts;
alter table alerts_next rename to alerts;
create index alerts_org on alerts (org_id, created_at);

-- What the organisation's people wrote about an alert. Each carries a label at least the
-- alert's; plain text (shown escaped, never rendered as markup).
create table alert_comments (
    id integer primary key,
    alert_id integer not null references alerts (id),
    author_id integer not null references users (id),
    body text not null,
    tlp text not null,
    created_at integer not null
);
create index alert_comments_alert on alert_comments (alert_id, id);

-- Every change of status or assignee, oldest first.
create table alert_changes (
    id integer primary key,
    alert_id integer not null references alerts (id),
    actor_id integer not null references users (id),
    -- status: old and new status; assignee: old and new user id (empty: nobody).
    field text not null check (field in ('status', 'assignee')),
    old_value text not null,
    new_value text not null,
    created_at integer not null
);
create index alert_changes_alert on alert_changes (alert_id, id);
