//! `AppError`: what a server function can answer, serialisable to the browser, with the
//! HTTP status the server layer gives it and a translated message for the page.

use crate::i18n::Locale;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos_i18n::td_string;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request's arguments could not be decoded (missing, malformed, not UTF-8).
    #[error("bad request")]
    BadRequest,
    #[error("sign-in required")]
    Unauthenticated,
    /// Missing or hidden: never told apart.
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// A field breaks a rule; `reason` is a stable key.
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("conflict: {0}")]
    Conflict(String),
    /// Unknown e-mail, wrong password or an account that may not sign in: one answer.
    #[error("sign-in refused")]
    SignInRefused,
    #[error("throttled for {wait_secs} s")]
    Throttled { wait_secs: i64 },
    /// Details are in the server log, never in the response.
    #[error("internal error")]
    Internal,
}

impl AppError {
    pub fn invalid(field: &str, reason: &str) -> Self {
        Self::Invalid {
            field: field.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The HTTP status the server answers this error with.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest | Self::Invalid { .. } => 400,
            Self::Unauthenticated | Self::SignInRefused => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict(_) => 409,
            Self::Throttled { .. } => 429,
            Self::Internal => 500,
        }
    }

    /// The message a person reads, in their language.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            Self::BadRequest => td_string!(locale, error_bad_request).to_string(),
            Self::Unauthenticated => td_string!(locale, error_unauthenticated).to_string(),
            Self::NotFound => td_string!(locale, error_not_found).to_string(),
            Self::Forbidden => td_string!(locale, error_forbidden).to_string(),
            Self::Conflict(what) if what == "folder_not_empty" => {
                td_string!(locale, error_folder_not_empty).to_string()
            }
            Self::Conflict(_) => td_string!(locale, error_conflict).to_string(),
            Self::SignInRefused => td_string!(locale, error_sign_in_refused).to_string(),
            Self::Throttled { wait_secs } => {
                td_string!(locale, error_throttled, secs = *wait_secs).to_string()
            }
            Self::Internal => td_string!(locale, error_internal).to_string(),
            Self::Invalid { field, reason } => invalid_message(locale, field, reason),
        }
    }
}

fn invalid_message(locale: Locale, field: &str, reason: &str) -> String {
    let text = match (field, reason) {
        ("email", "required") => td_string!(locale, error_email_required),
        ("email", "malformed") => td_string!(locale, error_email_malformed),
        ("password" | "new_password", "too_short_12") => {
            td_string!(locale, error_password_too_short_12)
        }
        ("password" | "new_password", "too_short_15") => {
            td_string!(locale, error_password_too_short_15)
        }
        ("password" | "new_password" | "current_password", "too_long") => {
            td_string!(locale, error_password_too_long)
        }
        ("password" | "new_password", "common") => td_string!(locale, error_password_common),
        ("password" | "new_password", "contains_email") => {
            td_string!(locale, error_password_contains_email)
        }
        ("password" | "new_password", "contains_name") => {
            td_string!(locale, error_password_contains_name)
        }
        ("password", "required") => td_string!(locale, error_password_required),
        ("current_password", "required") => td_string!(locale, error_current_password_required),
        ("code", "required") => td_string!(locale, error_code_required),
        ("code", "malformed") => td_string!(locale, error_code_malformed),
        ("code", "wrong") => td_string!(locale, error_code_wrong),
        ("code", "expired") => td_string!(locale, error_sign_in_expired),
        ("link", "used") => td_string!(locale, error_link_used),
        ("link", "expired") => td_string!(locale, error_link_expired),
        ("link", _) => td_string!(locale, error_link_unknown),
        ("email", "taken") => td_string!(locale, error_email_taken),
        ("org", "not_allowed") => td_string!(locale, error_org_not_allowed),
        ("org", "not_analysis_centre") => td_string!(locale, error_org_not_analysis_centre),
        ("org", _) => td_string!(locale, error_org_unknown),
        ("role", _) => td_string!(locale, error_role_not_allowed),
        ("name", "taken") => td_string!(locale, error_folder_name_taken),
        ("parent_id", "inside_itself") => td_string!(locale, error_folder_inside_itself),
        ("parent_id" | "folder_id", _) => td_string!(locale, error_folder_unknown),
        ("tags", "too_many") => td_string!(locale, error_tags_too_many),
        ("tags", _) => td_string!(locale, error_tag_bad),
        ("change_note", _) => td_string!(locale, error_change_note_too_long),
        ("tlp", "below_current") => td_string!(locale, library_error_below_current),
        ("version", "wider_audience") => td_string!(locale, error_restore_wider),
        ("version", "conflict") => td_string!(locale, error_page_conflict),
        ("version", "not_text") => td_string!(locale, error_version_not_text),
        ("version", "too_large") => td_string!(locale, error_version_too_large),
        ("document", "not_a_page") => td_string!(locale, error_not_a_page),
        ("body", "image_not_in_group") => td_string!(locale, error_page_image_not_in_group),
        ("name", "required") => td_string!(locale, error_name_required),
        ("name", "too_long") => td_string!(locale, error_name_too_long),
        ("name", "hidden_characters") => td_string!(locale, error_name_hidden_characters),
        ("name", "too_long_100") => td_string!(locale, error_token_name_too_long),
        ("scopes", "required") => td_string!(locale, error_scopes_required),
        ("scopes", "not_allowed") => td_string!(locale, error_scopes_not_allowed),
        ("scopes", "not_for_org") => td_string!(locale, error_scopes_not_for_org),
        ("scopes", _) => td_string!(locale, error_scopes_unknown),
        ("expires", "past") => td_string!(locale, error_expires_past),
        ("expires", _) => td_string!(locale, error_expires_malformed),
        ("user", "self") => td_string!(locale, error_user_self),
        ("user", "disabled") => td_string!(locale, error_user_disabled),
        ("user", "mail_only") => td_string!(locale, error_user_mail_only),
        ("from" | "to", "date_malformed") => td_string!(locale, error_date_malformed),
        ("second_factor", "required") => td_string!(locale, error_second_factor_required),
        ("current_password", "wrong") => td_string!(locale, error_current_password_wrong),
        ("current_password", "throttled") => td_string!(locale, error_current_password_throttled),
        ("confirm_password", "mismatch") => td_string!(locale, error_confirm_password_mismatch),
        // Groups and memberships.
        ("slug", "taken") => td_string!(locale, error_slug_taken),
        ("slug", _) => td_string!(locale, error_slug_malformed),
        ("description", "too_long") => td_string!(locale, error_description_too_long),
        ("default_tlp", _) => td_string!(locale, error_default_tlp_unknown),
        ("group", "archived") => td_string!(locale, error_group_archived),
        ("group", "not_archived") => td_string!(locale, error_group_not_archived),
        ("emails", "required") => td_string!(locale, error_emails_required),
        ("emails", "too_many") => td_string!(locale, error_emails_too_many),
        ("group_role", "last_owner") => td_string!(locale, error_group_role_last_owner),
        ("group_role", _) => td_string!(locale, error_group_role_unknown),
        ("user", "last_owner") => td_string!(locale, error_user_last_owner),
        // Organisations.
        ("org_code", "required") => td_string!(locale, error_org_code_required),
        ("org_code", "taken") => td_string!(locale, error_org_code_taken),
        ("org_code", _) => td_string!(locale, error_org_code_malformed),
        ("kind", _) => td_string!(locale, error_kind_unknown),
        ("region", _) => td_string!(locale, error_region_unknown),
        ("stix_identity_id", "taken") => td_string!(locale, error_stix_identity_taken),
        ("stix_identity_id", _) => td_string!(locale, error_stix_identity_malformed),
        // Forums.
        ("title", "required") => td_string!(locale, error_title_required),
        ("title", "too_long") => td_string!(locale, error_title_too_long),
        ("title", "hidden_characters") => td_string!(locale, error_title_hidden_characters),
        ("body", "required") => td_string!(locale, error_body_required),
        ("body", "too_long") => td_string!(locale, error_body_too_long),
        ("body", "too_deep") => td_string!(locale, error_body_too_deep),
        ("body", "too_many_links") => td_string!(locale, error_body_too_many_links),
        ("tlp", "cannot_lower") => td_string!(locale, error_tlp_cannot_lower),
        ("tlp", "marked_by_publisher") => td_string!(locale, error_tlp_marked_by_publisher),
        ("tlp", "below_quote") => td_string!(locale, error_tlp_below_quote),
        ("tlp", "below_alert") => td_string!(locale, error_tlp_below_alert),
        ("tlp", "red_forum") => td_string!(locale, error_alert_red_forum),
        // Alerts.
        ("until", "before_start") => td_string!(locale, error_range_reversed),
        ("indicator", "too_long") => td_string!(locale, error_indicator_filter_too_long),
        ("indicator_type", _) => td_string!(locale, error_indicator_type_unknown),
        ("severity", _) => td_string!(locale, error_severity_unknown),
        ("sort", _) => td_string!(locale, error_sort_unknown),
        ("ack_state", _) => td_string!(locale, error_ack_state_unknown),
        ("status", "transition") => td_string!(locale, error_alert_transition),
        ("status", _) => td_string!(locale, error_alert_status_unknown),
        ("assignee", _) => td_string!(locale, error_alert_assignee),
        ("body", "too_long_20000") => td_string!(locale, error_comment_too_long),
        // Incidents.
        ("summary" | "impact" | "indicators" | "root_cause" | "mitigation", _) => {
            td_string!(locale, error_incident_text_too_long)
        }
        (
            "occurred_at" | "aware_at" | "personal_data_aware_at" | "submitted_at",
            "required" | "time_malformed",
        ) => td_string!(locale, error_incident_time_malformed),
        (_, "future") => td_string!(locale, error_incident_time_future),
        ("submitted_at", "before_awareness") => td_string!(locale, error_incident_before_awareness),
        ("submitted_at", "not_owed") => td_string!(locale, error_incident_not_owed),
        (_, "after_submitted") | ("personal_data_aware_at", "submitted") => {
            td_string!(locale, error_incident_after_submitted)
        }
        ("significance", _) => td_string!(locale, error_incident_not_marked),
        ("tlp", "lowered") => td_string!(locale, error_incident_lowered),
        ("tlp", "red_shared") => td_string!(locale, error_incident_red_shared),
        ("incident_share", _) => td_string!(locale, error_incident_red_share),
        ("named", "not_red") => td_string!(locale, error_incident_not_red),
        ("named", _) => td_string!(locale, error_incident_named),
        ("reference", _) => td_string!(locale, error_incident_reference_too_long),
        ("suspected_malicious" | "cross_border", _) => {
            td_string!(locale, error_incident_answer_unknown)
        }
        ("report", _) => td_string!(locale, error_incident_report_unknown),
        ("address", _) => td_string!(locale, error_incident_link_address),
        ("concerns", _) => td_string!(locale, error_incident_concerns),
        ("incident_link", "too_many") => td_string!(locale, error_incident_link_too_many),
        ("incident_link", _) => td_string!(locale, error_incident_link_not_found),
        ("tlp" | "share", "red") => td_string!(locale, error_feedback_red),
        ("identity", "missing") => td_string!(locale, error_feedback_no_identity),
        ("message", "too_long_4000") => td_string!(locale, error_feedback_too_long),
        ("tlp", _) => td_string!(locale, error_tlp_unknown),
        ("quote", _) => td_string!(locale, error_quote_wider_audience),
        ("recipient_orgs", "required") => td_string!(locale, error_recipient_orgs_required),
        ("recipient_orgs", "own_missing") => td_string!(locale, error_recipient_orgs_own_missing),
        ("recipient_orgs", _) => td_string!(locale, error_recipient_orgs_not_in_group),
        ("recipient_users", _) => td_string!(locale, error_recipient_users_cannot_see),
        ("audience", _) => td_string!(locale, error_audience_malformed),
        ("thread", "locked") => td_string!(locale, error_thread_locked),
        ("reason", "required") => td_string!(locale, error_reason_required),
        ("reason", "too_long") => td_string!(locale, error_reason_too_long),
        ("target", "same_group") => td_string!(locale, error_target_same_group),
        ("target", "audience_changes") => td_string!(locale, error_target_audience_changes),
        ("target", _) => td_string!(locale, error_target_unknown),
        ("action", _) => td_string!(locale, error_action_unknown),
        ("watch", _) => td_string!(locale, error_watch_unknown),
        // TAXII sources.
        ("url", "required") => td_string!(locale, error_url_required),
        ("url", "scheme") => td_string!(locale, error_url_scheme),
        ("url", "credentials") => td_string!(locale, error_url_credentials),
        ("url", "too_long") => td_string!(locale, error_url_too_long),
        ("url", _) => td_string!(locale, error_url_malformed),
        ("collection", "required") => td_string!(locale, error_collection_required),
        ("collection", "too_long") => td_string!(locale, error_collection_too_long),
        ("collection", _) => td_string!(locale, error_collection_malformed),
        ("username", "too_long") => td_string!(locale, error_username_too_long),
        ("username", _) => td_string!(locale, error_username_malformed),
        ("interval_secs", "out_of_range") => td_string!(locale, error_interval_out_of_range),
        ("interval_secs", _) => td_string!(locale, error_interval_malformed),
        // Received STIX objects.
        ("stix_kind", _) => td_string!(locale, error_stix_kind_unknown),
        ("recipients", "required") => td_string!(locale, error_recipients_required),
        ("recipients", _) => td_string!(locale, error_recipients_unknown),
        ("identity", "already_linked") => td_string!(locale, error_identity_already_linked),
        ("identity", _) => td_string!(locale, error_identity_unknown),
        _ => td_string!(locale, error_invalid),
    };
    text.to_string()
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => Self::BadRequest,
            _ => Self::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<vaern_core::CoreError> for AppError {
    fn from(err: vaern_core::CoreError) -> Self {
        use vaern_core::CoreError;
        match err {
            CoreError::NotFound => Self::NotFound,
            CoreError::Forbidden => Self::Forbidden,
            CoreError::Invalid { field, reason } => Self::invalid(field, reason),
            CoreError::Conflict(what) => Self::Conflict(what.to_string()),
            CoreError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                Self::Internal
            }
        }
    }
}
