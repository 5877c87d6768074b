//! Reading the audit log: admins read every row, organisation admins the rows whose
//! actor or subject belongs to their organisation (the rule lives in
//! `vaern_core::audit::list`). The CSV export (`/admin/audit.csv`, served by the server
//! crate) uses the same filter and the same rows.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One row as the page shows it, with names resolved and texts translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRowView {
    pub id: i64,
    pub time: String,
    pub actor: String,
    pub actor_org: String,
    pub action: String,
    pub subject: String,
    pub address: String,
    pub outcome: String,
    pub failed: bool,
    pub detail: String,
}

/// The audit page: the rows and the choices of its filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    pub rows: Vec<AuditRowView>,
    /// (stored action, translated name)
    pub actions: Vec<(String, String)>,
    /// (code, name) of the organisations the viewer may filter by.
    pub orgs: Vec<(String, String)>,
}

/// The page shows at most this many rows; the export has no such limit.
pub const PAGE_ROWS: i64 = 500;

/// Turns the filter form's fields into the core filter; dates are whole Copenhagen days.
#[cfg(feature = "ssr")]
pub async fn parse_filter(
    db: &vaern_core::db::Db,
    actor: Option<String>,
    action: Option<String>,
    org: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<vaern_core::audit::Filter, AppError> {
    let (from, to) = crate::format::day_range(from, to)?;
    let org = match org.filter(|o| !o.trim().is_empty()) {
        Some(code) => Some(
            vaern_core::orgs::find_by_code(db, code.trim())
                .await
                .map_err(|_| AppError::invalid("org", "unknown"))?
                .id,
        ),
        None => None,
    };
    let action = action.filter(|a| !a.is_empty());
    if let Some(a) = &action
        && !vaern_core::audit::action::ALL.contains(&a.as_str())
    {
        return Err(AppError::invalid("action", "unknown"));
    }
    Ok(vaern_core::audit::Filter {
        actor_email: actor,
        action,
        org,
        from,
        to,
    })
}

/// A stored action's name in the reader's language.
pub fn action_name(locale: crate::i18n::Locale, action: &str) -> String {
    use crate::i18n::*;
    match action {
        "sign_in" => td_string!(locale, audit_action_sign_in),
        "sign_out" => td_string!(locale, audit_action_sign_out),
        "password_change" => td_string!(locale, audit_action_password_change),
        "password_set_by_link" => td_string!(locale, audit_action_password_set_by_link),
        "second_factor_enrol" => td_string!(locale, audit_action_second_factor_enrol),
        "second_factor_off" => td_string!(locale, audit_action_second_factor_off),
        "recovery_codes_renew" => td_string!(locale, audit_action_recovery_codes_renew),
        "second_factor_reset" => td_string!(locale, audit_action_second_factor_reset),
        "invite" => td_string!(locale, audit_action_invite),
        "link_issue" => td_string!(locale, audit_action_link_issue),
        "password_reset_request" => td_string!(locale, audit_action_password_reset_request),
        "user_disable" => td_string!(locale, audit_action_user_disable),
        "user_enable" => td_string!(locale, audit_action_user_enable),
        "user_edit" => td_string!(locale, audit_action_user_edit),
        "session_end" => td_string!(locale, audit_action_session_end),
        "sessions_end_all" => td_string!(locale, audit_action_sessions_end_all),
        "org_create" => td_string!(locale, audit_action_org_create),
        "org_edit" => td_string!(locale, audit_action_org_edit),
        "org_second_factor" => td_string!(locale, audit_action_org_second_factor),
        "group_create" => td_string!(locale, audit_action_group_create),
        "group_edit" => td_string!(locale, audit_action_group_edit),
        "group_archive" => td_string!(locale, audit_action_group_archive),
        "group_restore" => td_string!(locale, audit_action_group_restore),
        "member_add" => td_string!(locale, audit_action_member_add),
        "member_role" => td_string!(locale, audit_action_member_role),
        "member_remove" => td_string!(locale, audit_action_member_remove),
        "token_create" => td_string!(locale, audit_action_token_create),
        "token_use" => td_string!(locale, audit_action_token_use),
        "token_revoke" => td_string!(locale, audit_action_token_revoke),
        "thread_pin" => td_string!(locale, audit_action_thread_pin),
        "thread_unpin" => td_string!(locale, audit_action_thread_unpin),
        "thread_lock" => td_string!(locale, audit_action_thread_lock),
        "thread_unlock" => td_string!(locale, audit_action_thread_unlock),
        "thread_move" => td_string!(locale, audit_action_thread_move),
        "post_remove" => td_string!(locale, audit_action_post_remove),
        "stix_ingest" => td_string!(locale, audit_action_stix_ingest),
        "stix_label" => td_string!(locale, audit_action_stix_label),
        "search_red" => td_string!(locale, audit_action_search_red),
        "stix_identity_link" => td_string!(locale, audit_action_stix_identity_link),
        "taxii_source_add" => td_string!(locale, audit_action_taxii_source_add),
        "taxii_source_update" => td_string!(locale, audit_action_taxii_source_update),
        "taxii_source_delete" => td_string!(locale, audit_action_taxii_source_delete),
        "document_upload" => td_string!(locale, audit_action_document_upload),
        "document_version" => td_string!(locale, audit_action_document_version),
        "document_preview" => td_string!(locale, audit_action_document_preview),
        "document_download" => td_string!(locale, audit_action_document_download),
        "document_edit" => td_string!(locale, audit_action_document_edit),
        "document_restore" => td_string!(locale, audit_action_document_restore),
        "document_remove" => td_string!(locale, audit_action_document_remove),
        "folder_create" => td_string!(locale, audit_action_folder_create),
        "folder_rename" => td_string!(locale, audit_action_folder_rename),
        "folder_move" => td_string!(locale, audit_action_folder_move),
        "folder_delete" => td_string!(locale, audit_action_folder_delete),
        "incident_significant" => td_string!(locale, audit_action_incident_significant),
        "incident_significance_undo" => {
            td_string!(locale, audit_action_incident_significance_undo)
        }
        other => return other.to_string(),
    }
    .to_string()
}

/// A listed row in the reader's language.
#[cfg(feature = "ssr")]
pub fn view_row(locale: crate::i18n::Locale, row: vaern_core::audit::ListedRow) -> AuditRowView {
    use crate::i18n::*;
    let actor = match (&row.actor_name, &row.actor_email, row.actor_token_id) {
        (Some(name), Some(email), _) => format!("{name} <{email}>"),
        (_, _, Some(token)) => td_string!(locale, audit_token, id = token).to_string(),
        _ => td_string!(locale, audit_unknown_actor).to_string(),
    };
    let subject = match (&row.subject_kind, row.subject_name) {
        (None, _) => String::new(),
        (Some(_), Some(name)) => name,
        (Some(_), None) => td_string!(locale, audit_hidden_item).to_string(),
    };
    let failed = row.outcome == "failure";
    AuditRowView {
        id: row.id,
        time: crate::format::format_time(row.at, locale),
        actor,
        actor_org: row.actor_org_name.unwrap_or_default(),
        action: action_name(locale, &row.action),
        subject,
        address: row.address,
        outcome: if failed {
            td_string!(locale, audit_failure)
        } else {
            td_string!(locale, audit_success)
        }
        .to_string(),
        failed,
        detail: row.detail,
    }
}

#[server(prefix = "/rpc", endpoint = "audit")]
pub async fn load_audit(
    actor: Option<String>,
    action: Option<String>,
    org: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<AuditView, AppError> {
    use crate::request;
    use vaern_core::accounts::management;

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let filter = parse_filter(&backend.db, actor, action, org, from, to).await?;
    let rows = vaern_core::audit::list(&backend.db, &viewer, &filter, PAGE_ROWS).await?;
    let orgs = management::manageable_orgs(&backend.db, &viewer)
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    Ok(AuditView {
        rows: rows.into_iter().map(|row| view_row(locale, row)).collect(),
        actions: vaern_core::audit::action::ALL
            .iter()
            .map(|a| (a.to_string(), action_name(locale, a)))
            .collect(),
        orgs,
    })
}
