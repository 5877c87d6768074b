-- Forum threads an organisation started about one of its alerts ("Discuss in forum"),
-- linked both ways: the alert page lists them (as far as the reader may see each), the
-- thread names the alert to the people of its organisation.
create table alert_threads (
    alert_id integer not null references alerts (id),
    thread_id integer not null references forum_threads (id),
    created_at integer not null,
    primary key (alert_id, thread_id)
) without rowid;
create index alert_threads_thread on alert_threads (thread_id);

-- The dashboard, its live marks and the acknowledgement view read the newest items of a
-- kind (advisories, incidents, sightings) and what changed in an organisation's alerts
-- since a moment: indexed, so that neither walks every row. The items index is partial
-- (newest versions of items only), so that ingestion pays for it on those alone.
create index stix_objects_items on stix_objects (kind, version_us)
    where is_latest and class = 'item';
create index alerts_org_updated on alerts (org_id, updated_at);
create index alerts_org_visible on alerts (org_id, visible_at);
-- The dashboard counts an organisation's open alerts without walking its closed ones.
create index alerts_org_status on alerts (org_id, status);
