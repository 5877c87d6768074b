//! The alerts of one organisation (one per sighting and organisation sighted at), as its
//! people see them: only alerts whose sighting the viewer may see under the one policy
//! ([`push_stix_visible`] over the same tables as the analysts' list), so that a hidden
//! sighting is not even counted.

use super::browse::{OBJECTS, org_kind};
use super::object::Severity;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::policy::{Tlp, Viewer, push_stix_visible};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};

/// Most alerts listed: the newest; the dashboard (filters, paging) comes later.
pub const MAX_LISTED: i64 = 200;

/// One alert of the viewer's organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgAlert {
    pub id: i64,
    pub sighting_ref: String,
    /// The sighting's title (its newest version).
    pub name: String,
    pub severity: Severity,
    /// Stored form: new, acknowledged, investigating, resolved, false_positive.
    pub status: String,
    /// The sighting's effective label.
    pub tlp: Option<Tlp>,
    /// When the alert was raised (unix seconds).
    pub created_at: i64,
}

type Row = (i64, String, String, String, String, Option<Tlp>, i64);

/// The alerts of `viewer`'s organisation whose sighting `viewer` may see, newest first,
/// at most [`MAX_LISTED`].
pub async fn for_organisation(db: &Db, viewer: &Viewer) -> CoreResult<Vec<OrgAlert>> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select a.id, a.sighting_ref, o.name, a.severity, a.status, o.tlp, a.created_at \
         from alerts a cross join stix_objects o on o.stix_id = a.sighting_ref and o.is_latest \
         where a.org_id = ",
    );
    qb.push_bind(viewer.org_id).push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    qb.push(" order by a.created_at desc, a.id desc limit ")
        .push_bind(MAX_LISTED);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db).await?;
    rows.into_iter()
        .map(
            |(id, sighting_ref, name, severity, status, tlp, created_at)| {
                Ok(OrgAlert {
                    id,
                    sighting_ref,
                    name,
                    severity: Severity::parse(&severity).ok_or_else(|| {
                        CoreError::Internal(format!("stored severity {severity:?}"))
                    })?,
                    status,
                    tlp,
                    created_at,
                })
            },
        )
        .collect()
}
