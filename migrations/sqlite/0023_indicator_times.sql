-- The dashboard's top indicator types read the indicators published in the chart's 30
-- days; without an index that was a walk of every stored object (30 ms at 1,000,000
-- alerts, whoever reads it). Partial: newest versions of indicators only, so that
-- ingestion pays for it on those alone.
create index stix_objects_latest_indicators on stix_objects (version_us)
    where is_latest and kind = 'indicator';
