//! Managing people: the list, invitations, new links, disabling and re-enabling,
//! resetting a second factor, ending sessions, and an organisation's second-factor
//! requirement. Admins manage everyone; organisation admins the plain members of their
//! own organisation (the policy in `vaern_core` decides every case).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An organisation the viewer manages the people of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgChoice {
    pub code: String,
    pub name: String,
    pub require_second_factor: bool,
}

/// One account in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub org_name: String,
    pub role: String,
    pub org_admin: bool,
    pub status: String,
    pub second_factor: bool,
    pub sessions: i64,
    /// The viewer may invite, reset, disable and re-enable this account.
    pub manageable: bool,
    /// The viewer may ask for a new link: a shown invitation while the account was never
    /// active, else a reset mailed to the person (only with mail set up).
    pub can_new_link: bool,
}

/// The people page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct People {
    pub orgs: Vec<OrgChoice>,
    /// The organisation shown, if one is chosen (always for organisation admins).
    pub selected: Option<String>,
    pub people: Vec<PersonView>,
    /// Admins may also grant every role, reset second factors and end sessions.
    pub is_admin: bool,
    pub mail_configured: bool,
}

#[cfg(feature = "ssr")]
use vaern_core::ids::UserId;

#[server(prefix = "/rpc", endpoint = "people")]
pub async fn load_people(org: Option<String>) -> Result<People, AppError> {
    use crate::request;
    use vaern_core::accounts::management;
    use vaern_core::policy::{self, AccountSubject, PlatformRole};

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let orgs = management::manageable_orgs(&backend.db, &viewer).await?;
    if orgs.is_empty() {
        return Err(AppError::NotFound);
    }
    let is_admin = policy::require_admin(&viewer).is_ok();
    let mail_configured = backend.mailer.is_configured();
    let selected = match org.filter(|code| !code.is_empty()) {
        Some(code) => Some(
            orgs.iter()
                .find(|o| o.code == code)
                .ok_or(AppError::NotFound)?,
        ),
        None if is_admin => None,
        None => orgs.first(),
    };
    let people = management::people(&backend.db, &viewer, selected.map(|o| o.id))
        .await?
        .into_iter()
        .map(|p| {
            let role = PlatformRole::from_stored(&p.platform_role)?;
            let subject = AccountSubject {
                org_id: p.org_id,
                role,
                org_admin: p.org_admin,
            };
            let manageable =
                policy::can_manage_account(&viewer, subject) && viewer.user_id != Some(p.id);
            Ok(PersonView {
                manageable,
                can_new_link: manageable
                    && p.status != "disabled"
                    && (mail_configured || !p.ever_active),
                id: p.id.0,
                name: p.name,
                email: p.email,
                org_name: p.org_name,
                role: p.platform_role,
                org_admin: p.org_admin,
                status: p.status,
                second_factor: p.second_factor,
                sessions: p.sessions,
            })
        })
        .collect::<Result<Vec<_>, vaern_core::CoreError>>()?;
    Ok(People {
        selected: selected.map(|o| o.code.clone()),
        orgs: orgs
            .into_iter()
            .map(|o| OrgChoice {
                code: o.code,
                name: o.name,
                require_second_factor: o.require_second_factor,
            })
            .collect(),
        people,
        is_admin,
        mail_configured,
    })
}

/// A link just issued: for an invitation, the link for the issuer to pass on; for an
/// account that has been active, only whether it was mailed to the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedLink {
    pub name: String,
    /// `None` when the link may only be mailed (`Delivery::MailOnly`).
    pub link: Option<String>,
    /// Whether it was mailed to the person.
    pub mailed: bool,
}

#[server(prefix = "/rpc", endpoint = "invite")]
pub async fn invite(
    name: String,
    email: String,
    org: String,
    role: String,
    org_admin: Option<String>,
    language: String,
) -> Result<IssuedLink, AppError> {
    use crate::request;
    use vaern_core::accounts::MailLocale;
    use vaern_core::accounts::links::Purpose;
    use vaern_core::accounts::management::{self, Invitation};
    use vaern_core::policy::PlatformRole;

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let role = PlatformRole::parse(&role).ok_or(AppError::invalid("role", "unknown"))?;
    let org_id = match vaern_core::orgs::find_by_code(&backend.db, org.trim()).await {
        Ok(found) => found.id,
        Err(vaern_core::CoreError::NotFound) => return Err(AppError::invalid("org", "unknown")),
        Err(other) => return Err(other.into()),
    };
    let invited = management::invite(
        &backend.db,
        &backend.audit,
        Some(&viewer),
        Invitation {
            email,
            name: name.clone(),
            org_id,
            role,
            org_admin: org_admin.is_some(),
            locale: MailLocale::parse(&language),
        },
        &address,
    )
    .await?;
    let mailed = crate::mail::send_link(
        &backend,
        invited.user_id,
        Purpose::Invitation,
        &invited.token,
    )
    .await
    .inspect_err(|err| tracing::error!(%err, "sending an invitation"))
    .unwrap_or(false);
    Ok(IssuedLink {
        name: name.trim().to_string(),
        link: Some(crate::mail::link_url(&backend, &invited.token)),
        mailed,
    })
}

/// A new invitation or reset link for an account (the earlier one stops working). A
/// reset link for an account that has been active is only mailed, never returned here.
#[server(prefix = "/rpc", endpoint = "new_link")]
pub async fn new_link(user: i64) -> Result<IssuedLink, AppError> {
    use crate::request;
    use vaern_core::accounts::{self, management};

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let issued = management::issue_link(
        &backend.db,
        &backend.audit,
        &viewer,
        UserId(user),
        backend.mailer.is_configured(),
        &request::context()?.address,
    )
    .await?;
    let mailed = crate::mail::send_link(&backend, UserId(user), issued.purpose, &issued.token)
        .await
        .inspect_err(|err| tracing::error!(%err, "sending a link"))
        .unwrap_or(false);
    let link = match issued.delivery {
        management::Delivery::Shown => Some(crate::mail::link_url(&backend, &issued.token)),
        management::Delivery::MailOnly => None,
    };
    Ok(IssuedLink {
        name: accounts::contact(&backend.db, UserId(user)).await?.name,
        link,
        mailed,
    })
}

/// Edits an account's name, and for admins its role and organisation-admin flag. The
/// admin form marks itself with `admin_fields`, so that an unticked checkbox there means
/// "no longer organisation admin" while the organisation admin's form leaves both alone.
#[server(prefix = "/rpc", endpoint = "edit_user")]
pub async fn edit_user(
    user: i64,
    name: String,
    role: Option<String>,
    org_admin: Option<String>,
    admin_fields: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::accounts::management::{self, AccountEdit};
    use vaern_core::policy::PlatformRole;

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let (role, org_admin) = if admin_fields.is_some() {
        let role = role.unwrap_or_default();
        let role = PlatformRole::parse(&role).ok_or(AppError::invalid("role", "unknown"))?;
        (Some(role), Some(org_admin.is_some()))
    } else {
        (None, None)
    };
    management::edit(
        &backend.db,
        &backend.audit,
        &viewer,
        UserId(user),
        AccountEdit {
            name,
            role,
            org_admin,
        },
        &request::context()?.address,
    )
    .await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "set_disabled")]
pub async fn set_disabled(user: i64, disabled: bool) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    vaern_core::accounts::management::set_disabled(
        &backend.db,
        &backend.audit,
        &viewer,
        UserId(user),
        disabled,
        &request::context()?.address,
    )
    .await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "reset_second_factor")]
pub async fn reset_second_factor(user: i64) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    // Anyone but an admin is told the operation does not exist.
    let admin = vaern_core::policy::require_admin(&viewer).map_err(|_| AppError::NotFound)?;
    let backend = request::backend()?;
    vaern_core::accounts::management::reset_second_factor(
        &backend.db,
        &backend.audit,
        &admin,
        UserId(user),
        &request::context()?.address,
    )
    .await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "end_user_sessions")]
pub async fn end_user_sessions(user: i64) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    // Anyone but an admin is told the operation does not exist.
    let admin = vaern_core::policy::require_admin(&viewer).map_err(|_| AppError::NotFound)?;
    let backend = request::backend()?;
    vaern_core::accounts::management::end_sessions(
        &backend.db,
        &backend.audit,
        &admin,
        UserId(user),
        &request::context()?.address,
    )
    .await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "set_org_second_factor")]
pub async fn set_org_second_factor(org: String, required: Option<String>) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let org = vaern_core::orgs::find_by_code(&backend.db, org.trim())
        .await
        .map_err(|_| AppError::NotFound)?;
    vaern_core::accounts::management::set_org_second_factor(
        &backend.db,
        &backend.audit,
        &viewer,
        org.id,
        required.is_some(),
        &request::context()?.address,
    )
    .await?;
    Ok(())
}
