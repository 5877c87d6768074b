//! Drafts of the reports a significant incident owes, as Markdown for a person to check,
//! complete and copy into the authority's own form (Værn submits nothing itself).
//!
//! Each draft carries what NIS2 Article 23(4) asks of that report, filled from the
//! incident's fields; a field not filled in yet is marked for the writer to complete:
//! - early warning (a): suspected unlawful or malicious act, possible cross-border impact;
//! - incident notification (b): the early warning's content updated, an initial
//!   assessment with severity and impact, indicators of compromise;
//! - final report (d): a detailed description with severity and impact, the type of
//!   threat or root cause, mitigation applied and ongoing, cross-border impact;
//! - GDPR Article 33(3): the nature of the personal data breach, contact point, likely
//!   consequences, measures taken.

use super::deadlines::Report;
use super::{Answer, Detail};
use crate::accounts::MailLocale;
use crate::clock;
use std::fmt::Write;

/// The words of a draft in one language.
struct Words {
    title: [&'static str; 4],
    fill_in: &'static str,
    incident: &'static str,
    organisation: &'static str,
    aware: &'static str,
    personal_aware: &'static str,
    severity: &'static str,
    summary: &'static str,
    malicious: &'static str,
    cross_border: &'static str,
    impact: &'static str,
    indicators: &'static str,
    root_cause: &'static str,
    mitigation: &'static str,
    early_warning_sent: &'static str,
    notification_sent: &'static str,
    gdpr_nature: &'static str,
    gdpr_contact: &'static str,
    gdpr_consequences: &'static str,
    yes: &'static str,
    no: &'static str,
    unknown: &'static str,
    severities: [&'static str; 4],
    footer: &'static str,
}

const DA: Words = Words {
    title: [
        "Tidlig varsling (NIS2 art. 23, stk. 4, litra a)",
        "Hændelsesunderretning (NIS2 art. 23, stk. 4, litra b)",
        "Endelig rapport (NIS2 art. 23, stk. 4, litra d)",
        "Anmeldelse af brud på persondatasikkerheden (GDPR art. 33)",
    ],
    fill_in: "[udfyld]",
    incident: "Hændelse",
    organisation: "Organisation",
    aware: "Kendskab til hændelsen",
    personal_aware: "Kendskab til bruddet på persondatasikkerheden",
    severity: "Alvorlighed",
    summary: "Beskrivelse",
    malicious: "Mistanke om ulovlig eller ondsindet handling",
    cross_border: "Mulig grænseoverskridende virkning",
    impact: "Alvor og virkning",
    indicators: "Kompromitteringsindikatorer",
    root_cause: "Trusselstype eller grundlæggende årsag",
    mitigation: "Afhjælpende foranstaltninger (gennemførte og igangværende)",
    early_warning_sent: "Tidlig varsling indsendt",
    notification_sent: "Hændelsesunderretning indsendt",
    gdpr_nature: "Bruddets karakter (kategorier og omtrentligt antal registrerede og registreringer)",
    gdpr_contact: "Kontaktpunkt (databeskyttelsesrådgiver)",
    gdpr_consequences: "Sandsynlige konsekvenser",
    yes: "Ja",
    no: "Nej",
    unknown: "Ikke afklaret",
    severities: ["Lav", "Middel", "Høj", "Kritisk"],
    footer: "Udkast fra Værn. Kontrollér og udfyld før indsendelse til myndigheden.",
};

const EN: Words = Words {
    title: [
        "Early warning (NIS2 Art. 23(4)(a))",
        "Incident notification (NIS2 Art. 23(4)(b))",
        "Final report (NIS2 Art. 23(4)(d))",
        "Notification of a personal data breach (GDPR Art. 33)",
    ],
    fill_in: "[fill in]",
    incident: "Incident",
    organisation: "Organisation",
    aware: "Became aware of the incident",
    personal_aware: "Became aware of the personal data breach",
    severity: "Severity",
    summary: "Description",
    malicious: "Suspected unlawful or malicious act",
    cross_border: "Possible cross-border impact",
    impact: "Severity and impact",
    indicators: "Indicators of compromise",
    root_cause: "Type of threat or root cause",
    mitigation: "Mitigation measures (applied and ongoing)",
    early_warning_sent: "Early warning submitted",
    notification_sent: "Incident notification submitted",
    gdpr_nature: "Nature of the breach (categories and approximate number of data subjects and records)",
    gdpr_contact: "Contact point (data protection officer)",
    gdpr_consequences: "Likely consequences",
    yes: "Yes",
    no: "No",
    unknown: "Not yet known",
    severities: ["Low", "Medium", "High", "Critical"],
    footer: "Draft from Værn. Check and complete it before submitting it to the authority.",
};

fn words(locale: MailLocale) -> &'static Words {
    match locale {
        MailLocale::Da => &DA,
        MailLocale::En => &EN,
    }
}

/// Escapes text for Markdown so that what people wrote reads as they wrote it and carries
/// no markup (a `#` or `*` of their own stays a character).
fn text(value: &str, w: &Words) -> String {
    let value = value.trim();
    if value.is_empty() {
        return w.fill_in.to_string();
    }
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '<'
                | '>'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '.'
                | '!'
                | '|'
                | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn time(at: Option<i64>, w: &Words) -> String {
    at.and_then(clock::copenhagen_time)
        .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| w.fill_in.to_string())
}

fn answer(a: Answer, w: &Words) -> &'static str {
    match a {
        Answer::Yes => w.yes,
        Answer::No => w.no,
        Answer::Unknown => w.unknown,
    }
}

/// The draft of `report` for `incident`, in `locale`, as Markdown. Times are on the
/// Copenhagen wall clock.
pub fn draft(incident: &Detail, report: Report, locale: MailLocale) -> String {
    let w = words(locale);
    let f = &incident.fields;
    let recorded = incident.significance.as_ref().map(|s| s.recorded);
    let index = Report::ALL.iter().position(|r| *r == report).unwrap_or(0);
    let mut md = String::new();
    let mut line = |label: &str, value: &str| {
        let _ = writeln!(md, "- **{label}:** {value}");
    };
    let mut head = format!("# {}\n\n", w.title[index]);
    let _ = writeln!(head, "## {}: {}\n", w.incident, text(&f.title, w));
    line(w.organisation, &text(&incident.org_name, w));
    match report {
        Report::Gdpr => line(
            w.personal_aware,
            &time(recorded.and_then(|r| r.personal_data_aware_at), w),
        ),
        _ => line(w.aware, &time(recorded.map(|r| r.aware_at), w)),
    }
    let severity = w.severities[f.severity as usize];
    match report {
        Report::EarlyWarning => {
            line(w.malicious, answer(f.suspected_malicious, w));
            line(w.cross_border, answer(f.cross_border, w));
            line(w.summary, &text(&f.summary, w));
        }
        Report::Notification => {
            line(
                w.early_warning_sent,
                &time(recorded.and_then(|r| r.early_warning_submitted_at), w),
            );
            line(w.malicious, answer(f.suspected_malicious, w));
            line(w.cross_border, answer(f.cross_border, w));
            line(w.severity, severity);
            line(w.impact, &text(&f.impact, w));
            line(w.indicators, &text(&f.indicators, w));
        }
        Report::FinalReport => {
            line(
                w.notification_sent,
                &time(recorded.and_then(|r| r.notification_submitted_at), w),
            );
            line(w.summary, &text(&f.summary, w));
            line(w.severity, severity);
            line(w.impact, &text(&f.impact, w));
            line(w.root_cause, &text(&f.root_cause, w));
            line(w.mitigation, &text(&f.mitigation, w));
            line(w.cross_border, answer(f.cross_border, w));
        }
        Report::Gdpr => {
            line(w.gdpr_nature, w.fill_in);
            line(w.gdpr_contact, w.fill_in);
            line(w.gdpr_consequences, &text(&f.impact, w));
            line(w.mitigation, &text(&f.mitigation, w));
        }
    }
    format!("{head}{md}\n_{}_\n", w.footer)
}

#[cfg(test)]
mod tests {
    use super::super::deadlines::Recorded;
    use super::super::{Fields, Significance, Status};
    use super::*;
    use crate::ids::OrgId;
    use crate::policy::Tlp;
    use crate::stix::object::Severity;

    fn incident() -> Detail {
        Detail {
            id: 1,
            org_id: OrgId(2),
            org_name: "Aarhus Kommune".into(),
            registered_by: "Anne".into(),
            links: Default::default(),
            fields: Fields {
                title: "Ransomware på # filserver *1*".into(),
                summary: "Krypterede drev.".into(),
                severity: Severity::High,
                suspected_malicious: Answer::Yes,
                cross_border: Answer::Unknown,
                impact: "".into(),
                indicators: "198.51.100.7".into(),
                root_cause: "Phishing".into(),
                mitigation: "Isoleret".into(),
            },
            status: Status::Open,
            tlp: Tlp::Amber,
            shared_at: None,
            created_at: 0,
            updated_at: 0,
            named: vec![],
            entries: vec![],
            significance: Some(Significance {
                // 2026-12-03 13:05 in Copenhagen.
                recorded: Recorded {
                    aware_at: 1_796_299_500,
                    ..Recorded::default()
                },
                marked_by: "Anne".into(),
                marked_at: 0,
                references: vec![],
            }),
            can_manage: true,
            can_undo: false,
            can_add_entry: true,
            colleagues: vec![],
        }
    }

    #[test]
    fn the_early_warning_asks_what_article_23_4_a_asks_from_the_incidents_fields() {
        let md = draft(&incident(), Report::EarlyWarning, MailLocale::Da);
        assert!(md.starts_with("# Tidlig varsling"));
        assert!(md.contains("Mistanke om ulovlig eller ondsindet handling:** Ja"));
        assert!(md.contains("Mulig grænseoverskridende virkning:** Ikke afklaret"));
        assert!(md.contains("Kendskab til hændelsen:** 2026-12-03 13:05"));
    }

    #[test]
    fn what_people_wrote_carries_no_markdown_and_missing_fields_are_marked_to_fill_in() {
        let md = draft(&incident(), Report::Notification, MailLocale::En);
        assert!(md.contains("Ransomware på \\# filserver \\*1\\*"));
        assert!(md.contains("198\\.51\\.100\\.7"));
        assert!(md.contains("Severity and impact:** [fill in]"));
        assert!(md.contains("Severity:** High"));
    }

    #[test]
    fn the_final_report_carries_root_cause_and_mitigation() {
        let md = draft(&incident(), Report::FinalReport, MailLocale::Da);
        assert!(md.contains("grundlæggende årsag:** Phishing"));
        assert!(md.contains("igangværende):** Isoleret"));
        assert!(md.contains("Hændelsesunderretning indsendt:** [udfyld]"));
    }
}
