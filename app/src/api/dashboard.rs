//! The dashboard on the home page: the organisation's alerts and the sector as far as the
//! reader may see it, decided in `vaern_core::stix::dashboard`; here words, dates and
//! links for people.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An advisory as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryLine {
    /// The object's row, for the acknowledgement form.
    pub row: i64,
    pub name: String,
    /// The analysts' page of it; `None` for readers who have no page for it yet.
    pub href: Option<String>,
    pub tlp: Option<String>,
    /// Stored form and translated name.
    pub severity: Option<(String, String)>,
    /// When the centre published it.
    pub published: String,
    /// The reader's organisation's acknowledgement (stored form), for advisories.
    pub ack: Option<String>,
    /// When the organisation last shared its acknowledgement with the centre.
    pub shared: Option<String>,
}

/// One day of the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayView {
    /// Short, under its bar ("4.12.").
    pub short: String,
    /// Whole, in the table ("4. december 2026").
    pub long: String,
    /// Low, medium, high, critical.
    pub counts: [u64; 4],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    /// Translated names of low, medium, high, critical.
    pub severities: [String; 4],
    pub open_alerts: [u64; 4],
    pub new_24h: u64,
    pub new_7d: u64,
    pub waiting: u64,
    pub advisories: Vec<AdvisoryLine>,
    pub incidents: Vec<AdvisoryLine>,
    pub days: Vec<DayView>,
    pub unrated: u64,
    pub indicator_types: Vec<(String, u64)>,
    /// Reports owed by the organisation's significant incidents: deadline ahead, passed.
    pub deadlines_running: u64,
    pub deadlines_overdue: u64,
}

/// The signed-in person's dashboard.
#[server(prefix = "/rpc", endpoint = "dashboard")]
pub async fn load_dashboard() -> Result<DashboardView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    server::view(&backend.db, &viewer, crate::locale::current()).await
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::api::intel::severity_name;
    use crate::format::format_time;
    use crate::i18n::Locale;
    use vaern_core::policy::Viewer;
    use vaern_core::stix::dashboard::Advisory;

    /// `viewer`'s dashboard in `locale`: for the page and for its live route.
    pub async fn view(
        db: &vaern_core::db::Db,
        viewer: &Viewer,
        locale: Locale,
    ) -> Result<DashboardView, AppError> {
        let now = vaern_core::clock::now();
        let d = vaern_core::stix::dashboard::for_viewer(db, viewer, now).await?;
        let deadlines = vaern_core::incidents::deadlines_due(db, viewer, now).await?;
        let analyst = vaern_core::policy::require_analyst(viewer).is_ok();
        let severities =
            vaern_core::stix::object::Severity::ALL.map(|s| severity_name(locale, s.as_str()));
        let rows: Vec<i64> = d.latest_advisories.iter().map(|a| a.row).collect();
        let acks =
            vaern_core::stix::acknowledgements::own_acknowledgements(db, viewer, &rows).await?;
        let shared = vaern_core::stix::feedback::shared_advisories(db, viewer, &rows).await?;
        let line = |a: Advisory| AdvisoryLine {
            row: a.row,
            ack: acks.get(&a.row).map(|s| s.as_str().to_string()),
            shared: shared.get(&a.row).map(|at| format_time(*at, locale)),
            name: a.name,
            href: analyst.then(|| format!("/intel/received/{}", a.row)),
            tlp: a.tlp.map(|t| t.as_str().to_string()),
            severity: a
                .severity
                .map(|s| (s.as_str().to_string(), severity_name(locale, s.as_str()))),
            published: format_time(a.published_at, locale),
        };
        Ok(DashboardView {
            open_alerts: d.open_alerts,
            new_24h: d.new_24h,
            new_7d: d.new_7d,
            waiting: d.waiting,
            advisories: d.latest_advisories.into_iter().map(line).collect(),
            incidents: d
                .latest_incidents
                .into_iter()
                .map(|incident| {
                    let row = incident.row;
                    AdvisoryLine {
                        // Every reader of the centre's incident has its page.
                        href: Some(crate::api::incidents::centre_incident_href(row)),
                        ..line(incident)
                    }
                })
                .collect(),
            days: d
                .days
                .into_iter()
                .map(|day| DayView {
                    short: format!("{}.{}.", day.date.day(), u8::from(day.date.month())),
                    long: crate::format::format_date(day.date, locale),
                    counts: day.counts,
                })
                .collect(),
            unrated: d.unrated,
            indicator_types: d.indicator_types,
            severities,
            deadlines_running: deadlines.running,
            deadlines_overdue: deadlines.overdue,
        })
    }
}
