//! Organisations: the 98 municipalities, the five regions, KL and the analysis centre,
//! seeded idempotently at every start from the list committed with the code.

use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::OrgId;
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

/// Inserts every reference organisation that is missing; existing rows are left alone,
/// so renaming or linking an organisation later survives restarts.
pub async fn seed(db: &Db) -> CoreResult<()> {
    let now = clock::now();
    let mut tx = db.begin().await?;
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
}
