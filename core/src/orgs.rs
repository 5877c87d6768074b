//! Organisations: the 98 municipalities, the five regions, KL and the analysis centre,
//! seeded idempotently at every start from the list committed with the code; listed for
//! admins and organisation admins, edited and added by admins (`&Admin`), each change
//! with its audit row in its transaction. The second-factor requirement is set through
//! `accounts::management::set_org_second_factor`.

use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::OrgId;
use crate::policy::{Admin, OrgKind, Viewer, can_manage_org_people, require_admin};
use crate::search::outbox::{self, Item, Operation};
use serde::{Deserialize, Serialize};

/// The municipality list (code, name, region), copied from the programme's reference data.
const MUNICIPALITIES_CSV: &str = include_str!("../data/municipalities.csv");

/// The five regions with their codes (DESIGN §2).
pub const REGIONS: [(&str, &str); 5] = [
    ("1081", "Region Nordjylland"),
    ("1082", "Region Midtjylland"),
    ("1083", "Region Syddanmark"),
    ("1084", "Region Hovedstaden"),
    ("1085", "Region Sjælland"),
];

pub const ASSOCIATION_CODE: &str = "kl";
pub const ANALYSIS_CENTRE_CODE: &str = "soc";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Organisation {
    pub id: OrgId,
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, serde::Deserialize)]
struct MunicipalityRow {
    code: String,
    name: String,
    region: String,
}

fn municipalities() -> CoreResult<Vec<MunicipalityRow>> {
    csv::Reader::from_reader(MUNICIPALITIES_CSV.as_bytes())
        .deserialize()
        .collect::<Result<Vec<MunicipalityRow>, _>>()
        .map_err(|e| CoreError::Internal(format!("municipalities.csv: {e}")))
}

/// The municipalities' (code, name) pairs from the committed list, for producers outside
/// the database (`vaern simulate-soc`) that must name them exactly as the seed does.
pub fn municipality_codes_and_names() -> CoreResult<Vec<(String, String)>> {
    Ok(municipalities()?
        .into_iter()
        .map(|row| (row.code, row.name))
        .collect())
}

/// Inserts every reference organisation that is missing; existing rows are left alone,
/// so renaming or linking an organisation later survives restarts.
pub async fn seed(db: &Db) -> CoreResult<()> {
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let insert = "insert into organisations (code, name, kind, region_id, created_at) \
                  values ($1, $2, $3, $4, $5) on conflict (code) do nothing";
    for (code, name) in REGIONS {
        sqlx::query(insert)
            .bind(code)
            .bind(name)
            .bind("region")
            .bind(None::<i64>)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    for row in municipalities()? {
        let region_code = REGIONS
            .iter()
            .find(|(_, name)| *name == row.region)
            .map(|(code, _)| *code)
            .ok_or_else(|| CoreError::Internal(format!("unknown region {}", row.region)))?;
        let region_id: i64 = sqlx::query_scalar("select id from organisations where code = $1")
            .bind(region_code)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(insert)
            .bind(&row.code)
            .bind(&row.name)
            .bind("municipality")
            .bind(Some(region_id))
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    for (code, name, kind) in [
        (
            ASSOCIATION_CODE,
            "KL – Kommunernes Landsforening",
            "association",
        ),
        (
            ANALYSIS_CENTRE_CODE,
            "Nationalt analysecenter (DCIS Sund)",
            "analysis_centre",
        ),
    ] {
        sqlx::query(insert)
            .bind(code)
            .bind(name)
            .bind(kind)
            .bind(None::<i64>)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn find_by_code(db: &Db, code: &str) -> CoreResult<Organisation> {
    sqlx::query_as::<_, Organisation>(
        "select id, code, name, kind from organisations where code = $1",
    )
    .bind(code.trim())
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)
}

pub async fn get(db: &Db, id: OrgId) -> CoreResult<Organisation> {
    sqlx::query_as::<_, Organisation>(
        "select id, code, name, kind from organisations where id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)
}

/// Every organisation's (code, name), by name: the public reference list, for filters
/// such as the analysts' list of received STIX objects.
pub async fn codes_and_names(db: &Db) -> CoreResult<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("select code, name from organisations order by name, id")
            .fetch_all(db)
            .await?,
    )
}

/// Longest organisation code.
pub const MAX_CODE_LEN: usize = 16;

/// One organisation as the organisations page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrgListing {
    pub id: OrgId,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    /// Shown to admins only: organisation admins see their own organisation's alone.
    pub stix_identity_id: Option<String>,
    pub require_second_factor: bool,
    pub people: i64,
}

/// The organisations, for admins and organisation admins (who see every organisation's
/// name, code, region and kind, as in the public reference list, but the STIX identity
/// of their own only); `Forbidden` for anyone else. `query` matches name, code, region
/// name and kind (case-insensitively); `kind` narrows to one kind.
pub async fn list(
    db: &Db,
    viewer: &Viewer,
    query: &str,
    kind: Option<OrgKind>,
) -> CoreResult<Vec<OrgListing>> {
    if !can_manage_org_people(viewer, viewer.org_id) {
        return Err(CoreError::Forbidden);
    }
    let is_admin = require_admin(viewer).is_ok();
    let rows = sqlx::query_as::<_, OrgListing>(
        "select o.id, o.code, o.name, o.kind, r.code as region_code, r.name as region_name, \
         o.stix_identity_id, o.require_second_factor, \
         (select count(*) from users u where u.org_id = o.id) as people \
         from organisations o left join organisations r on r.id = o.region_id \
         order by o.name, o.id",
    )
    .fetch_all(db)
    .await?;
    // About a hundred rows: filtered here, where lowercasing knows Danish letters.
    let needle = query.trim().to_lowercase();
    Ok(rows
        .into_iter()
        .filter(|org| kind.is_none_or(|k| org.kind == k))
        .filter(|org| {
            needle.is_empty()
                || [
                    org.name.as_str(),
                    org.code.as_str(),
                    org.kind.as_str(),
                    org.region_name.as_deref().unwrap_or_default(),
                ]
                .iter()
                .any(|field| field.to_lowercase().contains(&needle))
        })
        .map(|mut org| {
            if !is_admin && org.id != viewer.org_id {
                org.stix_identity_id = None;
            }
            org
        })
        .collect())
}

/// An organisation to add.
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    /// The code of its region, if it has one.
    pub region: Option<String>,
    pub stix_identity_id: Option<String>,
}

/// What an admin may change about an organisation (its code stays: it is used on the
/// command line and in URLs).
#[derive(Debug, Clone)]
pub struct OrgEdit {
    pub name: String,
    pub kind: OrgKind,
    pub stix_identity_id: Option<String>,
}

fn validate_code(code: &str) -> CoreResult<String> {
    let code = code.trim();
    if code.is_empty() {
        return Err(CoreError::invalid("org_code", "required"));
    }
    let ok = code.len() <= MAX_CODE_LEN
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !code.starts_with('-')
        && !code.ends_with('-');
    if ok {
        Ok(code.to_string())
    } else {
        Err(CoreError::invalid("org_code", "malformed"))
    }
}

/// A STIX identity id, `identity--<uuid>`, lowercased; empty means none.
pub(crate) fn validate_stix_identity(id: Option<&str>) -> CoreResult<Option<String>> {
    let Some(id) = id.map(str::trim).filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    let id = id.to_ascii_lowercase();
    let uuid_ok = id.strip_prefix("identity--").is_some_and(|uuid| {
        let groups: Vec<&str> = uuid.split('-').collect();
        groups.len() == 5
            && groups
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
    });
    if uuid_ok {
        Ok(Some(id))
    } else {
        Err(CoreError::invalid("stix_identity_id", "malformed"))
    }
}

/// The stix identity id is unique: `Invalid { field: "stix_identity_id", reason: "taken" }`
/// when another organisation carries it.
async fn check_stix_identity_free(
    tx: &mut sqlx::SqliteConnection,
    id: Option<&str>,
    except: Option<OrgId>,
) -> CoreResult<()> {
    let Some(id) = id else { return Ok(()) };
    let holder: Option<OrgId> =
        sqlx::query_scalar("select id from organisations where stix_identity_id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    match holder {
        Some(holder) if Some(holder) != except => {
            Err(CoreError::invalid("stix_identity_id", "taken"))
        }
        _ => Ok(()),
    }
}

/// Adds an organisation. Refusals name the field: `org_code` (`required`, `malformed`,
/// `taken`), `name`, `region` (`unknown`: no region has that code) and
/// `stix_identity_id` (`malformed`, `taken`).
pub async fn create(
    db: &Db,
    audit: &AuditLog,
    admin: &Admin,
    new: NewOrg,
    address: &str,
) -> CoreResult<OrgId> {
    let code = validate_code(&new.code)?;
    let name = crate::names::validate(&new.name)?;
    let stix = validate_stix_identity(new.stix_identity_id.as_deref())?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let region_id: Option<OrgId> = match new.region.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(region) => Some(
            sqlx::query_scalar("select id from organisations where code = $1 and kind = 'region'")
                .bind(region)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(CoreError::invalid("region", "unknown"))?,
        ),
    };
    check_stix_identity_free(&mut tx, stix.as_deref(), None).await?;
    let id: Option<OrgId> = sqlx::query_scalar(
        "insert into organisations (code, name, kind, region_id, stix_identity_id, created_at) \
         values ($1, $2, $3, $4, $5, $6) on conflict (code) do nothing returning id",
    )
    .bind(&code)
    .bind(&name)
    .bind(new.kind)
    .bind(region_id)
    .bind(&stix)
    .bind(clock::now())
    .fetch_optional(&mut *tx)
    .await?;
    let id = id.ok_or(CoreError::invalid("org_code", "taken"))?;
    if let Some(stix) = &stix {
        // Items that waited for the identity reach the organisation now.
        crate::stix::ingest::route_identity(&mut tx, stix).await?;
    }
    stage(&mut tx, admin, action::ORG_CREATE, id, new.kind, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(id)
}

/// Changes an organisation's name, kind and STIX identity id. Refusals name the field as
/// for [`create`]; `NotFound` for a missing organisation.
pub async fn edit(
    db: &Db,
    audit: &AuditLog,
    admin: &Admin,
    org: OrgId,
    edit: OrgEdit,
    address: &str,
) -> CoreResult<()> {
    let name = crate::names::validate(&edit.name)?;
    let stix = validate_stix_identity(edit.stix_identity_id.as_deref())?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    check_stix_identity_free(&mut tx, stix.as_deref(), Some(org)).await?;
    let (before, name_before): (Option<String>, String) =
        sqlx::query_as("select stix_identity_id, name from organisations where id = $1")
            .bind(org)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(CoreError::NotFound)?;
    let done = sqlx::query(
        "update organisations set name = $1, kind = $2, stix_identity_id = $3 where id = $4",
    )
    .bind(&name)
    .bind(edit.kind)
    .bind(&stix)
    .bind(org)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(CoreError::NotFound);
    }
    if let Some(stix) = stix.as_deref().filter(|s| before.as_deref() != Some(*s)) {
        // Items that waited for the identity reach the organisation now.
        crate::stix::ingest::route_identity(&mut tx, stix).await?;
    }
    if name != name_before {
        // Everything its people wrote shows the organisation's name.
        outbox::stage(
            &mut tx,
            Item::Organisation(org),
            Operation::Upsert,
            clock::now(),
        )
        .await?;
    }
    stage(&mut tx, admin, action::ORG_EDIT, org, edit.kind, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// Stages the audit row of an admin's change to an organisation, in its transaction.
async fn stage(
    tx: &mut Tx<'_>,
    admin: &Admin,
    action: &'static str,
    org: OrgId,
    kind: OrgKind,
    address: &str,
) -> CoreResult<()> {
    audit::stage(
        tx,
        Entry::new(Actor::of(admin.viewer()), action)
            .subject(Subject::organisation(org))
            .address(address)
            .detail(format!("kind={}", kind.as_str())),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_list_has_98_municipalities_in_known_regions() {
        let rows = municipalities().expect("csv parses");
        assert_eq!(rows.len(), 98);
        assert!(
            rows.iter()
                .all(|r| REGIONS.iter().any(|(_, n)| *n == r.region))
        );
        assert!(
            rows.iter()
                .any(|r| r.code == "101" && r.name == "Københavns Kommune")
        );
    }

    #[test]
    fn codes_are_short_lowercase_words_digits_and_dashes() {
        assert_eq!(validate_code(" kl ").ok().as_deref(), Some("kl"));
        assert!(validate_code("751").is_ok());
        assert!(validate_code("nis-2").is_ok());
        for bad in ["KL", "-kl", "kl-", "k l", "æ", "a-very-long-code-indeed"] {
            assert!(
                matches!(
                    validate_code(bad),
                    Err(CoreError::Invalid {
                        field: "org_code",
                        reason: "malformed"
                    })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            validate_code(""),
            Err(CoreError::Invalid {
                field: "org_code",
                reason: "required"
            })
        ));
    }

    #[test]
    fn stix_identity_ids_are_identity_then_a_uuid() {
        assert_eq!(
            validate_stix_identity(Some(" identity--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F ")).ok(),
            Some(Some(
                "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".to_string()
            ))
        );
        assert_eq!(validate_stix_identity(Some("  ")).ok(), Some(None));
        assert_eq!(validate_stix_identity(None).ok(), Some(None));
        for bad in [
            "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3",
            "identity--8e2e2d2b17d4-4cbf-938f-98ee46b3cd3f0",
            "identity--xe2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        ] {
            assert!(validate_stix_identity(Some(bad)).is_err(), "{bad:?}");
        }
    }
}
