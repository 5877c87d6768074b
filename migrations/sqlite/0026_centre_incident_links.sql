-- An organisation's own incident may concern one of the centre's (STIX) incidents: a link
-- of kind 'centre_incident' to any stored version of it (`target_id`: a stix_objects
-- row), read through its newest version under the intel policy. That is how each
-- organisation hit by the centre's incident keeps its own timeline and clocks. The table
-- is made anew (SQLite cannot change a CHECK), every row copied.

create table incident_links_new (
    incident_id integer not null references incidents (id),
    kind text not null check (kind in ('alert', 'document', 'thread', 'centre_incident')),
    target_id integer not null,
    linked_by integer not null references users (id),
    linked_at integer not null,
    primary key (incident_id, kind, target_id)
);
insert into incident_links_new (incident_id, kind, target_id, linked_by, linked_at)
    select incident_id, kind, target_id, linked_by, linked_at from incident_links;
drop table incident_links;
alter table incident_links_new rename to incident_links;
-- The other way: the own incidents that link an item (its page's link back).
create index incident_links_target on incident_links (kind, target_id);
