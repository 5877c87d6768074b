//! Demo content for a fresh data directory: people in several organisations and the
//! programme's groups. The passwords are published in the README, so `fill` refuses a
//! database that already has accounts.

use crate::accounts::{self, NewUser, second_factor, sessions};
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::groups::{self, NewGroup};
use crate::orgs;
use crate::policy::{self, GroupRole, PlatformRole, Tlp};

/// A demo account as printed for the person trying Værn out.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub label: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub org: String,
    /// Base32 TOTP secret of accounts that must use a second factor.
    pub totp_secret: Option<&'static str>,
}

struct Person {
    label: &'static str,
    email: &'static str,
    name: &'static str,
    org: &'static str,
    role: PlatformRole,
    org_admin: bool,
    password: &'static str,
    totp_secret: Option<&'static str>,
}

const PEOPLE: [Person; 5] = [
    Person {
        label: "admin",
        email: "admin@kl.demo",
        name: "Astrid Holm",
        org: "kl",
        role: PlatformRole::Admin,
        org_admin: false,
        password: "demo-kl-adgangskode",
        totp_secret: Some("VAERNDEMOADMINKLTOTPSECRET234567"),
    },
    Person {
        label: "municipality",
        email: "it-chef@aarhus.demo",
        name: "Mette Lund",
        org: "751",
        role: PlatformRole::Member,
        org_admin: true,
        password: "demo-kommune-kodeord",
        totp_secret: None,
    },
    Person {
        label: "municipality",
        email: "it-chef@koebenhavn.demo",
        name: "Jonas Berg",
        org: "101",
        role: PlatformRole::Member,
        org_admin: false,
        password: "demo-kommune-kodeord",
        totp_secret: None,
    },
    Person {
        label: "analyst",
        email: "analytiker@soc.demo",
        name: "Lars Krogh",
        org: "soc",
        role: PlatformRole::Analyst,
        org_admin: false,
        password: "demo-soc-adgangskode",
        totp_secret: Some("VAERNDEMOANALYSTSOCTOTPSECRET234"),
    },
    Person {
        label: "coordinator",
        email: "koordinator@kl.demo",
        name: "Sofie Dahl",
        org: "kl",
        role: PlatformRole::Coordinator,
        org_admin: false,
        password: "demo-programmet-kode",
        totp_secret: Some("VAERNDEMOCOORDINATORKLTOTPSECRET"),
    },
];

/// Creates the demo accounts, groups and memberships, and returns the accounts. What the
/// demo admin and moderator do is audited as in the app; the caller chains the rows.
pub async fn fill(db: &Db, audit: &crate::audit::AuditLog) -> CoreResult<Vec<DemoAccount>> {
    let existing: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(db)
        .await?;
    if existing > 0 {
        return Err(CoreError::Conflict(
            "the data directory already has accounts",
        ));
    }
    let mut ids = Vec::new();
    let mut printed = Vec::new();
    for p in &PEOPLE {
        let org = orgs::find_by_code(db, p.org).await?;
        let id = accounts::create(
            db,
            NewUser {
                email: p.email.into(),
                name: p.name.into(),
                org_id: org.id,
                role: p.role,
                org_admin: p.org_admin,
                password: p.password.into(),
            },
        )
        .await?;
        if let Some(secret) = p.totp_secret {
            second_factor::install(db, id, secret).await?;
        }
        ids.push(id);
        printed.push(DemoAccount {
            label: p.label,
            email: p.email,
            password: p.password,
            org: org.name,
            totp_secret: p.totp_secret,
        });
    }
    // Groups are created as the demo admin, through the same guard as in the app.
    let admin_viewer = sessions::load_viewer(db, ids[0]).await?;
    let admin = policy::require_admin(&admin_viewer)?;
    let groups = [
        (
            "referencegruppen",
            "Referencegruppen",
            "Den kommunale referencegruppe: udkast og beslutninger.",
            Tlp::Amber,
        ),
        (
            "alle-kommuner",
            "Alle kommuner",
            "Fælles rum for alle kommunernes it-chefer.",
            Tlp::Green,
        ),
        (
            "nis2-arbejdsgruppe",
            "NIS2-arbejdsgruppe",
            "Forberedelse af kommunerne til NIS2.",
            Tlp::Amber,
        ),
    ];
    let mut group_ids = Vec::new();
    for (slug, name, description, default_tlp) in groups {
        group_ids.push(
            groups::create(
                db,
                audit,
                &admin,
                NewGroup {
                    slug: slug.into(),
                    name: name.into(),
                    description: description.into(),
                    default_tlp,
                },
                "demo",
            )
            .await?,
        );
    }
    let memberships = [
        (0, 1, GroupRole::Owner),
        (0, 2, GroupRole::Member),
        (0, 4, GroupRole::Reader),
        (1, 1, GroupRole::Member),
        (1, 2, GroupRole::Moderator),
        (1, 3, GroupRole::Member),
        (2, 1, GroupRole::Member),
    ];
    for (group, person, role) in memberships {
        groups::set_member(db, &admin, group_ids[group], ids[person], role).await?;
    }
    fill_forums(db, audit, &ids).await?;
    Ok(printed)
}

/// The pinned welcome post. It uses every construct the Markdown renderer allows, so that
/// the accessibility suite, which opens this thread, checks each of them as rendered.
const WELCOME: &str = "Her drøfter vi udkast og beslutninger.\n\n\
## Spilleregler\n\n\
- Hold tonen *saglig*\n- Marker indhold med den rette **TLP**\n\
- Skriv `@navn` for at nævne en kollega\n- ~~Del alt med alle~~\n\n\
### Før et møde\n\n\
1. Læs dagsordenen\n2. Send rettelser\n\nBagefter:\n\n\
3. [x] Referat godkendt\n4. [ ] Næste møde aftalt\n\n\
- [x] Kortlægning af leverandører\n- [ ] Ledelsesgodkendelse af **planen**\n\n\
> Start med leverandørerne, de tager længst tid.\n\n\
```text\nrisiko = sandsynlighed * konsekvens\n```\n\n\
| Område | Ansvarlig | Status |\n|:---|:---:|---:|\n| Leverandører | IT | I gang |\n\n\
Se [vejledningen](/groups/referencegruppen) og skriv til <sikkerhed@kl.dk>.  \n\
Billeder fra biblioteket vises: ![Skjold](/files/3)  \n\
Andre vises som deres tekst: ![Diagram over beredskabet](https://example.org/diagram.png)\n\n\
---\n\n\
#### Kontakt\n\n\
Spørgsmål? Skriv her i forummet.";

/// Forum threads written through the same checks as in the app: a pinned welcome, a
/// long discussion (50 posts, the thread-page benchmark reads it), an AMBER+STRICT note
/// and a question to all municipalities.
async fn fill_forums(
    db: &Db,
    audit: &crate::audit::AuditLog,
    ids: &[crate::ids::UserId],
) -> CoreResult<()> {
    use crate::forums::writing::{self, NewReply, NewThread};
    use crate::forums::{Audience, moderation};
    let mette = sessions::load_viewer(db, ids[1]).await?;
    let jonas = sessions::load_viewer(db, ids[2]).await?;
    let thread = |slug: &str, title: &str, body: &str, tlp: Option<Tlp>| NewThread {
        group_slug: slug.into(),
        title: title.into(),
        body: body.into(),
        tlp,
        audience: Audience::default(),
        chatham_house: false,
    };
    let reply = |thread_id: i64, body: String| NewReply {
        thread_id,
        body,
        tlp: None,
        audience: Audience::default(),
        quoted_post_id: None,
    };

    let welcome = writing::create_thread(
        db,
        &mette,
        thread(
            "referencegruppen",
            "Velkommen til Referencegruppen",
            WELCOME,
            None,
        ),
    )
    .await?;
    moderation::set_pinned(db, audit, &mette, welcome.thread_id, true, "demo").await?;

    let long = writing::create_thread(
        db,
        &mette,
        thread(
            "referencegruppen",
            "Erfaringer med NIS2-implementering",
            "Hvordan griber I **risikovurderingen** an? Vi har startet med et \
             kortlægningsskema:\n\n| Område | Status |\n|---|---|\n\
             | Leverandører | I gang |\n| Beredskab | Ikke startet |",
            None,
        ),
    )
    .await?;
    for n in 2..=50 {
        let (who, text) = if n % 2 == 0 {
            (
                &jonas,
                format!(
                    "Indlæg {n}: Hos os har vi delt arbejdet op efter forvaltning. Det \
                     vigtigste har været at få ~~alle~~ de kritiske systemer med, og at \
                     [vejledningen](/groups/referencegruppen) bliver fulgt.\n\n\
                     - [x] Kortlægning\n- [ ] Ledelsesgodkendelse"
                ),
            )
        } else {
            (
                &mette,
                format!(
                    "Indlæg {n}: Tak, det er nyttigt. Vi bruger samme skabelon og \
                     deler den gerne:\n\n> Start med leverandørerne, de tager længst tid.\n\n\
                     ```\nrisiko = sandsynlighed * konsekvens\n```"
                ),
            )
        };
        writing::reply(db, who, reply(long.thread_id, text)).await?;
    }

    writing::create_thread(
        db,
        &mette,
        thread(
            "referencegruppen",
            "Hændelse hos en leverandør (kun Aarhus)",
            "Intern note om en hændelse hos vores driftsleverandør. Deles kun med \
             Aarhus Kommunes egne folk.",
            Some(Tlp::AmberStrict),
        ),
    )
    .await?;

    let question = writing::create_thread(
        db,
        &jonas,
        thread(
            "alle-kommuner",
            "Har nogen set phishing-kampagnen mod MitID?",
            "Vi har fået mails, der efterligner MitID-opdateringer. Har andre set dem?",
            None,
        ),
    )
    .await?;
    writing::reply(
        db,
        &mette,
        reply(
            question.thread_id,
            "Ja, @Jonas Berg, vi har blokeret afsenderdomænet i går.".into(),
        ),
    )
    .await?;
    Ok(())
}

/// Days of intel history `fill_intel` writes.
const INTEL_DAYS: i64 = 30;
/// Bundles per day, and objects per bundle, of that history.
const INTEL_BUNDLES_PER_DAY: i64 = 3;
const INTEL_BUNDLE_SIZE: usize = 40;

/// A month of the analysis centre's publications, made by the same generator as
/// `vaern simulate-soc` and stored through the same ingestion as TAXII: the centre's
/// organisation is linked to the generator's identity, and a `stix:write` token of the
/// centre posts them. Returns that token's secret, so that the person trying Værn out
/// can run the simulator against the demo.
pub async fn fill_intel(db: &Db, audit: &crate::audit::AuditLog) -> CoreResult<String> {
    use crate::stix::{ingest, simulate};
    use crate::tokens::{self, Manager, NewToken};

    sqlx::query("update organisations set stix_identity_id = $1 where code = $2")
        .bind(simulate::CENTRE_IDENTITY_ID)
        .bind(orgs::ANALYSIS_CENTRE_CODE)
        .execute(db)
        .await?;
    let token = tokens::create(
        db,
        audit,
        Manager::Operator,
        "demo",
        NewToken {
            org: orgs::ANALYSIS_CENTRE_CODE.into(),
            scopes: vec!["stix:write".into()],
            expires: None,
            name: "Analysecentrets udgiver (demo)".into(),
        },
    )
    .await?;
    let poster = ingest::Poster {
        token: token.id,
        org: token.org.id,
    };
    let mut generator = simulate::Generator::new(2026, orgs::municipality_codes_and_names()?);
    let now = time::OffsetDateTime::now_utc();
    for day in (1..=INTEL_DAYS).rev() {
        for bundle in 0..INTEL_BUNDLES_PER_DAY {
            let at = now - time::Duration::days(day) + time::Duration::hours(8 + 3 * bundle);
            let mut bundle = generator.bundle(INTEL_BUNDLE_SIZE, at);
            let objects = match bundle["objects"].take() {
                serde_json::Value::Array(objects) => objects,
                _ => {
                    return Err(CoreError::Internal(
                        "generated bundle has no objects".into(),
                    ));
                }
            };
            ingest::ingest(db, &poster, objects)
                .await
                .map_err(|err| CoreError::Internal(format!("demo intel refused: {err:?}")))?;
        }
    }
    // The month arrived in one go here: date each alert as if it had come with its
    // sighting, so that the dashboard's days and "new in 24 hours" look like a month.
    sqlx::query(
        "update alerts set created_at = coalesce((select o.version_us / 1000000 \
         from stix_objects o where o.id = alerts.sighting_row), created_at)",
    )
    .execute(db)
    .await?;
    sqlx::query("update alerts set visible_at = created_at where visible_at is not null")
        .execute(db)
        .await?;
    work_alerts(db).await?;
    other_responses(db).await?;
    acknowledge_advisories(db).await?;
    own_incidents(db, audit).await?;
    Ok(token.secret)
}

/// Two incidents of Aarhus, both significant under NIS2: one whose early warning went in
/// and whose notification and GDPR clocks run, shared with the centre, whose analyst
/// wrote on its timeline; and one whose early warning is overdue.
async fn own_incidents(db: &Db, audit: &crate::audit::AuditLog) -> CoreResult<()> {
    use crate::incidents::{self, Answer, Fields, deadlines::Report};
    use crate::stix::object::Severity;
    let person = |email: &'static str| async move {
        let id: Option<crate::ids::UserId> =
            sqlx::query_scalar("select id from users where email = $1")
                .bind(email)
                .fetch_optional(db)
                .await?;
        match id {
            Some(id) => sessions::load_viewer(db, id).await.map(Some),
            None => Ok::<_, CoreError>(None),
        }
    };
    // Without the demo's people (intel alone, as a test fills it) nobody registers them.
    let (Some(mette), Some(analyst)) = (
        person("it-chef@aarhus.demo").await?,
        person("analytiker@soc.demo").await?,
    ) else {
        return Ok(());
    };
    let now = crate::clock::now();
    let hours = |h: i64| now - h * 3600;
    let ransomware = incidents::register(
        db,
        &mette,
        &Fields {
            title: "Ransomware på lønsystemets filserver".into(),
            summary: "Filerne på lønsystemets filserver blev krypteret i nat; en løsesumsbesked \
                      ligger i hver mappe. Lønkørslen er udsat."
                .into(),
            severity: Severity::Critical,
            suspected_malicious: Answer::Yes,
            cross_border: Answer::No,
            impact: "Lønudbetaling for 12.000 medarbejdere forsinket; ingen borgerrettede \
                     systemer ramt."
                .into(),
            indicators: "203.0.113.45 (kommando-server)\nrecover-files.example (betalingsside)"
                .into(),
            root_cause: String::new(),
            mitigation: "Serveren er isoleret; gendannelse fra backup er i gang.".into(),
        },
        crate::policy::Tlp::Amber,
        &[],
    )
    .await?;
    incidents::add_entry(
        db,
        &mette,
        ransomware,
        "Driften opdagede krypterede filer og isolerede serveren.",
        Some(hours(5)),
    )
    .await?;
    incidents::mark_significant(db, audit, &mette, ransomware, hours(5), Some(hours(3))).await?;
    incidents::mark_submitted(
        db,
        &mette,
        ransomware,
        Report::EarlyWarning,
        hours(2),
        "CFCS-2026-0117",
    )
    .await?;
    incidents::share(db, &mette, ransomware).await?;
    incidents::add_entry(
        db,
        &analyst,
        ransomware,
        "Samme kommando-server ses hos to andre kommuner; vi udsender et varsel.",
        None,
    )
    .await?;
    let phishing = incidents::register(
        db,
        &mette,
        &Fields {
            title: "Phishing-kampagne mod borgerservice".into(),
            summary: "Falske MitID-sider sendt til borgerservices medarbejdere; to har \
                      indtastet oplysninger."
                .into(),
            severity: Severity::High,
            suspected_malicious: Answer::Yes,
            cross_border: Answer::Unknown,
            impact: String::new(),
            indicators: String::new(),
            root_cause: String::new(),
            mitigation: String::new(),
        },
        crate::policy::Tlp::Green,
        &[],
    )
    .await?;
    incidents::mark_significant(db, audit, &mette, phishing, hours(30), None).await?;
    Ok(())
}

/// Aarhus's five oldest alerts, worked by its IT chief into every state, with an
/// assignee and a comment, the steps dated a few hours apart after each became visible.
async fn work_alerts(db: &Db) -> CoreResult<()> {
    use crate::stix::alerts::{self, Status};
    let mette: Option<crate::ids::UserId> =
        sqlx::query_scalar("select id from users where email = 'it-chef@aarhus.demo'")
            .fetch_optional(db)
            .await?;
    // Without the demo's people (intel alone, as a test fills it) nobody works them.
    let Some(mette) = mette else {
        return Ok(());
    };
    let viewer = sessions::load_viewer(db, mette).await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "select a.id from alerts a where a.org_id = $1 and a.visible_at is not null \
         order by a.created_at, a.id limit 5",
    )
    .bind(viewer.org_id)
    .fetch_all(db)
    .await?;
    use Status::*;
    let paths: [&[Status]; 5] = [
        &[Acknowledged, Investigating, Resolved],
        &[Acknowledged, Investigating, FalsePositive],
        &[NotAffected],
        &[Acknowledged, Investigating],
        &[Acknowledged],
    ];
    for (id, path) in ids.iter().zip(paths) {
        for status in path {
            alerts::set_status(db, &viewer, *id, *status).await?;
        }
    }
    if let Some(id) = ids.get(3) {
        alerts::assign(db, &viewer, *id, Some(mette)).await?;
        alerts::comment(
            db,
            &viewer,
            *id,
            "Maskinen er taget af nettet; vi gennemgår EDR-loggen.",
            crate::policy::Tlp::Amber,
        )
        .await?;
    }
    // Two of them are reported back to the centre (feedback), where the label allows.
    for (id, message) in ids.iter().zip([
        "Løst: den berørte server er geninstalleret.",
        "",
        "Vi bruger ikke det pågældende produkt.",
    ]) {
        let alert = alerts::get(db, &viewer, *id).await?.alert;
        match alerts::comment_labels(alert.tlp).first() {
            Some(tlp) if *tlp != crate::policy::Tlp::Red && !message.is_empty() => {
                crate::stix::feedback::share_alert(db, &viewer, *id, message, *tlp).await?;
            }
            _ => {}
        }
    }
    sqlx::query(
        "update alert_changes set created_at = (select a.visible_at from alerts a \
         where a.id = alert_changes.alert_id) + 7200 * (select count(*) from alert_changes c \
         where c.alert_id = alert_changes.alert_id and c.id <= alert_changes.id)",
    )
    .execute(db)
    .await?;
    sqlx::query(
        "update alert_comments set created_at = (select max(c.created_at) from alert_changes c \
         where c.alert_id = alert_comments.alert_id) + 1800",
    )
    .execute(db)
    .await?;
    sqlx::query(
        "update alerts set acknowledged_at = (select min(c.created_at) from alert_changes c \
         where c.alert_id = alerts.id and c.field = 'status'), \
         updated_at = (select max(c.created_at) from alert_changes c where c.alert_id = alerts.id) \
         where updated_at is not null",
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The other municipalities' responses, so that the acknowledgement view has a sector to
/// show: the alerts of organisations without demo people, spread over every state by
/// their id, acknowledged an hour to a day and a half after they became visible. (Nobody
/// can sign in for them, so their alerts have no history.)
async fn other_responses(db: &Db) -> CoreResult<()> {
    sqlx::query(
        "update alerts set status = case id % 6 when 0 then 'new' when 1 then 'acknowledged' \
         when 2 then 'investigating' when 3 then 'resolved' when 4 then 'not_affected' \
         else 'new' end where visible_at is not null \
         and org_id not in (select org_id from users)",
    )
    .execute(db)
    .await?;
    sqlx::query(
        "update alerts set acknowledged_at = visible_at + 3600 * (1 + id % 36), \
         updated_at = visible_at + 3600 * (1 + id % 36) where status <> 'new' \
         and acknowledged_at is null and org_id not in (select org_id from users)",
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Aarhus's and Copenhagen's IT chiefs answer the newest advisories they may see, dated
/// a few hours after each was published.
async fn acknowledge_advisories(db: &Db) -> CoreResult<()> {
    use crate::stix::acknowledgements::{self, AckState};
    for (email, answered) in [("it-chef@aarhus.demo", 5), ("it-chef@koebenhavn.demo", 2)] {
        let person: Option<crate::ids::UserId> =
            sqlx::query_scalar("select id from users where email = $1")
                .bind(email)
                .fetch_optional(db)
                .await?;
        let Some(person) = person else {
            return Ok(());
        };
        let viewer = sessions::load_viewer(db, person).await?;
        let dashboard =
            crate::stix::dashboard::for_viewer(db, &viewer, crate::clock::now()).await?;
        for (i, (advisory, state)) in dashboard
            .latest_advisories
            .iter()
            .skip(1)
            .take(answered)
            .zip(AckState::ALL.iter().cycle())
            .enumerate()
        {
            // The first two answers are also shared with the centre, unless RED.
            let share = i < 2 && advisory.tlp != Some(crate::policy::Tlp::Red);
            acknowledgements::acknowledge(db, &viewer, advisory.row, *state, share).await?;
        }
    }
    sqlx::query(
        "update advisory_acks set created_at = (select max(o.version_us) / 1000000 + 5400 \
         from stix_objects o where o.stix_id = advisory_acks.stix_id), \
         updated_at = (select max(o.version_us) / 1000000 + 5400 from stix_objects o \
         where o.stix_id = advisory_acks.stix_id)",
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A one-page PDF whose only text is `title`, with a correct cross-reference table, so
/// that the demo's PDFs open in a browser's viewer.
fn demo_pdf(title: &str) -> Vec<u8> {
    // PDF strings escape these three; the demo titles are ASCII.
    let text: String = title
        .chars()
        .filter(char::is_ascii)
        .flat_map(|c| match c {
            '(' | ')' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let content = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", n + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// Documents in every demo group, added through the same checks and store as an
/// upload, so a newcomer sees a library at once. In each group, in this order: a PDF
/// with two versions, a DOCX in the folder "Politikker", an image, a Markdown guide (a
/// page with two versions, the second showing the image) and an incident log labelled
/// AMBER+STRICT for Aarhus only; Referencegruppen (the first group, so documents 1 to 6)
/// also has a risk assessment, AMBER+STRICT for Aarhus.
pub async fn fill_library(libraries: &crate::library::Libraries) -> CoreResult<()> {
    use crate::library::{NewVersion, Upload, add_document, add_version, folders};
    let db = &libraries.db;
    let mette: crate::ids::UserId =
        sqlx::query_scalar("select id from users where email = 'it-chef@aarhus.demo'")
            .fetch_one(db)
            .await?;
    let viewer = sessions::load_viewer(db, mette).await?;
    let slugs: Vec<String> = sqlx::query_scalar(
        "select g.slug from user_groups g join group_members m on m.group_id = g.id \
         where m.user_id = $1 and m.role in ('owner', 'moderator', 'member') order by g.id",
    )
    .bind(mette)
    .fetch_all(db)
    .await?;
    let demo = |e: crate::library::AddError| CoreError::Internal(format!("demo document: {e}"));
    for slug in slugs {
        let policies =
            folders::create(libraries, &viewer, &slug, None, "Politikker", "demo").await?;
        // (file name, folder, label, bytes)
        type DemoFile = (&'static str, Option<i64>, Option<Tlp>, Vec<u8>);
        let mut files: Vec<DemoFile> = vec![
            ("NIS2-tjekliste.pdf", None, None, demo_pdf("NIS2-tjekliste")),
            (
                "Beredskabsplan.docx",
                Some(policies),
                None,
                include_bytes!("../demo/Beredskabsplan.docx").to_vec(),
            ),
            (
                "Skjold.png",
                None,
                Some(Tlp::Clear),
                include_bytes!("../demo/Skjold.png").to_vec(),
            ),
            (
                "Vejledning i phishing-oevelser.md",
                None,
                None,
                "# Phishing-øvelser\n\nSådan planlægger I en øvelse:\n\n1. Aftal rammerne med \
                 ledelsen.\n2. Informér HR og tillidsrepræsentanter.\n3. Følg op med \
                 undervisning, ikke navne.\n"
                    .as_bytes()
                    .to_vec(),
            ),
            (
                "Aarhus - hændelseslog.txt",
                None,
                // For Aarhus only, whatever the group (the default for AMBER+STRICT is
                // the author's organisation).
                Some(Tlp::AmberStrict),
                "Hændelseslog, Aarhus Kommune\n\n03.11: Phishing-bølge mod Økonomi stoppet.\n"
                    .as_bytes()
                    .to_vec(),
            ),
        ];
        if slug == "referencegruppen" {
            files.push((
                "Risikovurdering Aarhus.pdf",
                None,
                Some(Tlp::AmberStrict),
                demo_pdf("Risikovurdering Aarhus"),
            ));
        }
        let mut shield = None;
        for (name, folder_id, tlp, bytes) in files {
            let received = demo_file(libraries, &bytes).await?;
            let upload = Upload {
                folder_id,
                tlp,
                file_name: name.into(),
                ..Upload::default()
            };
            let added = add_document(libraries, &viewer, &slug, upload, received, "demo")
                .await
                .map_err(demo)?;
            let tags = match name {
                "NIS2-tjekliste.pdf" => "nis2, tjekliste",
                "Beredskabsplan.docx" => "beredskab, nis2",
                "Vejledning i phishing-oevelser.md" => "phishing, awareness",
                _ => "",
            };
            if !tags.is_empty() {
                let tagged = crate::library::DocumentEdit {
                    title: name.into(),
                    tags: tags.into(),
                    ..crate::library::DocumentEdit::default()
                };
                crate::library::edit_document(
                    libraries,
                    &viewer,
                    added.document_id,
                    tagged,
                    "demo",
                )
                .await?;
            }
            if name == "Skjold.png" {
                shield = Some(added.document_id);
            }
            if let (true, Some(shield)) = (name.ends_with(".md"), shield) {
                // A page with a history, edited in the browser: its second version adds
                // a step and the group's shield image.
                let edit = crate::library::pages::PageEdit {
                    based_on: added.version,
                    body: format!(
                        "# Phishing-øvelser\n\n![Skjold](/files/{shield})\n\nSådan planlægger \
                         I en øvelse:\n\n1. Aftal rammerne med ledelsen.\n2. Informér HR og \
                         tillidsrepræsentanter.\n3. Send øvelsen i små hold, ikke til alle \
                         på én gang.\n4. Følg op med undervisning, ikke navne.\n"
                    ),
                    change_note: "Trin om små hold og gruppens skjold tilføjet".into(),
                    ..crate::library::pages::PageEdit::default()
                };
                crate::library::pages::edit_page(
                    libraries,
                    &viewer,
                    added.document_id,
                    edit,
                    "demo",
                )
                .await
                .map_err(demo)?;
            }
            if name == "NIS2-tjekliste.pdf" {
                // One document with a history: a second, revised version.
                let received = demo_file(libraries, &demo_pdf("NIS2-tjekliste, rev. 2")).await?;
                let new = NewVersion {
                    change_note: "Opdateret efter den nye vejledning".into(),
                    file_name: name.into(),
                    ..NewVersion::default()
                };
                add_version(libraries, &viewer, added.document_id, new, received, "demo")
                    .await
                    .map_err(demo)?;
            }
        }
    }
    Ok(())
}

async fn demo_file(
    libraries: &crate::library::Libraries,
    bytes: &[u8],
) -> CoreResult<crate::library::store::Received> {
    let mut incoming = libraries.files.incoming(bytes.len() as u64).await?;
    incoming
        .write(bytes)
        .await
        .map_err(|e| CoreError::Internal(format!("demo file: {e}")))?;
    incoming.finish().await
}

#[cfg(test)]
mod tests {
    use super::WELCOME;

    #[test]
    fn the_welcome_post_uses_every_construct_the_renderer_allows() {
        let html = crate::markdown::render(WELCOME).unwrap();
        for construct in [
            "<h2>",
            "<h3>",
            "<h4>",
            "<p>",
            "<em>",
            "<strong>",
            "<del>",
            "<code>",
            "<pre><code class=\"language-text\">",
            "<ul>",
            "<ol>",
            "<ol start=\"3\">",
            "<li><label><input disabled=\"\" type=\"checkbox\" checked=\"\">",
            "<blockquote>",
            "<table>",
            "<thead>",
            "<tbody>",
            "<th>",
            "<td>",
            "<a href=\"/groups/referencegruppen\"",
            "<a href=\"mailto:sikkerhed@kl.dk\"",
            "<br>",
            "<hr>",
            // Document 3 of Referencegruppen is the demo's "Skjold.png" (`fill_library`).
            "<img src=\"/files/3\" alt=\"Skjold\">",
        ] {
            assert!(html.contains(construct), "{construct} missing from {html}");
        }
        assert!(html.contains("Diagram over beredskabet") && !html.contains("example.org"));
    }
}
