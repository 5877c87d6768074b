//! Linking STIX identities to organisations (DESIGN §3.F "unmatched ones listed for
//! admins"): the identities that matched no organisation, with suggestions by name, and
//! the admin's link, which routes the items that waited for the identity. Suggestions
//! are only offered: an identity is never linked by its name alone.

use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::OrgId;
use crate::policy::Admin;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// Most identities listed at once: the page is a work list, not an archive.
pub const MAX_LISTED: usize = 500;

/// Suggested organisations per identity.
const MAX_SUGGESTIONS: usize = 3;

/// Least Jaro-Winkler similarity of the normalised names for a suggestion.
const MIN_SIMILARITY: f64 = 0.85;

/// Words that say what kind of body an identity is, not which one.
const GENERIC_WORDS: &[&str] = &[
    "kommune",
    "kommunes",
    "kommunen",
    "municipality",
    "municipal",
    "council",
    "city",
    "of",
    "the",
];

/// An organisation suggested for an identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub org: OrgId,
    pub code: String,
    pub name: String,
}

/// A STIX identity that no organisation stands for yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    pub stix_id: String,
    /// `None`: only named as a target, never received.
    pub name: Option<String>,
    pub kommunekode: Option<String>,
    /// When it was received, or first named by a received item (microseconds).
    pub first_seen_us: i64,
    /// Newest items that name it as a target and wait for it.
    pub waiting: i64,
    /// Best first; empty when no organisation's name is close.
    pub suggestions: Vec<Suggestion>,
}

/// What a link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Linked {
    /// Alerts created for the organisation by routing the waiting items.
    pub alerts: u64,
}

/// Identities that matched no organisation, most waiting items first: those received
/// (neither an organisation carries the id nor their kommunekode named a
/// municipality), and those only named as targets by received items.
pub async fn unmatched(db: &Db, _admin: &Admin) -> CoreResult<Vec<Unmatched>> {
    let received: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "select si.stix_id, si.name, si.kommunekode, si.first_seen_us from stix_identities si \
         where si.org_id is null \
         and not exists (select 1 from organisations o where o.stix_identity_id = si.stix_id)",
    )
    .fetch_all(db)
    .await?;
    // Items naming an identity no organisation stands for, per identity.
    let named: Vec<(String, i64, i64)> = sqlx::query_as(
        "select ti.identity_ref, count(*), min(i.request_timestamp_us) \
         from stix_object_target_identities ti \
         cross join stix_objects o on o.id = ti.item_id and o.is_latest \
         cross join stix_ingests i on i.id = o.ingest_id \
         left join organisations org on org.stix_identity_id = ti.identity_ref \
         left join stix_identities si on si.stix_id = ti.identity_ref \
         where org.id is null and si.org_id is null and ti.identity_ref like 'identity--%' \
         group by ti.identity_ref",
    )
    .fetch_all(db)
    .await?;
    let mut waiting: HashMap<String, (i64, i64)> = named
        .into_iter()
        .map(|(id, count, first)| (id, (count, first)))
        .collect();
    let mut out: Vec<Unmatched> = received
        .into_iter()
        .map(|(stix_id, name, kommunekode, first_seen_us)| {
            let (count, _) = waiting.remove(&stix_id).unwrap_or((0, first_seen_us));
            Unmatched {
                stix_id,
                name: Some(name),
                kommunekode,
                first_seen_us,
                waiting: count,
                suggestions: Vec::new(),
            }
        })
        .collect();
    out.extend(
        waiting
            .into_iter()
            .map(|(stix_id, (count, first))| Unmatched {
                stix_id,
                name: None,
                kommunekode: None,
                first_seen_us: first,
                waiting: count,
                suggestions: Vec::new(),
            }),
    );
    out.sort_by(|a, b| {
        b.waiting
            .cmp(&a.waiting)
            .then(b.first_seen_us.cmp(&a.first_seen_us))
            .then(a.stix_id.cmp(&b.stix_id))
    });
    out.truncate(MAX_LISTED);
    let orgs: Vec<(OrgId, String, String)> =
        sqlx::query_as("select id, code, name from organisations order by name, id")
            .fetch_all(db)
            .await?;
    let orgs: Vec<(String, Suggestion)> = orgs
        .into_iter()
        .map(|(org, code, name)| (normalised(&name), Suggestion { org, code, name }))
        .collect();
    for identity in &mut out {
        if let Some(name) = &identity.name {
            identity.suggestions = suggest(name, &orgs);
        }
    }
    Ok(out)
}

/// A name without case, diacritics, punctuation and generic words, Danish letters
/// spelled out as in ASCII (Århus and Aarhus, Køge and Koege compare alike).
pub fn normalised(name: &str) -> String {
    let mut spelled = String::with_capacity(name.len());
    for c in name.to_lowercase().chars() {
        match c {
            'æ' => spelled.push_str("ae"),
            'ø' => spelled.push_str("oe"),
            'å' => spelled.push_str("aa"),
            other => spelled.push(other),
        }
    }
    let plain: String = spelled
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    plain
        .split_whitespace()
        .filter(|word| !GENERIC_WORDS.contains(word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Up to three organisations whose normalised names are close to `name`'s, closest
/// first.
fn suggest(name: &str, orgs: &[(String, Suggestion)]) -> Vec<Suggestion> {
    let wanted = normalised(name);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(f64, &Suggestion)> = orgs
        .iter()
        .filter(|(org_name, _)| !org_name.is_empty())
        .map(|(org_name, org)| (strsim::jaro_winkler(&wanted, org_name), org))
        .filter(|(score, _)| *score >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, org)| org.clone())
        .collect()
}

/// A STIX identity id (`identity--<uuid>`, lowercased), or `Invalid { field:
/// "identity", reason: "malformed" }`.
fn identity_id(id: &str) -> CoreResult<String> {
    match crate::orgs::validate_stix_identity(Some(id)) {
        Ok(Some(id)) => Ok(id),
        _ => Err(CoreError::invalid("identity", "malformed")),
    }
}

/// Links identity `stix_id` to `org`, as `admin`, and routes the items waiting for it,
/// in one transaction; audited with the identity, the organisation's code and the number
/// of alerts routed. The organisation carries the id when it carries none yet; else the
/// identity's row names the organisation (an organisation may be known under several
/// identities).
///
/// Refusals: `Invalid` with field `identity` (`malformed`; `unknown`: neither received
/// nor named by anything received; `already_linked`) or `org` (`unknown`).
pub async fn link(
    db: &Db,
    audit: &AuditLog,
    admin: &Admin,
    stix_id: &str,
    org: OrgId,
    address: &str,
) -> CoreResult<Linked> {
    let stix_id = identity_id(stix_id)?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (code, carried): (String, Option<String>) =
        sqlx::query_as("select code, stix_identity_id from organisations where id = $1")
            .bind(org)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(CoreError::invalid("org", "unknown"))?;
    let linked: bool = sqlx::query_scalar(
        "select exists (select 1 from organisations where stix_identity_id = $1) \
         or exists (select 1 from stix_identities where stix_id = $1 and org_id is not null)",
    )
    .bind(&stix_id)
    .fetch_one(&mut *tx)
    .await?;
    if linked {
        return Err(CoreError::invalid("identity", "already_linked"));
    }
    let known: bool = sqlx::query_scalar(
        "select exists (select 1 from stix_identities where stix_id = $1) \
         or exists (select 1 from stix_object_target_identities where identity_ref = $1)",
    )
    .bind(&stix_id)
    .fetch_one(&mut *tx)
    .await?;
    if !known {
        return Err(CoreError::invalid("identity", "unknown"));
    }
    sqlx::query(
        "insert into stix_identities (stix_id, org_id, first_seen_us) values ($1, $2, $3) \
         on conflict (stix_id) do update set org_id = excluded.org_id",
    )
    .bind(&stix_id)
    .bind(org)
    .bind(super::ingest::now_us())
    .execute(&mut *tx)
    .await?;
    if carried.is_none() {
        sqlx::query(
            "update organisations set stix_identity_id = $1 \
             where id = $2 and stix_identity_id is null",
        )
        .bind(&stix_id)
        .bind(org)
        .execute(&mut *tx)
        .await?;
    }
    let alerts = super::ingest::route_identity(&mut tx, &stix_id).await?;
    audit::stage(
        &mut tx,
        Entry::new(Actor::of(admin.viewer()), action::STIX_IDENTITY_LINK)
            .subject(Subject::organisation(org))
            .address(address)
            .detail(format!("identity={stix_id} org={code} alerts={alerts}")),
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(Linked { alerts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(name: &str) -> (String, Suggestion) {
        (
            normalised(name),
            Suggestion {
                org: OrgId(1),
                code: name.to_string(),
                name: name.to_string(),
            },
        )
    }

    #[test]
    fn names_compare_without_case_diacritics_and_generic_words() {
        assert_eq!(normalised("Aarhus Kommune"), "aarhus");
        assert_eq!(normalised("ÅRHUS KOMMUNE"), "aarhus");
        assert_eq!(normalised("Municipality of Køge"), "koege");
        assert_eq!(normalised("Københavns Kommune"), "koebenhavns");
        assert_eq!(normalised("Høje-Taastrup Kommune"), "hoeje taastrup");
        assert_eq!(normalised("Région Île"), "region ile");
    }

    #[test]
    fn an_identity_is_suggested_the_closest_names_only() {
        let orgs = [
            org("Aarhus Kommune"),
            org("Odense Kommune"),
            org("Region Midtjylland"),
            org("Aabenraa Kommune"),
        ];
        let names = |name: &str| -> Vec<String> {
            suggest(name, &orgs).into_iter().map(|s| s.name).collect()
        };
        assert_eq!(names("Århus Kommune")[0], "Aarhus Kommune");
        assert_eq!(names("Aarhus Municipality")[0], "Aarhus Kommune");
        assert!(names("Odense").contains(&"Odense Kommune".to_string()));
        assert!(names("Ministeriet for noget helt andet").is_empty());
        assert!(
            names("Kommune").is_empty(),
            "generic words alone suggest nothing"
        );
    }
}
