//! Outgoing mail: SMTP through lettre when configured, or one `.eml` file per message
//! in a directory (for tests and demos), or nothing. The text is written by the caller
//! in the recipient's language; this module only delivers it.

use crate::error::{CoreError, CoreResult};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

/// A plain-text message to one person.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Clone)]
enum Transport {
    Off,
    Dir(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Where mail goes.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP URL may hold a password; say only which kind of transport this is.
        let kind = match self.transport {
            Transport::Off => "off",
            Transport::Dir(_) => "dir",
            Transport::Smtp(_) => "smtp",
        };
        f.debug_struct("Mailer").field("transport", &kind).finish()
    }
}

fn parse_from(from: &str) -> CoreResult<Mailbox> {
    from.parse()
        .map_err(|_| CoreError::invalid("mail_from", "malformed"))
}

impl Mailer {
    /// No mail: links are only shown to whoever issued them.
    pub fn off() -> Self {
        Self {
            transport: Transport::Off,
            from: "Værn <noreply@localhost>"
                .parse()
                .expect("BUG: constant mailbox"),
        }
    }

    /// Each message becomes a file in `dir`, created if missing.
    pub fn dir(dir: PathBuf, from: &str) -> CoreResult<Self> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| CoreError::Internal(format!("mail dir {}: {e}", dir.display())))?;
        Ok(Self {
            transport: Transport::Dir(dir),
            from: parse_from(from)?,
        })
    }

    /// SMTP from a URL such as `smtps://user:password@mail.example.dk` or
    /// `smtp://relay.example.dk:25?tls=required` (lettre's URL format).
    pub fn smtp(url: &str, from: &str) -> CoreResult<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| CoreError::invalid("smtp_url", "malformed"))?
            .build();
        Ok(Self {
            transport: Transport::Smtp(transport),
            from: parse_from(from)?,
        })
    }

    /// Whether messages actually go anywhere (self-service password reset needs it).
    pub fn is_configured(&self) -> bool {
        !matches!(self.transport, Transport::Off)
    }

    fn message(&self, mail: &Mail) -> CoreResult<Message> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| CoreError::invalid("email", "malformed"))?;
        // 8bit keeps links and Danish letters readable in the stored file; lettre falls
        // back to an encoding only if a line is too long for 8bit.
        let body = Body::new_with_encoding(mail.body.clone(), ContentTransferEncoding::EightBit)
            .unwrap_or_else(|_| Body::new(mail.body.clone()));
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(body),
            )
            .map_err(|e| CoreError::Internal(format!("building mail: {e}")))
    }

    /// Sends one message. With mail off this does nothing.
    pub async fn send(&self, mail: Mail) -> CoreResult<()> {
        match &self.transport {
            Transport::Off => Ok(()),
            Transport::Dir(dir) => {
                let message = self.message(&mail)?;
                let name = format!(
                    "{}-{}.eml",
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or_default(),
                    hex::encode(rand::random::<[u8; 4]>())
                );
                // Written under a temporary name and renamed, so that a reader never
                // sees half a message.
                let tmp = dir.join(format!(".{name}.tmp"));
                tokio::fs::write(&tmp, message.formatted())
                    .await
                    .map_err(|e| CoreError::Internal(format!("writing mail: {e}")))?;
                tokio::fs::rename(&tmp, dir.join(name))
                    .await
                    .map_err(|e| CoreError::Internal(format!("writing mail: {e}")))
            }
            Transport::Smtp(transport) => {
                let message = self.message(&mail)?;
                transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| CoreError::Internal(format!("smtp: {e}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn mail_to_a_directory_is_a_readable_file_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::dir(dir.path().join("mail"), "Værn <noreply@vaern.test>").unwrap();
        assert!(mailer.is_configured());
        mailer
            .send(Mail {
                to: "anne@aarhus.dk".into(),
                subject: "Invitation til Værn".into(),
                body: "Vælg din adgangskode: http://localhost/link/abc_DEF-123\n".into(),
            })
            .await
            .unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("mail"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("To: anne@aarhus.dk"), "{text}");
        assert!(text.contains("Vælg din adgangskode: http://localhost/link/abc_DEF-123"));
    }

    #[test]
    fn mail_is_off_unless_configured_and_bad_settings_are_refused() {
        assert!(!Mailer::off().is_configured());
        assert!(Mailer::smtp("not a url", "a@b.dk").is_err());
        assert!(Mailer::dir(std::env::temp_dir(), "not a mailbox").is_err());
    }
}
