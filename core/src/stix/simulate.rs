//! A generator of realistic STIX 2.1 bundles as the national analysis centre publishes
//! them, for `vaern simulate-soc`: demos need a dashboard that looks like a working day,
//! load tests need volume, and the ingestion needs input that is valid STIX (checked with
//! the OASIS validator, `scripts/stix-validate.sh`) yet uses every TLP level.
//!
//! A bundle is built from small stories (a phishing campaign, ransomware, DDoS against
//! borger.dk services, a vulnerability in a VPN gateway), so its objects refer to each
//! other the way a real feed's do: indicators indicate a technique or malware family,
//! sightings name the municipalities that saw an indicator, incidents, notes and reports
//! refer to what they are about. Every reference resolves inside the bundle or to a TLP 2.0
//! marking definition. Indicator values come from the documentation ranges (RFC 5737
//! addresses, `.example` domains), so no real host is ever named.
//!
//! Reference objects (the centre, the municipalities, malware families and attack
//! techniques) have stable ids and fixed timestamps: they are re-sent in every bundle that
//! refers to them, and re-sending the same id and `modified` changes nothing on the server.

use crate::policy::Tlp;
use crate::stix::markings::tlp2_id;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use time::{Duration, OffsetDateTime, UtcOffset};

/// The centre's STIX identity id (fixed, so the demo can link the `soc` organisation to it).
pub const CENTRE_IDENTITY_ID: &str = "identity--162d37ee-98e1-4de7-ab96-c9d9e01f0ed4";

/// The centre's name, as the organisation list seeds it.
pub const CENTRE_NAME: &str = "Nationalt analysecenter (DCIS Sund)";

/// The Incident Core extension (OASIS cti-stix-common-objects), used for the
/// determination, investigation status and criticality of incidents.
pub const INCIDENT_CORE_EXTENSION: &str =
    "extension-definition--ef765651-680c-498d-9894-99799f2fa126";

/// The custom property carrying the centre's severity on sightings and incidents.
pub const SEVERITY_PROPERTY: &str = "x_vaern_severity";

/// The severities `x_vaern_severity` takes, least severe first.
pub const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];

/// When the reference objects were published: fixed, so that re-sending them is a no-op.
const REFERENCE_TIME: &str = "2025-01-06T08:00:00.000Z";

/// Share of content objects sent without any marking (the ingestion must handle them).
const UNMARKED_SHARE: f64 = 0.03;

/// How often an object of a story gets a TLP of its own instead of the story's.
const OWN_TLP_SHARE: f64 = 0.25;

/// TLP levels and their weights: mostly GREEN and AMBER, as in a real feed.
const TLP_WEIGHTS: [(Tlp, u32); 5] = [
    (Tlp::Clear, 8),
    (Tlp::Green, 40),
    (Tlp::Amber, 35),
    (Tlp::AmberStrict, 10),
    (Tlp::Red, 7),
];

/// A STIX timestamp in UTC with millisecond precision: `2026-11-27T10:15:30.123Z`.
pub fn stix_timestamp(at: OffsetDateTime) -> String {
    let t = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// A UUID derived from a name, the same in every run, shaped as v4 (a v5 UUID would make
/// the OASIS validator warn on domain objects).
fn stable_uuid(name: &str) -> String {
    let digest = Sha256::digest(format!("vaern-simulate:{name}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    super::uuid_v4(bytes)
}

/// The STIX identity id the simulator uses for a municipality: the same for a kommunekode
/// in every run, so repeated bundles name the same identity.
pub fn municipality_identity_id(kommunekode: &str) -> String {
    format!(
        "identity--{}",
        stable_uuid(&format!("kommunekode:{kommunekode}"))
    )
}

/// The centre's identity, the `created_by_ref` of everything the simulator sends.
pub fn centre_identity() -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": CENTRE_IDENTITY_ID,
        "created": REFERENCE_TIME,
        "modified": REFERENCE_TIME,
        "created_by_ref": CENTRE_IDENTITY_ID,
        "name": CENTRE_NAME,
        "identity_class": "organization",
        "sectors": ["government-national"],
        "description": "Det nationale analysecenter for kommunernes cybersikkerhed, der \
                        deler varsler, indikatorer og hændelser med kommunerne.",
        "contact_information": "vagt@dcis-sund.example",
        "object_marking_refs": [tlp2_id(Tlp::Clear)],
    })
}

/// A municipality's identity, carrying its kommunekode so the server can match it to the
/// organisation without relying on the name.
pub fn municipality_identity(kommunekode: &str, name: &str) -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": municipality_identity_id(kommunekode),
        "created": REFERENCE_TIME,
        "modified": REFERENCE_TIME,
        "created_by_ref": CENTRE_IDENTITY_ID,
        "name": name,
        "identity_class": "organization",
        "sectors": ["government-local"],
        "external_references": [
            {"source_name": "kommunekode", "external_id": kommunekode}
        ],
        "object_marking_refs": [tlp2_id(Tlp::Clear)],
    })
}

/// A MITRE ATT&CK technique as a stable attack pattern.
fn technique(attack_id: &str, name: &str, description: &str) -> Value {
    json!({
        "type": "attack-pattern",
        "spec_version": "2.1",
        "id": format!("attack-pattern--{}", stable_uuid(&format!("attack:{attack_id}"))),
        "created": REFERENCE_TIME,
        "modified": REFERENCE_TIME,
        "created_by_ref": CENTRE_IDENTITY_ID,
        "name": name,
        "description": description,
        "external_references": [{"source_name": "mitre-attack", "external_id": attack_id}],
        "object_marking_refs": [tlp2_id(Tlp::Clear)],
    })
}

/// A malware family as a stable malware object.
fn malware_family(name: &str, types: &[&str], description: &str) -> Value {
    json!({
        "type": "malware",
        "spec_version": "2.1",
        "id": format!("malware--{}", stable_uuid(&format!("malware:{name}"))),
        "created": REFERENCE_TIME,
        "modified": REFERENCE_TIME,
        "created_by_ref": CENTRE_IDENTITY_ID,
        "name": name,
        "description": description,
        "malware_types": types,
        "is_family": true,
        "object_marking_refs": [tlp2_id(Tlp::Clear)],
    })
}

fn id_of(object: &Value) -> String {
    object["id"].as_str().unwrap_or_default().to_string()
}

/// One bundle under construction: its objects in the order they were added (referenced
/// objects before the objects referring to them) and the ids already present.
struct Draft {
    now: OffsetDateTime,
    objects: Vec<Value>,
    present: HashSet<String>,
}

impl Draft {
    /// Adds an object unless one with its id is present; returns the id.
    fn push(&mut self, object: Value) -> String {
        let id = id_of(&object);
        if self.present.insert(id.clone()) {
            self.objects.push(object);
        }
        id
    }
}

/// A deterministic source of bundles: the same seed and municipality list give the same
/// bundles, so a demo or a failing load test can be repeated.
pub struct Generator {
    rng: StdRng,
    municipalities: Vec<(String, String)>,
}

/// What a phishing mail imitates.
struct Lure {
    brand: &'static str,
    slug: &'static str,
    subject: &'static str,
}

const LURES: [Lure; 6] = [
    Lure {
        brand: "MitID",
        slug: "mitid-login",
        subject: "Din MitID-adgang udløber i dag",
    },
    Lure {
        brand: "Microsoft 365",
        slug: "office365-kommune",
        subject: "Du har 3 ventende beskeder i Microsoft 365",
    },
    Lure {
        brand: "KMD Nexus",
        slug: "nexus-kommune-login",
        subject: "Bekræft din konto i KMD Nexus",
    },
    Lure {
        brand: "e-Boks",
        slug: "e-boks-besked",
        subject: "Vigtig besked fra e-Boks: Digital Post venter",
    },
    Lure {
        brand: "Silkeborg Data (løn)",
        slug: "loenseddel-kommune",
        subject: "Ny lønseddel er klar til godkendelse",
    },
    Lure {
        brand: "NemLog-in",
        slug: "nemlogin-support",
        subject: "Handling påkrævet: Opdatér din NemLog-in-profil",
    },
];

/// Ransomware families seen against the public sector, and their typical file names.
const RANSOMWARE: [(&str, &str); 4] = [
    ("LockBit 3.0", "LB3.exe"),
    ("Akira", "w.exe"),
    ("Black Basta", "update_svc.exe"),
    ("Play", "Coreinstaller.exe"),
];

/// Borger.dk self-service solutions a DDoS may hit.
const SERVICES: [&str; 5] = [
    "selvbetjeningsløsningen til flytning på borger.dk",
    "ansøgning om byggetilladelse via borger.dk",
    "pladsanvisningen til dagtilbud",
    "borger.dk-formularen til ansøgning om boligstøtte",
    "kommunens login til Digital Post via borger.dk",
];

/// Products in which the vulnerability story finds a flaw.
const PRODUCTS: [(&str, &str); 4] = [
    ("SSL-VPN-gatewayen", "vpn"),
    (
        "den fjernadgangsløsning, som mange kommuner bruger til hjemmearbejde",
        "remote",
    ),
    ("firewallens webadministration", "fw"),
    ("e-mailgatewayen", "mail"),
];

impl Generator {
    /// `municipalities`: (kommunekode, name) pairs, e.g. ("751", "Aarhus Kommune").
    pub fn new(seed: u64, municipalities: Vec<(String, String)>) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            municipalities,
        }
    }

    /// One bundle (`{"type":"bundle","id":"bundle--uuid","objects":[...]}`) with at
    /// least `size` objects (a story is finished even when it passes `size`, and referenced
    /// identities are included), created and modified up to three hours before `now`.
    pub fn bundle(&mut self, size: usize, now: OffsetDateTime) -> Value {
        let mut draft = Draft {
            now,
            objects: Vec::new(),
            present: HashSet::new(),
        };
        draft.push(centre_identity());
        loop {
            match self.rng.gen_range(0..100) {
                0..=34 => self.phishing(&mut draft),
                35..=59 => self.ransomware(&mut draft),
                60..=79 => self.ddos(&mut draft),
                _ => self.vulnerability(&mut draft),
            }
            if draft.objects.len() >= size {
                break;
            }
        }
        let id = format!("bundle--{}", self.uuid());
        json!({"type": "bundle", "id": id, "objects": draft.objects})
    }

    fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.rng.fill(&mut bytes);
        super::uuid_v4(bytes)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        items.choose(&mut self.rng).expect("a non-empty list")
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn draw_tlp(&mut self) -> Tlp {
        TLP_WEIGHTS
            .choose_weighted(&mut self.rng, |(_, w)| *w)
            .map(|(tlp, _)| *tlp)
            .unwrap_or(Tlp::Green)
    }

    /// The marking of one object of a story: usually the story's TLP, sometimes its own,
    /// now and then none.
    fn marking(&mut self, story: Tlp) -> Option<Tlp> {
        if self.chance(UNMARKED_SHARE) {
            None
        } else if self.chance(OWN_TLP_SHARE) {
            Some(self.draw_tlp())
        } else {
            Some(story)
        }
    }

    /// A moment up to `max_secs` before `now`.
    fn before(&mut self, now: OffsetDateTime, max_secs: i64) -> OffsetDateTime {
        now - Duration::milliseconds(self.rng.gen_range(0..=max_secs * 1000))
    }

    /// A moment between `from` and `to` (`from` when they are out of order).
    fn between(&mut self, from: OffsetDateTime, to: OffsetDateTime) -> OffsetDateTime {
        let span = (to - from).whole_milliseconds().max(0) as i64;
        from + Duration::milliseconds(self.rng.gen_range(0..=span))
    }

    fn severity(&mut self, weights: [u32; 4]) -> &'static str {
        let i = [0usize, 1, 2, 3]
            .choose_weighted(&mut self.rng, |i| weights[*i])
            .copied()
            .unwrap_or(1);
        SEVERITIES[i]
    }

    fn ipv4(&mut self) -> String {
        let net = *self.pick(&["192.0.2", "198.51.100", "203.0.113"]);
        format!("{net}.{}", self.rng.gen_range(1..=254))
    }

    fn sha256(&mut self) -> String {
        let mut bytes = [0u8; 32];
        self.rng.fill(&mut bytes);
        hex::encode(bytes)
    }

    /// A lookalike domain under the reserved `.example` top-level domain.
    fn domain(&mut self, slug: &str) -> String {
        if self.chance(0.5) {
            format!("{slug}.example")
        } else {
            format!("{slug}-{}.example", self.rng.gen_range(2..=99))
        }
    }

    /// The common properties of an object the centre creates now.
    fn common(&mut self, d: &Draft, kind: &str, marking: Option<Tlp>) -> Map<String, Value> {
        let created = self.before(d.now, 3 * 3600);
        let modified = if self.chance(0.5) {
            created
        } else {
            self.between(created, d.now)
        };
        let mut m = Map::new();
        m.insert("type".into(), kind.into());
        m.insert("spec_version".into(), "2.1".into());
        m.insert("id".into(), format!("{kind}--{}", self.uuid()).into());
        m.insert("created".into(), stix_timestamp(created).into());
        m.insert("modified".into(), stix_timestamp(modified).into());
        m.insert("created_by_ref".into(), CENTRE_IDENTITY_ID.into());
        if let Some(tlp) = marking {
            m.insert("object_marking_refs".into(), json!([tlp2_id(tlp)]));
        }
        m
    }

    /// A new object of `kind` with the common properties and `props`, added to the draft.
    fn add(&mut self, d: &mut Draft, kind: &str, story: Tlp, props: Value) -> String {
        let marking = self.marking(story);
        let mut m = self.common(d, kind, marking);
        if let Value::Object(props) = props {
            m.extend(props);
        }
        d.push(Value::Object(m))
    }

    /// `n` distinct municipalities (ids and names), their identities added to the draft;
    /// the centre itself when the list is empty.
    fn places(&mut self, d: &mut Draft, n: usize) -> Vec<(String, String)> {
        if self.municipalities.is_empty() {
            return vec![(CENTRE_IDENTITY_ID.to_string(), CENTRE_NAME.to_string())];
        }
        let chosen: Vec<(String, String)> = self
            .municipalities
            .choose_multiple(&mut self.rng, n.max(1))
            .cloned()
            .collect();
        chosen
            .into_iter()
            .map(|(code, name)| (d.push(municipality_identity(&code, &name)), name))
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn indicator(
        &mut self,
        d: &mut Draft,
        story: Tlp,
        name: String,
        description: String,
        pattern: String,
        types: &[&str],
        phase: &str,
    ) -> String {
        let valid_from = self.before(d.now, 72 * 3600);
        let mut props = json!({
            "name": name,
            "description": description,
            "indicator_types": types,
            "pattern": pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": stix_timestamp(valid_from),
            "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": phase}],
        });
        if self.chance(0.6) {
            let days = self.rng.gen_range(14..=90);
            props["valid_until"] = stix_timestamp(valid_from + Duration::days(days)).into();
        }
        if self.chance(0.5) {
            props["confidence"] = self.rng.gen_range(50..=95).into();
        }
        self.add(d, "indicator", story, props)
    }

    /// A sighting of `indicator` at one to three municipalities; returns its id and the
    /// places' names.
    fn sighting(
        &mut self,
        d: &mut Draft,
        story: Tlp,
        indicator: &str,
        weights: [u32; 4],
        describe: impl FnOnce(&str, u32) -> String,
    ) -> (String, Vec<(String, String)>) {
        let n = *self.pick(&[1, 1, 1, 2, 2, 3]);
        let places = self.places(d, n);
        let names: Vec<&str> = places.iter().map(|(_, name)| name.as_str()).collect();
        let count: u32 = self.rng.gen_range(1..=400);
        let first_seen = self.before(d.now, 48 * 3600);
        let last_seen = self.between(first_seen, d.now);
        let severity = self.severity(weights);
        let ids: Vec<&str> = places.iter().map(|(id, _)| id.as_str()).collect();
        let props = json!({
            "sighting_of_ref": indicator,
            "where_sighted_refs": ids,
            "count": count,
            "first_seen": stix_timestamp(first_seen),
            "last_seen": stix_timestamp(last_seen),
            "description": describe(&join_danish(&names), count),
            SEVERITY_PROPERTY: severity,
        });
        let id = self.add(d, "sighting", story, props);
        (id, places)
    }

    fn relationship(
        &mut self,
        d: &mut Draft,
        story: Tlp,
        kind: &str,
        source: &str,
        target: &str,
        description: Option<String>,
    ) -> String {
        let mut props = json!({
            "relationship_type": kind,
            "source_ref": source,
            "target_ref": target,
        });
        if let Some(description) = description {
            props["description"] = description.into();
        }
        self.add(d, "relationship", story, props)
    }

    /// An incident, with the Incident Core extension half of the time.
    #[allow(clippy::too_many_arguments)]
    fn incident(
        &mut self,
        d: &mut Draft,
        story: Tlp,
        name: String,
        description: String,
        severity: &str,
        determination: &str,
        recoverability: &str,
    ) -> String {
        let mut props = json!({
            "name": name,
            "description": description,
            SEVERITY_PROPERTY: severity,
        });
        if self.chance(0.5) {
            let status = *self.pick(&["new", "open", "open", "closed"]);
            let base = match severity {
                "critical" => 85,
                "high" => 65,
                "medium" => 40,
                _ => 15,
            };
            let criticality = base + self.rng.gen_range(0..=14);
            props["extensions"] = json!({
                INCIDENT_CORE_EXTENSION: {
                    "extension_type": "property-extension",
                    "determination": determination,
                    "investigation_status": status,
                    "criticality": criticality,
                    "recoverability": recoverability,
                }
            });
        }
        self.add(d, "incident", story, props)
    }

    fn note(
        &mut self,
        d: &mut Draft,
        story: Tlp,
        abstract_: &str,
        content: String,
        refs: &[String],
    ) {
        let author = *self.pick(&[
            "Vagthavende analytiker, DCIS Sund",
            "Hændelsesteamet, DCIS Sund",
            "Sårbarhedsteamet, DCIS Sund",
        ]);
        let props = json!({
            "abstract": abstract_,
            "content": content,
            "authors": [author],
            "object_refs": refs,
        });
        self.add(d, "note", story, props);
    }

    fn report(
        &mut self,
        d: &mut Draft,
        story: Tlp,
        name: String,
        description: String,
        types: &[&str],
        refs: &[String],
    ) {
        let marking = self.marking(story);
        let mut m = self.common(d, "report", marking);
        let published = m["modified"].clone();
        m.extend(
            json!({
                "name": name,
                "description": description,
                "report_types": types,
                "published": published,
                "object_refs": refs,
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        );
        d.push(Value::Object(m));
    }

    /// Credential phishing against municipal staff, imitating a service they use daily.
    fn phishing(&mut self, d: &mut Draft) {
        let story = self.draw_tlp();
        let lure = self.pick(&LURES);
        let technique = d.push(technique(
            "T1566.002",
            "Phishing: Spearphishing Link",
            "Mails med links til falske loginsider, der høster brugernavne, adgangskoder og \
             engangskoder.",
        ));
        let domain = self.domain(lure.slug);
        let path = *self.pick(&["login", "auth/verify", "signin/oauth2", "sikker/log-ind"]);
        let url = format!("https://{domain}/{path}");
        let sender = format!(
            "{}@{}",
            self.pick(&["it-support", "servicedesk", "no-reply", "sikkerhed"]),
            self.domain(&format!("{}-mail", lure.slug))
        );
        let mut story_ids = vec![technique.clone()];
        let mut indicators = Vec::new();

        let pattern = if self.chance(0.5) {
            format!("[domain-name:value = '{domain}']")
        } else {
            format!("[domain-name:value = '{domain}'] OR [url:value = '{url}']")
        };
        indicators.push(self.indicator(
            d,
            story,
            format!("Phishing-domæne der efterligner {}", lure.brand),
            format!(
                "Domænet {domain} bruges i en phishing-kampagne mod kommunale medarbejdere. \
                 Mails med emnet »{}« leder til en falsk {}-loginside, der høster brugernavn, \
                 adgangskode og engangskoder. Bloker domænet i proxy og DNS.",
                lure.subject, lure.brand
            ),
            pattern,
            &["malicious-activity"],
            "initial-access",
        ));
        if self.chance(0.6) {
            indicators.push(self.indicator(
                d,
                story,
                format!("Afsender og emne i phishing-mail om {}", lure.brand),
                format!(
                    "Mails fra {sender} med emnet »{}«. Søg efter dem i mailgatewayens log, \
                     og fjern dem fra postkasserne.",
                    lure.subject
                ),
                format!(
                    "[email-message:from_ref.value = '{sender}' AND email-message:subject = '{}']",
                    lure.subject
                ),
                &["malicious-activity"],
                "initial-access",
            ));
        }
        if self.chance(0.5) {
            let ip = self.ipv4();
            indicators.push(self.indicator(
                d,
                story,
                format!("IP-adresse der hoster falsk {}-login", lure.brand),
                format!(
                    "{ip} hoster loginsiden på {domain}. Adressen tilhører en VPS-udbyder og \
                     har tidligere været brugt til phishing."
                ),
                format!("[ipv4-addr:value = '{ip}']"),
                &["malicious-activity"],
                "initial-access",
            ));
        }
        for indicator in &indicators {
            self.relationship(d, story, "indicates", indicator, &technique, None);
            story_ids.push(indicator.clone());
        }

        let mut victims = Vec::new();
        for indicator in &indicators {
            if !self.chance(0.7) {
                continue;
            }
            let (sighting, places) =
                self.sighting(d, story, indicator, [3, 5, 2, 0], |names, count| {
                    format!(
                        "{names} har modtaget {count} mails med links til {domain}; \
                         klik er registreret i proxyloggen."
                    )
                });
            story_ids.push(sighting);
            victims.extend(places);
        }
        if let Some((victim, name)) = victims.first().cloned() {
            if self.chance(0.4) {
                let r = self.relationship(d, story, "targets", &technique, &victim, None);
                story_ids.push(r);
            }
            if self.chance(0.35) {
                let severity = self.severity([0, 4, 4, 1]);
                let incident = self.incident(
                    d,
                    story,
                    format!("Kompromitteret medarbejderkonto i {name}"),
                    format!(
                        "En medarbejder har indtastet sine loginoplysninger på den falske \
                         {}-side. Kontoen er spærret, aktive sessioner er tilbagekaldt, og \
                         postkassen undersøges for videresendelsesregler.",
                        lure.brand
                    ),
                    severity,
                    "confirmed",
                    "regular",
                );
                self.relationship(d, story, "related-to", &incident, &victim, None);
                self.relationship(d, story, "related-to", &incident, &indicators[0], None);
                story_ids.push(incident.clone());
                if self.chance(0.5) {
                    self.note(
                        d,
                        story,
                        "Status på kontoen",
                        "Adgangskode og MFA-metoder er nulstillet. Ingen tegn på \
                         videresendelse af mail; loginforsøg fra udlandet blev blokeret af \
                         betinget adgang."
                            .into(),
                        &[incident],
                    );
                }
            }
        }
        if self.chance(0.5) {
            self.report(
                d,
                story,
                format!("Varsel: phishing-kampagne der efterligner {}", lure.brand),
                format!(
                    "Analysecentret ser en igangværende kampagne mod kommunale medarbejdere \
                     med mails om »{}«. Bloker de vedlagte indikatorer, og mind medarbejderne \
                     om aldrig at logge ind via links i mails.",
                    lure.subject
                ),
                &["threat-report", "indicator"],
                &story_ids,
            );
        }
    }

    /// Ransomware: a loader's file hashes, its command-and-control server, sightings and
    /// often an incident.
    fn ransomware(&mut self, d: &mut Draft) {
        let story = self.draw_tlp();
        let (family, file_name) = *self.pick(&RANSOMWARE);
        let malware = d.push(malware_family(
            family,
            &["ransomware"],
            "Ransomware-familie drevet som ransomware-as-a-service; krypterer filservere og \
             virtualiseringsværter og truer med at lække stjålne data.",
        ));
        let mut story_ids = vec![malware.clone()];
        let mut indicators = Vec::new();

        let hash = self.sha256();
        let pattern = if self.chance(0.5) {
            format!("[file:hashes.'SHA-256' = '{hash}']")
        } else {
            format!("[file:hashes.'SHA-256' = '{hash}' AND file:name = '{file_name}']")
        };
        indicators.push(self.indicator(
            d,
            story,
            format!("{family}: krypteringsprogram ({file_name})"),
            format!(
                "SHA-256 for {family}-krypteringsprogrammet, fundet på en filserver. Filen \
                 lægges typisk i C:\\ProgramData og startes via en planlagt opgave."
            ),
            pattern,
            &["malicious-activity"],
            "impact",
        ));
        let c2 = self.ipv4();
        let slug = *self.pick(&["cdn-update", "sync-backup", "telemetry-svc"]);
        let c2_domain = self.domain(slug);
        let pattern = if self.chance(0.5) {
            format!("[ipv4-addr:value = '{c2}']")
        } else {
            format!("[ipv4-addr:value = '{c2}'] OR [domain-name:value = '{c2_domain}']")
        };
        indicators.push(self.indicator(
            d,
            story,
            format!("{family}: command-and-control"),
            format!(
                "Kommunikation med {c2} ({c2_domain}) over HTTPS fra kompromitterede værter \
                 før krypteringen. Bloker i firewall, og gennemgå forbindelser de seneste 30 \
                 dage."
            ),
            pattern,
            &["malicious-activity", "compromised"],
            "command-and-control",
        ));
        if self.chance(0.4) {
            let exfil = self.ipv4();
            indicators.push(self.indicator(
                d,
                story,
                format!("{family}: dataudtræk via rclone"),
                format!(
                    "Store uploads til {exfil} på port 443 med rclone før kryptering; tegn på \
                     dobbelt afpresning."
                ),
                format!(
                    "[network-traffic:dst_ref.type = 'ipv4-addr' AND \
                     network-traffic:dst_ref.value = '{exfil}' AND network-traffic:dst_port = 443]"
                ),
                &["malicious-activity"],
                "exfiltration",
            ));
        }
        for indicator in &indicators {
            self.relationship(d, story, "indicates", indicator, &malware, None);
            story_ids.push(indicator.clone());
        }

        let mut victims = Vec::new();
        for indicator in &indicators {
            if !self.chance(0.6) {
                continue;
            }
            let (sighting, places) =
                self.sighting(d, story, indicator, [0, 1, 4, 3], |names, count| {
                    format!(
                        "Set hos {names}: {count} hændelser i EDR-loggen, der matcher \
                         indikatoren."
                    )
                });
            story_ids.push(sighting);
            victims.extend(places);
        }
        if let Some((victim, name)) = victims.first().cloned() {
            let r = self.relationship(
                d,
                story,
                "targets",
                &malware,
                &victim,
                Some(format!("{family} er set i {name}s netværk.")),
            );
            story_ids.push(r);
            if self.chance(0.6) {
                let severity = self.severity([0, 0, 3, 4]);
                let determination = *self.pick(&["confirmed", "confirmed", "suspected"]);
                let recoverability = *self.pick(&["supplemented", "extended"]);
                let incident = self.incident(
                    d,
                    story,
                    format!("Ransomware ({family}) i {name}"),
                    format!(
                        "{family} har krypteret dele af {name}s filservere. Berørte systemer \
                         er isoleret fra netværket, og genetablering fra offline backup er i \
                         gang. Borgerrettede selvbetjeningsløsninger kan være påvirket."
                    ),
                    severity,
                    determination,
                    recoverability,
                );
                self.relationship(d, story, "related-to", &incident, &victim, None);
                self.relationship(d, story, "related-to", &incident, &malware, None);
                story_ids.push(incident.clone());
                if self.chance(0.6) {
                    self.note(
                        d,
                        story,
                        "Anbefalede tiltag",
                        "Isolér berørte værter, nulstil adgangskoder for privilegerede konti, \
                         og kontrollér, at backup er intakt og offline. Overvej anmeldelse \
                         til politiet og underretning efter NIS2 inden for 24 timer."
                            .into(),
                        &[incident],
                    );
                }
            }
        }
        if self.chance(0.6) {
            self.report(
                d,
                story,
                format!("Trusselsvurdering: {family} mod kommuner"),
                format!(
                    "{family} er aktiv mod den offentlige sektor. Rapporten samler \
                     indikatorer og observationer fra kommunerne og anbefaler at blokere \
                     indikatorerne og gennemgå fjernadgang uden MFA."
                ),
                &["threat-report", "malware"],
                &story_ids,
            );
        }
    }

    /// DDoS against borger.dk self-service from a botnet.
    fn ddos(&mut self, d: &mut Draft) {
        let story = self.draw_tlp();
        let service = *self.pick(&SERVICES);
        let technique = d.push(technique(
            "T1498",
            "Network Denial of Service",
            "Overbelastningsangreb, der gør tjenester utilgængelige for borgerne.",
        ));
        let mut story_ids = vec![technique.clone()];
        let n = self.rng.gen_range(2..=4);
        let ips: Vec<String> = (0..n).map(|_| self.ipv4()).collect();
        let pattern = ips
            .iter()
            .map(|ip| format!("[ipv4-addr:value = '{ip}']"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let botnet = self.indicator(
            d,
            story,
            "Kilder i DDoS-angreb mod borger.dk-tjenester".into(),
            format!(
                "Adresser fra et botnet af kompromitterede routere, der sender HTTP-flood mod \
                 {service}. Angrebet tilskrives pro-russiske hacktivister."
            ),
            pattern,
            &["malicious-activity"],
            "impact",
        );
        self.relationship(d, story, "indicates", &botnet, &technique, None);
        story_ids.push(botnet.clone());
        let mut indicators = vec![botnet];
        if self.chance(0.4) {
            let exit = self.ipv4();
            let anonymiser = self.indicator(
                d,
                story,
                "Tor-exitnode brugt til rekognoscering".into(),
                format!(
                    "Forespørgsler fra Tor-exitnoden {exit} kortlagde tjenestens endpoints \
                     timerne før angrebet."
                ),
                format!("[ipv4-addr:value = '{exit}']"),
                &["anonymization"],
                "reconnaissance",
            );
            self.relationship(d, story, "indicates", &anonymiser, &technique, None);
            story_ids.push(anonymiser.clone());
            indicators.push(anonymiser);
        }
        let mut victims = Vec::new();
        for indicator in &indicators {
            let (sighting, places) =
                self.sighting(d, story, indicator, [1, 4, 3, 1], |names, count| {
                    format!(
                        "{names} registrerede trafik fra kilderne mod {service}; {count} \
                         blokeringer i WAF'en."
                    )
                });
            story_ids.push(sighting);
            victims.extend(places);
        }
        if let Some((victim, name)) = victims.first().cloned() {
            if self.chance(0.4) {
                let severity = self.severity([0, 3, 4, 1]);
                let minutes = self.rng.gen_range(15..=180);
                let determination = *self.pick(&["confirmed", "blocked"]);
                let incident = self.incident(
                    d,
                    story,
                    format!("Overbelastningsangreb mod {name}"),
                    format!(
                        "{service} var utilgængelig i {minutes} minutter. Trafikken er flyttet \
                         bag DDoS-beskyttelse hos hostingleverandøren."
                    ),
                    severity,
                    determination,
                    "regular",
                );
                self.relationship(d, story, "related-to", &incident, &victim, None);
                story_ids.push(incident.clone());
                if self.chance(0.4) {
                    self.note(
                        d,
                        story,
                        "Driftsstatus",
                        "Tjenesten svarer normalt igen. Geo-blokering er slået fra, og \
                         rate-limiting på loginendpointet er bevaret."
                            .into(),
                        &[incident],
                    );
                }
            }
            if self.chance(0.3) {
                let r = self.relationship(d, story, "targets", &technique, &victim, None);
                story_ids.push(r);
            }
        }
        if self.chance(0.4) {
            self.report(
                d,
                story,
                "Varsel: DDoS-bølge mod kommunale selvbetjeningsløsninger".into(),
                format!(
                    "Pro-russiske hacktivister har annonceret angreb på danske kommuner. \
                     {service} er blandt målene. Sørg for DDoS-beskyttelse hos \
                     leverandøren, og hav en plan for kommunikation til borgerne."
                ),
                &["threat-report", "attack-pattern"],
                &story_ids,
            );
        }
    }

    /// A vulnerability in an edge device being exploited.
    fn vulnerability(&mut self, d: &mut Draft) {
        let story = self.draw_tlp();
        let (product, host) = *self.pick(&PRODUCTS);
        let cve = format!("CVE-2025-{}", self.rng.gen_range(20000..=59999));
        let score = self.rng.gen_range(70..=100) as f64 / 10.0;
        let vulnerability = self.add(
            d,
            "vulnerability",
            story,
            json!({
                "name": cve,
                "description": format!(
                    "Fjernudførelse af kode uden godkendelse i {product}, CVSS {score:.1}. \
                     Sårbarheden udnyttes aktivt; leverandøren har udsendt en rettelse."
                ),
                "external_references": [{"source_name": "cve", "external_id": cve}],
            }),
        );
        let technique = d.push(technique(
            "T1190",
            "Exploit Public-Facing Application",
            "Udnyttelse af sårbarheder i systemer, der er tilgængelige fra internettet.",
        ));
        let r = self.relationship(d, story, "targets", &technique, &vulnerability, None);
        let mut story_ids = vec![vulnerability.clone(), technique.clone(), r];

        let scanner = self.ipv4();
        let pattern = if self.chance(0.5) {
            format!("[ipv4-addr:value = '{scanner}']")
        } else {
            let path = *self.pick(&[
                "remote/logincheck",
                "dana-na/auth/url_default/welcome.cgi",
                "api/v1/configuration/users",
                "owa/auth/x.js",
            ]);
            let domain = format!("{host}.kommune.example");
            format!("[ipv4-addr:value = '{scanner}'] OR [url:value = 'https://{domain}/{path}']")
        };
        let exploit = self.indicator(
            d,
            story,
            format!("Udnyttelsesforsøg mod {cve}"),
            format!(
                "Forespørgsler fra {scanner}, der matcher den offentliggjorte udnyttelse af \
                 {cve} i {product}."
            ),
            pattern,
            &["malicious-activity"],
            "initial-access",
        );
        self.relationship(d, story, "indicates", &exploit, &technique, None);
        story_ids.push(exploit.clone());
        if self.chance(0.6) {
            let (sighting, places) =
                self.sighting(d, story, &exploit, [0, 2, 4, 2], |names, count| {
                    format!(
                        "{count} udnyttelsesforsøg mod {product} hos {names}; ingen tegn på \
                         vellykket kompromittering indtil videre."
                    )
                });
            story_ids.push(sighting);
            if let Some((victim, name)) = places.first().cloned()
                && self.chance(0.25)
            {
                let severity = self.severity([0, 1, 3, 2]);
                let incident = self.incident(
                    d,
                    story,
                    format!("Mulig kompromittering via {cve} i {name}"),
                    format!(
                        "Logfiler fra {product} viser en vellykket udnyttelse af {cve}. \
                         Enheden er taget ud af drift, og konfigurationen undersøges for \
                         bagdøre og nye administratorkonti."
                    ),
                    severity,
                    "suspected",
                    "supplemented",
                );
                self.relationship(d, story, "related-to", &incident, &victim, None);
                self.relationship(d, story, "related-to", &incident, &vulnerability, None);
                story_ids.push(incident);
            }
        }
        if self.chance(0.5) {
            self.note(
                d,
                story,
                "Rettelse og midlertidige tiltag",
                format!(
                    "Installér leverandørens rettelse for {cve} hurtigst muligt. Indtil da: \
                     begræns adgangen til administrationsgrænsefladen til kendte adresser, og \
                     gennemgå logfiler fra de seneste 14 dage."
                ),
                std::slice::from_ref(&vulnerability),
            );
        }
        if self.chance(0.6) {
            self.report(
                d,
                story,
                format!("Sårbarhed i {product} ({cve})"),
                format!(
                    "{cve} i {product} udnyttes aktivt mod danske myndigheder. Alle kommuner \
                     bør kontrollere, om de bruger produktet, og opdatere straks."
                ),
                &["vulnerability"],
                &story_ids,
            );
        }
    }
}

/// "A", "A og B", "A, B og C".
fn join_danish(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} og {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stix::markings::KNOWN;
    use std::collections::HashMap;

    fn generator(seed: u64) -> Generator {
        Generator::new(
            seed,
            crate::orgs::municipality_codes_and_names().expect("the municipality list"),
        )
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap()
    }

    fn objects(bundle: &Value) -> &Vec<Value> {
        bundle["objects"].as_array().expect("objects")
    }

    fn is_uuid_v4(s: &str) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && s.chars()
                .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
            && parts[2].starts_with('4')
            && matches!(parts[3].chars().next(), Some('8' | '9' | 'a' | 'b'))
    }

    /// Every value under a key ending in `_ref` or `_refs`, at any depth.
    fn references(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    if key.ends_with("_ref") {
                        out.extend(v.as_str().map(String::from));
                    } else if key.ends_with("_refs") {
                        for r in v.as_array().into_iter().flatten() {
                            out.extend(r.as_str().map(String::from));
                        }
                    } else {
                        references(v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_bundles() {
        let (mut a, mut b) = (generator(7), generator(7));
        for _ in 0..3 {
            assert_eq!(a.bundle(40, now()), b.bundle(40, now()));
        }
        assert_ne!(
            generator(8).bundle(40, now()),
            generator(7).bundle(40, now())
        );
    }

    #[test]
    fn a_bundle_has_at_least_the_requested_number_of_objects() {
        let mut g = generator(1);
        for size in [1, 5, 20, 100, 500] {
            let bundle = g.bundle(size, now());
            assert_eq!(bundle["type"], "bundle");
            assert!(objects(&bundle).len() >= size);
            assert!(objects(&bundle).len() <= size + 40, "about {size} objects");
        }
    }

    #[test]
    fn every_id_is_a_type_and_a_lowercase_uuid_v4_and_unique_in_its_bundle() {
        let mut g = generator(2);
        for _ in 0..10 {
            let bundle = g.bundle(100, now());
            let (kind, uuid) = bundle["id"].as_str().unwrap().split_once("--").unwrap();
            assert_eq!(kind, "bundle");
            assert!(is_uuid_v4(uuid), "{uuid}");
            let mut seen = HashSet::new();
            for object in objects(&bundle) {
                let id = object["id"].as_str().expect("an id");
                let (kind, uuid) = id.split_once("--").expect("type--uuid");
                assert_eq!(kind, object["type"].as_str().unwrap());
                assert!(is_uuid_v4(uuid), "{id}");
                assert!(seen.insert(id.to_string()), "{id} twice");
                assert_eq!(object["spec_version"], "2.1");
                assert_eq!(object["created_by_ref"], CENTRE_IDENTITY_ID);
            }
        }
    }

    #[test]
    fn every_reference_resolves_inside_the_bundle_or_to_a_tlp_marking() {
        let mut g = generator(3);
        for _ in 0..20 {
            let bundle = g.bundle(100, now());
            let ids: HashSet<&str> = objects(&bundle)
                .iter()
                .map(|o| o["id"].as_str().unwrap())
                .collect();
            let mut refs = Vec::new();
            references(&bundle, &mut refs);
            assert!(!refs.is_empty());
            for r in refs {
                assert!(
                    ids.contains(r.as_str()) || KNOWN.iter().any(|(id, _)| *id == r),
                    "dangling {r}"
                );
            }
        }
    }

    #[test]
    fn every_tlp_level_appears_and_a_few_objects_are_unmarked() {
        let mut g = generator(4);
        let mut counts: HashMap<Option<Tlp>, usize> = HashMap::new();
        let mut total = 0;
        for _ in 0..20 {
            for object in objects(&g.bundle(100, now())) {
                let marks = object["object_marking_refs"].as_array();
                let tlp = marks.map(|m| {
                    assert_eq!(m.len(), 1);
                    crate::stix::markings::tlp_of(m[0].as_str().unwrap()).expect("TLP 2.0")
                });
                *counts.entry(tlp).or_default() += 1;
                total += 1;
            }
        }
        for tlp in Tlp::ALL {
            assert!(counts.get(&Some(tlp)).copied().unwrap_or(0) > 0, "{tlp:?}");
        }
        let unmarked = counts.get(&None).copied().unwrap_or(0);
        assert!(
            unmarked > 0 && unmarked * 100 < total * 6,
            "{unmarked}/{total}"
        );
        let green_amber = counts[&Some(Tlp::Green)] + counts[&Some(Tlp::Amber)];
        assert!(green_amber * 2 > total, "mostly GREEN and AMBER");
    }

    #[test]
    fn timestamps_have_milliseconds_and_never_run_backwards() {
        let mut g = generator(5);
        let stamp = |v: &Value| {
            let s = v.as_str().expect("a timestamp").to_string();
            assert_eq!(s.len(), 24, "{s}");
            assert!(s.ends_with('Z') && s.as_bytes()[19] == b'.', "{s}");
            s
        };
        let latest = stix_timestamp(now());
        for object in objects(&g.bundle(300, now())) {
            let (created, modified) = (stamp(&object["created"]), stamp(&object["modified"]));
            assert!(created <= modified && modified <= latest);
            if object["type"] == "sighting" {
                assert!(stamp(&object["first_seen"]) <= stamp(&object["last_seen"]));
            }
            if let Some(until) = object.get("valid_until") {
                assert!(stamp(&object["valid_from"]) < stamp(until));
            }
        }
    }

    #[test]
    fn sightings_and_incidents_carry_a_severity_and_sightings_name_municipalities() {
        let mut g = generator(6);
        let bundle = g.bundle(300, now());
        let by_id: HashMap<&str, &Value> = objects(&bundle)
            .iter()
            .map(|o| (o["id"].as_str().unwrap(), o))
            .collect();
        let mut sightings = 0;
        for object in objects(&bundle) {
            let kind = object["type"].as_str().unwrap();
            if kind == "sighting" || kind == "incident" {
                let severity = object[SEVERITY_PROPERTY].as_str().expect("a severity");
                assert!(SEVERITIES.contains(&severity));
            }
            if kind == "sighting" {
                sightings += 1;
                assert_eq!(
                    by_id[object["sighting_of_ref"].as_str().unwrap()]["type"],
                    "indicator"
                );
                let places = object["where_sighted_refs"].as_array().unwrap();
                assert!((1..=3).contains(&places.len()));
                for place in places {
                    let identity = by_id[place.as_str().unwrap()];
                    assert_eq!(
                        identity["external_references"][0]["source_name"],
                        "kommunekode"
                    );
                }
            }
        }
        assert!(sightings > 0);
    }

    #[test]
    fn municipality_identities_are_stable_and_carry_the_kommunekode() {
        let aarhus = municipality_identity("751", "Aarhus Kommune");
        assert_eq!(aarhus, municipality_identity("751", "Aarhus Kommune"));
        assert_eq!(aarhus["id"], municipality_identity_id("751"));
        assert_ne!(
            municipality_identity_id("751"),
            municipality_identity_id("101")
        );
        assert_eq!(aarhus["external_references"][0]["external_id"], "751");
        assert_eq!(aarhus["identity_class"], "organization");
        assert!(is_uuid_v4(
            CENTRE_IDENTITY_ID.trim_start_matches("identity--")
        ));
    }

    #[test]
    fn an_empty_municipality_list_still_gives_a_complete_bundle() {
        let bundle = Generator::new(9, Vec::new()).bundle(30, now());
        assert!(objects(&bundle).len() >= 30);
    }

    #[test]
    fn stix_timestamps_are_utc_with_milliseconds() {
        let at = OffsetDateTime::from_unix_timestamp(0).unwrap() + Duration::milliseconds(1_234);
        assert_eq!(stix_timestamp(at), "1970-01-01T00:00:01.234Z");
        assert_eq!(join_danish(&["A", "B", "C"]), "A, B og C");
    }
}
