//! Mail the platform writes: invitation and password-reset links, in the recipient's
//! language, from the same translations as the pages.

use crate::error::AppError;
use crate::i18n::Locale;
use crate::request::Backend;
use leptos_i18n::td_string;
use vaern_core::accounts::links::{self, Purpose};
use vaern_core::accounts::{self, MailLocale};
use vaern_core::ids::UserId;
use vaern_core::mail::Mail;

/// The absolute address of a link's page.
pub fn link_url(backend: &Backend, token: &str) -> String {
    format!("{}{}", backend.public_url, links::path(token))
}

/// Mails a one-time link to its person. Returns whether mail is configured at all.
pub async fn send_link(
    backend: &Backend,
    user_id: UserId,
    purpose: Purpose,
    token: &str,
) -> Result<bool, AppError> {
    if !backend.mailer.is_configured() {
        return Ok(false);
    }
    let contact = accounts::contact(&backend.db, user_id).await?;
    let locale = match contact.locale {
        MailLocale::Da => Locale::da,
        MailLocale::En => Locale::en,
    };
    let link = link_url(backend, token);
    let name = contact.name.as_str();
    let (subject, body) = match purpose {
        Purpose::Invitation => (
            td_string!(locale, mail_invitation_subject).to_string(),
            td_string!(locale, mail_invitation_body, name, link = link.as_str()).to_string(),
        ),
        Purpose::PasswordReset => (
            td_string!(locale, mail_reset_subject).to_string(),
            td_string!(locale, mail_reset_body, name, link = link.as_str()).to_string(),
        ),
    };
    backend
        .mailer
        .send(Mail {
            to: contact.email,
            subject,
            body,
        })
        .await?;
    Ok(true)
}
