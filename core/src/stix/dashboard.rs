//! The dashboard (DESIGN §3.F): at a glance, the viewer's organisation's alerts, and
//! the sector as far as the viewer may see it.
//!
//! Every number goes through the one policy: the organisation's alerts as
//! [`super::alerts`] lists them (its own alerts whose sighting the viewer may see), the
//! sector's objects through [`push_stix_visible`]. Sector numbers never count sightings:
//! a count of other organisations' alerts would tell how many municipalities were hit,
//! even where each sighting is GREEN. Only the viewer's own alerts are counted.

use super::browse::{OBJECTS, org_kind};
use super::object::Severity;
use crate::clock;
use crate::db::Db;
use crate::error::CoreResult;
use crate::policy::{OrgKind, Tlp, Viewer, push_stix_visible};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

/// Days the chart covers, today included.
pub const CHART_DAYS: usize = 30;
/// Advisories, and incidents, listed.
pub const LATEST_ADVISORIES: i64 = 8;
/// Indicator types listed.
pub const TOP_INDICATOR_TYPES: i64 = 6;

/// Counts by severity, in the order of [`Severity::ALL`] (low first).
pub type BySeverity = [u64; 4];

/// One day of the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    /// The day in Copenhagen.
    pub date: time::Date,
    pub counts: BySeverity,
}

/// An advisory (or incident) as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    pub row: i64,
    pub name: String,
    pub tlp: Option<Tlp>,
    pub severity: Option<Severity>,
    /// When the centre published this version (unix seconds).
    pub published_at: i64,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The organisation's alerts not closed yet (new, acknowledged, investigating).
    pub open_alerts: BySeverity,
    /// The organisation's alerts that became visible to it in the last 24 hours / 7 days.
    pub new_24h: u64,
    pub new_7d: u64,
    /// The organisation's alerts nobody has acknowledged yet.
    pub waiting: u64,
    pub latest_advisories: Vec<Advisory>,
    /// The incidents the viewer may see, newest first.
    pub latest_incidents: Vec<Advisory>,
    /// What the viewer may see per day: advisories and incidents published, and the
    /// organisation's own alerts as they became visible, by severity; oldest day first.
    pub days: Vec<Day>,
    /// Objects without a severity left out of the chart in the same days.
    pub unrated: u64,
    /// Pattern object types (`ipv4-addr`, `file`, …) of the indicators published in the
    /// chart's days, most first.
    pub indicator_types: Vec<(String, u64)>,
}

/// The dashboard of `viewer` at `now` (unix seconds).
pub async fn for_viewer(db: &Db, viewer: &Viewer, now: i64) -> CoreResult<Dashboard> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut conn = db.acquire().await?;
    let days = chart_days(now);
    let since = days
        .first()
        .map(|d| clock::copenhagen_day_start(*d))
        .unwrap_or(now);

    let alerts = alert_numbers(&mut conn, viewer, kind, now).await?;
    let latest_advisories = latest_items(&mut conn, viewer, kind, "advisory").await?;
    let latest_incidents = latest_items(&mut conn, viewer, kind, "incident").await?;

    let mut counts = vec![[0u64; 4]; days.len()];
    let mut unrated = 0;
    let mut tally = |at: i64, severity: Option<&str>| {
        let Some(date) = clock::copenhagen_date(at) else {
            return;
        };
        let Some(i) = days.iter().position(|d| *d == date) else {
            return;
        };
        match severity.and_then(Severity::parse) {
            Some(s) => counts[i][s as usize] += 1,
            None => unrated += 1,
        }
    };
    for (at_us, severity) in sector_items(&mut conn, viewer, kind, since).await? {
        tally(at_us.div_euclid(1_000_000), severity.as_deref());
    }
    for (severity, at) in alert_counts_by_time(&mut conn, viewer, kind, since).await? {
        tally(at, Some(&severity));
    }
    let days = days
        .into_iter()
        .zip(counts)
        .map(|(date, counts)| Day { date, counts })
        .collect();

    let indicator_types = indicator_types(&mut conn, viewer, kind, since).await?;
    Ok(Dashboard {
        open_alerts: alerts.open,
        new_24h: alerts.new_24h,
        new_7d: alerts.new_7d,
        waiting: alerts.waiting,
        latest_advisories,
        latest_incidents,
        days,
        unrated,
        indicator_types,
    })
}

/// The chart's days: the [`CHART_DAYS`] Copenhagen days up to and including today.
pub fn chart_days(now: i64) -> Vec<time::Date> {
    let Some(today) = clock::copenhagen_date(now) else {
        return Vec::new();
    };
    (0..CHART_DAYS as i64)
        .rev()
        .filter_map(|back| today.checked_sub(time::Duration::days(back)))
        .collect()
}

/// The numbers of the viewer's organisation's alerts the viewer may see.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertNumbers {
    /// Not closed yet (new, acknowledged, investigating), by severity.
    pub open: BySeverity,
    /// Became visible in the last 24 hours / 7 days.
    pub new_24h: u64,
    pub new_7d: u64,
    /// Nobody acknowledged them yet.
    pub waiting: u64,
}

/// [`AlertNumbers`] of `viewer` at `now`.
pub async fn alert_numbers(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    now: i64,
) -> CoreResult<AlertNumbers> {
    // Two reads, each through an index of the organisation's alerts that also holds the
    // severity and the sighting's row (migration 0028), so that neither walks the closed
    // and old ones nor reads the alerts themselves: the open ones by severity (with those
    // still new), and those that became visible in the last 7 days.
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select a.severity, count(*), coalesce(sum(a.status = 'new'), 0) from alerts a \
         cross join stix_objects o on o.id = a.sighting_row and o.is_latest \
         where a.org_id = ",
    );
    qb.push_bind(viewer.org_id)
        .push(" and a.status in ('new', 'acknowledged', 'investigating') and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    qb.push(" group by a.severity");
    let open: Vec<(String, i64, i64)> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let count = |v: i64| u64::try_from(v).unwrap_or(0);
    let mut numbers = AlertNumbers::default();
    for (severity, n, new) in open {
        if let Some(s) = Severity::parse(&severity) {
            numbers.open[s as usize] += count(n);
        }
        numbers.waiting += count(new);
    }
    let mut qb = QueryBuilder::<Sqlite>::new("select coalesce(sum(a.visible_at >= ");
    qb.push_bind(now.saturating_sub(24 * 3600))
        .push(
            "), 0), count(*) from alerts a cross join stix_objects o \
             on o.id = a.sighting_row and o.is_latest where a.org_id = ",
        )
        .push_bind(viewer.org_id)
        .push(" and a.visible_at >= ")
        .push_bind(now.saturating_sub(7 * 24 * 3600))
        .push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    let (day, week): (i64, i64) = qb.build_query_as().fetch_one(&mut *conn).await?;
    numbers.new_24h = count(day);
    numbers.new_7d = count(week);
    Ok(numbers)
}

/// (severity, when it became visible) of the organisation's alerts since `since`.
async fn alert_counts_by_time(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    since: i64,
) -> CoreResult<Vec<(String, i64)>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select a.severity, a.visible_at from alerts a \
         cross join stix_objects o on o.id = a.sighting_row and o.is_latest \
         where a.org_id = ",
    );
    qb.push_bind(viewer.org_id)
        .push(" and a.visible_at >= ")
        .push_bind(since)
        .push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    Ok(qb.build_query_as().fetch_all(&mut *conn).await?)
}

/// (version time, severity) of the advisories and incidents published since `since`
/// that the viewer may see (newest versions). The version time (`modified`, else
/// `created`) is when the centre published it, which a late delivery does not move.
async fn sector_items(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    since: i64,
) -> CoreResult<Vec<(i64, Option<String>)>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.version_us, o.severity from stix_objects o where o.is_latest \
         and o.class = 'item' and o.kind in ('advisory', 'incident') and o.version_us >= ",
    );
    qb.push_bind(since.saturating_mul(1_000_000)).push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    Ok(qb.build_query_as().fetch_all(&mut *conn).await?)
}

/// Row, name, label, severity, version time (µs).
type AdvisoryRow = (i64, String, Option<Tlp>, Option<String>, i64);

/// The newest [`LATEST_ADVISORIES`] objects of `item_kind` (`advisory`, `incident`) the
/// viewer may see, by publication.
pub async fn latest_items(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    item_kind: &str,
) -> CoreResult<Vec<Advisory>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.id, o.name, o.tlp, o.severity, o.version_us from stix_objects o \
         where o.is_latest and o.class = 'item' and o.kind = ",
    );
    qb.push_bind(item_kind.to_string()).push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    qb.push(" order by o.version_us desc, o.id desc limit ")
        .push_bind(LATEST_ADVISORIES);
    let rows: Vec<AdvisoryRow> = qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|(row, name, tlp, severity, version_us)| Advisory {
            row,
            name,
            tlp,
            severity: severity.as_deref().and_then(Severity::parse),
            published_at: version_us.div_euclid(1_000_000),
        })
        .collect())
}

/// The object types STIX patterns of the indicators published since `since` compare
/// (`[ipv4-addr:value = …]` → `ipv4-addr`), most first.
async fn indicator_types(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    since: i64,
) -> CoreResult<Vec<(String, u64)>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select t.kind, count(*) from (select trim(substr(p.pattern, 2, \
         instr(p.pattern, ':') - 2)) as kind from (select json_extract(o.content, '$.pattern') \
         as pattern from stix_objects o where o.is_latest and o.kind = 'indicator' \
         and o.version_us >= ",
    );
    qb.push_bind(since.saturating_mul(1_000_000)).push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    qb.push(
        ") p where p.pattern like '[%:%') t where t.kind <> '' \
         group by t.kind order by count(*) desc, t.kind limit ",
    )
    .push_bind(TOP_INDICATOR_TYPES);
    let rows: Vec<(String, i64)> = qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|(k, n)| (k, u64::try_from(n).unwrap_or(0)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_covers_thirty_copenhagen_days_ending_today() {
        // 2026-12-03 23:30 UTC is already 4 December in Copenhagen.
        let days = chart_days(1_796_340_600);
        assert_eq!(days.len(), CHART_DAYS);
        assert_eq!(days.last(), clock::parse_date("2026-12-04").as_ref());
        assert_eq!(days.first(), clock::parse_date("2026-11-05").as_ref());
        assert!(days.windows(2).all(|w| w[0] < w[1]));
    }
}
