//! Organisations: the list (admins and organisation admins), editing and adding them
//! (admins). The second-factor requirement reuses `api::people::set_org_second_factor`.
//! Admin actions are recorded in the audit log, by ids only.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One organisation in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgView {
    pub code: String,
    pub name: String,
    /// Stored form: "municipality", "region", "state", "association", "analysis_centre".
    pub kind: String,
    pub region_name: Option<String>,
    pub stix_identity_id: Option<String>,
    pub require_second_factor: bool,
    pub people: i64,
    /// The viewer may set its second-factor requirement.
    pub mfa_editable: bool,
}

/// The organisations page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisations {
    pub orgs: Vec<OrgView>,
    /// The organisation opened for editing (`?org=<code>`), if the viewer may edit it.
    pub selected: Option<OrgView>,
    /// The regions, for the form that adds an organisation: (code, name).
    pub regions: Vec<(String, String)>,
    /// Admins edit and add organisations; organisation admins only see the list and set
    /// their own organisation's second-factor requirement.
    pub is_admin: bool,
}

#[server(prefix = "/rpc", endpoint = "organisations")]
pub async fn load_organisations(
    q: Option<String>,
    kind: Option<String>,
    org: Option<String>,
) -> Result<Organisations, AppError> {
    use crate::request;
    use vaern_core::policy::{self, OrgKind};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let kind = kind
        .filter(|k| !k.is_empty())
        .map(|k| OrgKind::parse(&k).ok_or(AppError::invalid("kind", "unknown")))
        .transpose()?;
    let to_view = |o: vaern_core::orgs::OrgListing| OrgView {
        mfa_editable: policy::can_manage_org_people(&viewer, o.id),
        code: o.code,
        name: o.name,
        kind: o.kind.as_str().to_string(),
        region_name: o.region_name,
        stix_identity_id: o.stix_identity_id,
        require_second_factor: o.require_second_factor,
        people: o.people,
    };
    // Those who may not see the list are told the page does not exist.
    let all = vaern_core::orgs::list(&backend.db, &viewer, "", None)
        .await
        .map_err(|_| AppError::NotFound)?;
    let regions = all
        .iter()
        .filter(|o| o.kind == OrgKind::Region)
        .map(|o| (o.code.clone(), o.name.clone()))
        .collect();
    let selected = match org.filter(|code| !code.is_empty()) {
        Some(code) => Some(
            all.iter()
                .find(|o| o.code == code && policy::can_manage_org_people(&viewer, o.id))
                .cloned()
                .map(to_view)
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let orgs = vaern_core::orgs::list(&backend.db, &viewer, q.as_deref().unwrap_or(""), kind)
        .await?
        .into_iter()
        .map(to_view)
        .collect();
    Ok(Organisations {
        orgs,
        selected,
        regions,
        is_admin: policy::require_admin(&viewer).is_ok(),
    })
}

#[cfg(feature = "ssr")]
fn parse_kind(kind: &str) -> Result<vaern_core::policy::OrgKind, AppError> {
    vaern_core::policy::OrgKind::parse(kind.trim()).ok_or(AppError::invalid("kind", "unknown"))
}

#[server(prefix = "/rpc", endpoint = "create_organisation")]
pub async fn create_organisation(
    code: String,
    name: String,
    kind: String,
    region: Option<String>,
    stix_identity_id: Option<String>,
) -> Result<String, AppError> {
    use crate::request;
    use vaern_core::orgs::{self, NewOrg};
    let viewer = request::signed_in()?.viewer;
    let admin = vaern_core::policy::require_admin(&viewer).map_err(|_| AppError::NotFound)?;
    let backend = request::backend()?;
    let kind = parse_kind(&kind)?;
    let code = code.trim().to_string();
    orgs::create(
        &backend.db,
        &backend.audit,
        &admin,
        NewOrg {
            code: code.clone(),
            name,
            kind,
            region,
            stix_identity_id,
        },
        &request::context()?.address,
    )
    .await?;
    Ok(code)
}

#[server(prefix = "/rpc", endpoint = "edit_organisation")]
pub async fn edit_organisation(
    org: String,
    name: String,
    kind: String,
    stix_identity_id: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::orgs::{self, OrgEdit};
    let viewer = request::signed_in()?.viewer;
    let admin = vaern_core::policy::require_admin(&viewer).map_err(|_| AppError::NotFound)?;
    let backend = request::backend()?;
    let org_id = match orgs::find_by_code(&backend.db, &org).await {
        Ok(found) => found.id,
        Err(vaern_core::CoreError::NotFound) => return Err(AppError::invalid("org", "unknown")),
        Err(other) => return Err(other.into()),
    };
    let kind = parse_kind(&kind)?;
    orgs::edit(
        &backend.db,
        &backend.audit,
        &admin,
        org_id,
        OrgEdit {
            name,
            kind,
            stix_identity_id,
        },
        &request::context()?.address,
    )
    .await?;
    Ok(())
}
