-- The pattern type of the newest version of each indicator (`[ipv4-addr:value = …]`: what
-- stands between `[` and the first `:`), for the alert list's indicator type filter
-- (`stix::alerts::INDICATOR_TYPE`, which must spell the same expression). Partial, so
-- only an indicator's insert and its is_latest change pay for it.
create index stix_objects_indicator_type on stix_objects (
    trim(substr(json_extract(content, '$.pattern'), 2, instr(json_extract(content, '$.pattern'), ':') - 2))
) where is_latest and kind = 'indicator';
