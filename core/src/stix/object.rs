//! Validation of one STIX 2.1 object and what the platform reads from it. The mapped
//! types (report, sighting, indicator, incident, vulnerability, note) and identity,
//! relationship, marking-definition and opinion are checked in full (required
//! properties, id syntax, timestamps, `spec_version`); other types only for the common
//! properties, and are kept as they came.
//!
//! Everything here looks at one object alone; whether its references resolve, whether
//! its version clashes with a stored one, is the ingest's job.

use super::pattern;
use serde_json::{Map, Value};

/// What the platform makes of an object (`stix_objects.kind`); serialised as
/// [`Kind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `report`: an advisory (varsel) to the municipalities.
    Advisory,
    /// `sighting`: an alert for each organisation it was sighted at.
    Sighting,
    Indicator,
    Incident,
    /// `vulnerability`: a CVE reference.
    Vulnerability,
    /// `note`: a comment on its targets.
    Note,
    Relationship,
    Identity,
    MarkingDefinition,
    Opinion,
    /// Any type the platform does not map; kept as it came, for analysts.
    Other,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Self::Advisory,
        Self::Sighting,
        Self::Indicator,
        Self::Incident,
        Self::Vulnerability,
        Self::Note,
        Self::Relationship,
        Self::Identity,
        Self::MarkingDefinition,
        Self::Opinion,
        Self::Other,
    ];

    pub fn of_type(stix_type: &str) -> Self {
        match stix_type {
            "report" => Self::Advisory,
            "sighting" => Self::Sighting,
            "indicator" => Self::Indicator,
            "incident" => Self::Incident,
            "vulnerability" => Self::Vulnerability,
            "note" => Self::Note,
            "relationship" => Self::Relationship,
            "identity" => Self::Identity,
            "marking-definition" => Self::MarkingDefinition,
            "opinion" => Self::Opinion,
            _ => Self::Other,
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Advisory => "advisory",
            Self::Sighting => "sighting",
            Self::Indicator => "indicator",
            Self::Incident => "incident",
            Self::Vulnerability => "vulnerability",
            Self::Note => "note",
            Self::Relationship => "relationship",
            Self::Identity => "identity",
            Self::MarkingDefinition => "marking_definition",
            Self::Opinion => "opinion",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How the access policy treats objects of this kind (DESIGN §2).
    pub fn class(self) -> crate::policy::StixClass {
        use crate::policy::StixClass;
        match self {
            Self::Advisory | Self::Sighting | Self::Incident => StixClass::Item,
            Self::Indicator | Self::Vulnerability | Self::Note | Self::Relationship => {
                StixClass::Dependent
            }
            Self::Identity | Self::MarkingDefinition | Self::Opinion | Self::Other => {
                StixClass::AnalystsOnly
            }
        }
    }

    /// Whether the severity means something for this kind.
    fn has_severity(self) -> bool {
        matches!(
            self,
            Self::Advisory | Self::Sighting | Self::Incident | Self::Indicator
        )
    }
}

/// How urgent an item is: `x_vaern_severity`, else labels/confidence, else medium.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The documented custom property that carries an item's severity.
pub const SEVERITY_PROPERTY: &str = "x_vaern_severity";

/// A valid object and what the platform reads from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub id: String,
    pub stix_type: String,
    pub kind: Kind,
    /// `modified`, else `created`, in microseconds; `None` means "its date_added".
    pub version_us: Option<i64>,
    /// Every reference: (property, id). Marking references included.
    pub refs: Vec<(String, String)>,
    /// `object_marking_refs` and the `marking_ref` of each granular marking.
    pub marking_refs: Vec<String>,
    /// Identities the object itself names as its targets.
    pub target_identities: Vec<String>,
    pub created_by_ref: Option<String>,
    pub name: String,
    pub severity: Option<Severity>,
    /// For identities: the `kommunekode` external reference, if any.
    pub kommunekode: Option<String>,
    /// For marking definitions: whether it claims to be a TLP marking.
    pub claims_tlp: bool,
    /// The object as received.
    pub content: Value,
}

/// Why one object was refused: the properties at fault, each with a reason.
pub type Problems = Vec<String>;

/// Checks one object; `Err` lists every problem found.
pub fn check(value: Value) -> Result<Checked, Problems> {
    let Value::Object(map) = value else {
        return Err(vec!["an object must be a JSON object".into()]);
    };
    let mut p = Problems::new();
    let stix_type = match map.get("type") {
        Some(Value::String(t)) if is_type_name(t) => t.clone(),
        Some(_) => {
            p.push("type: must be 3–250 lowercase letters, digits and hyphens".into());
            String::new()
        }
        None => {
            p.push("type: required".into());
            String::new()
        }
    };
    let id = match map.get("id") {
        Some(Value::String(id)) if is_identifier(id) => {
            if !stix_type.is_empty() && !id.starts_with(&format!("{stix_type}--")) {
                p.push(format!("id: must start with \"{stix_type}--\""));
            }
            id.clone()
        }
        Some(_) => {
            p.push("id: must be <type>--<UUID>".into());
            String::new()
        }
        None => {
            p.push("id: required".into());
            String::new()
        }
    };
    let kind = Kind::of_type(&stix_type);
    let full = kind != Kind::Other;
    let is_marking = kind == Kind::MarkingDefinition;

    match map.get("spec_version") {
        Some(Value::String(v)) if v == "2.1" => {}
        Some(_) => p.push("spec_version: must be \"2.1\"".into()),
        None if full => p.push("spec_version: required".into()),
        None => {}
    }
    let created = timestamp(&map, "created", full, &mut p);
    let modified = if is_marking {
        if map.contains_key("modified") {
            p.push("modified: marking definitions are never versioned".into());
        }
        None
    } else {
        timestamp(&map, "modified", full, &mut p)
    };
    if let (Some(c), Some(m)) = (created, modified)
        && m < c
    {
        p.push("modified: must not be earlier than created".into());
    }

    let mut refs = Vec::new();
    collect_refs(&map, &mut refs, &mut p);
    let created_by_ref = match map.get("created_by_ref") {
        Some(Value::String(r)) if r.starts_with("identity--") => Some(r.clone()),
        Some(Value::String(_)) => {
            p.push("created_by_ref: must refer to an identity".into());
            None
        }
        _ => None,
    };
    let marking_refs = marking_refs(&map, &mut p);
    refs.extend(
        marking_refs
            .iter()
            .map(|r| ("marking".to_string(), r.clone())),
    );
    check_common_lists(&map, &mut p);

    let mut target_identities = Vec::new();
    let mut kommunekode = None;
    let mut claims_tlp = false;
    match kind {
        Kind::Advisory => {
            required_text(&map, "name", &mut p);
            timestamp(&map, "published", true, &mut p);
            let object_refs = id_list(&map, "object_refs", true, &mut p);
            target_identities.extend(
                object_refs
                    .into_iter()
                    .filter(|r| r.starts_with("identity--") && Some(r) != created_by_ref.as_ref()),
            );
        }
        Kind::Sighting => {
            match map.get("sighting_of_ref") {
                Some(Value::String(r)) if is_identifier(r) => {}
                _ => p.push("sighting_of_ref: required, an id".into()),
            }
            let sighted = id_list(&map, "where_sighted_refs", false, &mut p);
            for r in &sighted {
                if !r.starts_with("identity--") && !r.starts_with("location--") {
                    p.push(format!(
                        "where_sighted_refs: {r} must be an identity or a location"
                    ));
                }
            }
            target_identities.extend(sighted.into_iter().filter(|r| r.starts_with("identity--")));
            let first = timestamp(&map, "first_seen", false, &mut p);
            let last = timestamp(&map, "last_seen", false, &mut p);
            if let (Some(f), Some(l)) = (first, last)
                && l < f
            {
                p.push("last_seen: must not be earlier than first_seen".into());
            }
            if let Some(count) = map.get("count")
                && count.as_u64().is_none_or(|c| c > 999_999_999)
            {
                p.push("count: must be an integer from 0 to 999999999".into());
            }
        }
        Kind::Indicator => {
            let pattern_type = required_text(&map, "pattern_type", &mut p);
            let pattern_text = required_text(&map, "pattern", &mut p);
            if pattern_type.as_deref() == Some("stix")
                && let Some(text) = &pattern_text
                && let Err(err) = pattern::parse(text)
            {
                p.push(format!("pattern: {err}"));
            }
            let from = timestamp(&map, "valid_from", true, &mut p);
            let until = timestamp(&map, "valid_until", false, &mut p);
            if let (Some(f), Some(u)) = (from, until)
                && u <= f
            {
                p.push("valid_until: must be later than valid_from".into());
            }
        }
        Kind::Incident | Kind::Vulnerability | Kind::Identity => {
            required_text(&map, "name", &mut p);
            if kind == Kind::Identity {
                kommunekode = kommunekode_of(&map);
            }
        }
        Kind::Note => {
            required_text(&map, "content", &mut p);
            id_list(&map, "object_refs", true, &mut p);
        }
        Kind::Opinion => {
            const OPINIONS: [&str; 5] = [
                "strongly-disagree",
                "disagree",
                "neutral",
                "agree",
                "strongly-agree",
            ];
            match map.get("opinion") {
                Some(Value::String(o)) if OPINIONS.contains(&o.as_str()) => {}
                _ => p.push(format!("opinion: required, one of {}", OPINIONS.join(", "))),
            }
            id_list(&map, "object_refs", true, &mut p);
        }
        Kind::Relationship => {
            required_text(&map, "relationship_type", &mut p);
            for property in ["source_ref", "target_ref"] {
                match map.get(property) {
                    Some(Value::String(r)) if is_identifier(r) => {}
                    _ => p.push(format!("{property}: required, an id")),
                }
            }
        }
        Kind::MarkingDefinition => {
            let tlp2 = map
                .get("extensions")
                .and_then(Value::as_object)
                .is_some_and(|e| e.contains_key(super::markings::TLP2_EXTENSION));
            let definition_type = map.get("definition_type").and_then(Value::as_str);
            claims_tlp = tlp2 || definition_type == Some("tlp");
            let has_definition = map.get("definition").is_some_and(Value::is_object);
            let defined = tlp2 || (definition_type.is_some() && has_definition);
            if !defined {
                p.push(
                    "definition_type and definition: required unless an extension defines it"
                        .into(),
                );
            }
        }
        Kind::Other => {}
    }

    let severity = if kind.has_severity() {
        severity_of(&map, &mut p)
    } else {
        None
    };
    let name = display_name(kind, &map);
    if !p.is_empty() {
        return Err(p);
    }
    Ok(Checked {
        id,
        stix_type,
        kind,
        version_us: modified.or(created),
        refs,
        marking_refs,
        target_identities,
        created_by_ref,
        name,
        severity,
        kommunekode,
        claims_tlp,
        content: Value::Object(map),
    })
}

/// `[a-z0-9-]`, 3 to 250 characters, no leading, trailing or double hyphen.
fn is_type_name(t: &str) -> bool {
    (3..=250).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !t.starts_with('-')
        && !t.ends_with('-')
        && !t.contains("--")
}

/// `<type>--<UUID>` with a well-formed type and a lowercase-or-uppercase hex UUID.
pub fn is_identifier(id: &str) -> bool {
    let Some((t, uuid)) = id.rsplit_once("--") else {
        return false;
    };
    is_type_name(t) && is_uuid(uuid)
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Parses a STIX timestamp (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`, UTC) into microseconds
/// since the epoch; digits past the microsecond are accepted and ignored.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || *b.last()? != b'Z' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let mut micros = 0u32;
    let rest = &b[19..b.len() - 1];
    if !rest.is_empty() {
        let fraction = rest.strip_prefix(b".")?;
        if fraction.is_empty() || !fraction.iter().all(u8::is_ascii_digit) {
            return None;
        }
        for i in 0..6 {
            micros = micros * 10 + fraction.get(i).map_or(0, |d| u32::from(d - b'0'));
        }
    }
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let time = time::Time::from_hms_micro(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        micros,
    )
    .ok()?;
    let at = time::PrimitiveDateTime::new(date, time).assume_utc();
    i64::try_from(at.unix_timestamp_nanos() / 1000).ok()
}

/// Formats microseconds since the epoch as a STIX timestamp with microseconds.
pub fn format_timestamp(micros: i64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

fn timestamp(
    map: &Map<String, Value>,
    property: &str,
    required: bool,
    p: &mut Problems,
) -> Option<i64> {
    match map.get(property) {
        Some(Value::String(text)) => {
            let parsed = parse_timestamp(text);
            if parsed.is_none() {
                p.push(format!(
                    "{property}: not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.sss]Z)"
                ));
            }
            parsed
        }
        Some(_) => {
            p.push(format!("{property}: must be a timestamp string"));
            None
        }
        None => {
            if required {
                p.push(format!("{property}: required"));
            }
            None
        }
    }
}

fn required_text(map: &Map<String, Value>, property: &str, p: &mut Problems) -> Option<String> {
    match map.get(property) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::String(_)) => {
            p.push(format!("{property}: must not be empty"));
            None
        }
        Some(_) => {
            p.push(format!("{property}: must be a string"));
            None
        }
        None => {
            p.push(format!("{property}: required"));
            None
        }
    }
}

/// A list of ids; each must be well-formed (checked by [`collect_refs`] too, which is
/// where a bad one is reported).
fn id_list(
    map: &Map<String, Value>,
    property: &str,
    required: bool,
    p: &mut Problems,
) -> Vec<String> {
    match map.get(property) {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| is_identifier(s))
            .map(str::to_string)
            .collect(),
        Some(_) => {
            p.push(format!("{property}: must be a non-empty list of ids"));
            Vec::new()
        }
        None => {
            if required {
                p.push(format!("{property}: required"));
            }
            Vec::new()
        }
    }
}

/// Every top-level `*_ref` (an id) and `*_refs` (a list of ids), checked for syntax.
fn collect_refs(map: &Map<String, Value>, refs: &mut Vec<(String, String)>, p: &mut Problems) {
    for (property, value) in map {
        if property == "object_marking_refs" {
            continue;
        }
        if property.ends_with("_ref") {
            match value {
                Value::String(r) if is_identifier(r) => refs.push((property.clone(), r.clone())),
                _ => p.push(format!("{property}: must be an id (<type>--<UUID>)")),
            }
        } else if property.ends_with("_refs") {
            match value {
                Value::Array(items) => {
                    for item in items {
                        match item {
                            Value::String(r) if is_identifier(r) => {
                                refs.push((property.clone(), r.clone()))
                            }
                            _ => p.push(format!("{property}: {item} is not an id")),
                        }
                    }
                }
                _ => p.push(format!("{property}: must be a list of ids")),
            }
        }
    }
}

fn marking_refs(map: &Map<String, Value>, p: &mut Problems) -> Vec<String> {
    let mut out = Vec::new();
    match map.get("object_marking_refs") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                match item.as_str() {
                    Some(r) if r.starts_with("marking-definition--") && is_identifier(r) => {
                        out.push(r.to_string())
                    }
                    _ => p.push(format!(
                        "object_marking_refs: {item} is not a marking-definition id"
                    )),
                }
            }
        }
        Some(_) => p.push("object_marking_refs: must be a list".into()),
    }
    match map.get("granular_markings") {
        None => {}
        Some(Value::Array(items)) if !items.is_empty() => {
            for item in items {
                let Some(marking) = item.as_object() else {
                    p.push("granular_markings: each must be an object".into());
                    continue;
                };
                let selectors_ok = marking
                    .get("selectors")
                    .and_then(Value::as_array)
                    .is_some_and(|s| !s.is_empty() && s.iter().all(Value::is_string));
                if !selectors_ok {
                    p.push("granular_markings: selectors must be a non-empty list".into());
                }
                match (marking.get("marking_ref"), marking.get("lang")) {
                    (Some(Value::String(r)), None)
                        if r.starts_with("marking-definition--") && is_identifier(r) =>
                    {
                        out.push(r.clone())
                    }
                    (None, Some(Value::String(_))) => {}
                    _ => p.push(
                        "granular_markings: each needs a marking-definition marking_ref or a lang"
                            .into(),
                    ),
                }
            }
        }
        Some(_) => p.push("granular_markings: must be a non-empty list".into()),
    }
    out
}

/// `labels`, `external_references`: the shapes every type shares.
fn check_common_lists(map: &Map<String, Value>, p: &mut Problems) {
    if let Some(labels) = map.get("labels")
        && !labels
            .as_array()
            .is_some_and(|l| l.iter().all(Value::is_string))
    {
        p.push("labels: must be a list of strings".into());
    }
    if let Some(references) = map.get("external_references") {
        let ok = references.as_array().is_some_and(|list| {
            list.iter().all(|r| {
                r.get("source_name")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            })
        });
        if !ok {
            p.push("external_references: each needs a source_name".into());
        }
    }
}

fn kommunekode_of(map: &Map<String, Value>) -> Option<String> {
    map.get("external_references")?
        .as_array()?
        .iter()
        .find(|r| r.get("source_name").and_then(Value::as_str) == Some("kommunekode"))
        .and_then(|r| r.get("external_id"))
        .and_then(Value::as_str)
        .map(|code| code.trim().to_string())
        .filter(|code| !code.is_empty())
}

fn severity_of(map: &Map<String, Value>, p: &mut Problems) -> Option<Severity> {
    if let Some(value) = map.get(SEVERITY_PROPERTY) {
        let parsed = value.as_str().and_then(Severity::parse);
        if parsed.is_none() {
            p.push(format!(
                "{SEVERITY_PROPERTY}: must be one of low, medium, high, critical"
            ));
        }
        return parsed;
    }
    let from_labels = map
        .get("labels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|label| {
            let label = label.to_ascii_lowercase();
            let word = label.strip_prefix("severity:").unwrap_or(&label).trim();
            Severity::parse(word)
        })
        .max();
    if from_labels.is_some() {
        return from_labels;
    }
    // Confidence says how sure the centre is; a near-certain finding is treated as
    // high, a doubtful one as low.
    let from_confidence = map
        .get("confidence")
        .and_then(Value::as_u64)
        .map(|c| match c {
            90.. => Severity::High,
            0..=30 => Severity::Low,
            _ => Severity::Medium,
        });
    Some(from_confidence.unwrap_or(Severity::Medium))
}

/// A title for people: `name`, else what the type carries instead.
fn display_name(kind: Kind, map: &Map<String, Value>) -> String {
    let text = |p: &str| map.get(p).and_then(Value::as_str).unwrap_or_default();
    let raw = match kind {
        Kind::Note => map
            .get("abstract")
            .and_then(Value::as_str)
            .unwrap_or_else(|| text("content")),
        Kind::Relationship => text("relationship_type"),
        Kind::Opinion => text("opinion"),
        _ => text("name"),
    };
    raw.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn indicator() -> Value {
        json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-11-20T10:00:00.000Z",
            "modified": "2026-11-20T11:00:00.000Z",
            "name": "Phishing-domæne",
            "pattern": "[domain-name:value = 'login-kommune.example']",
            "pattern_type": "stix",
            "valid_from": "2026-11-20T10:00:00Z",
            "object_marking_refs": [super::super::markings::TLP2_AMBER]
        })
    }

    fn with(mut value: Value, property: &str, new: Value) -> Value {
        value[property] = new;
        value
    }

    fn without(mut value: Value, property: &str) -> Value {
        value.as_object_mut().unwrap().remove(property);
        value
    }

    #[test]
    fn a_valid_indicator_is_read_with_its_version_and_markings() {
        let checked = check(indicator()).unwrap();
        assert_eq!(checked.kind, Kind::Indicator);
        assert_eq!(checked.version_us, parse_timestamp("2026-11-20T11:00:00Z"));
        assert_eq!(checked.marking_refs, [super::super::markings::TLP2_AMBER]);
        assert_eq!(checked.severity, Some(Severity::Medium));
    }

    #[test]
    fn timestamps_are_read_to_the_microsecond_and_must_be_utc() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(
            parse_timestamp("1970-01-01T00:00:00.123456789Z"),
            Some(123_456)
        );
        for bad in [
            "2026-11-20T10:00:00",
            "2026-11-20T10:00:00+01:00",
            "2026-02-30T10:00:00Z",
            "2026-11-20 10:00:00Z",
            "2026-11-20T25:00:00Z",
            "2026-11-20T10:00:00.Z",
            "",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert_eq!(
            format_timestamp(parse_timestamp("2026-11-20T10:00:00.25Z").unwrap()),
            "2026-11-20T10:00:00.250000Z"
        );
    }

    #[test]
    fn spec_version_2_0_is_refused() {
        let problems = check(with(indicator(), "spec_version", json!("2.0"))).unwrap_err();
        assert_eq!(problems, ["spec_version: must be \"2.1\""]);
    }

    #[test]
    fn missing_id_and_bad_timestamps_are_each_named() {
        let bad = with(without(indicator(), "id"), "created", json!("yesterday"));
        let problems = check(bad).unwrap_err();
        assert!(
            problems.contains(&"id: required".to_string()),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.starts_with("created:")),
            "{problems:?}"
        );
    }

    #[test]
    fn an_id_must_match_the_type_and_carry_a_uuid() {
        let wrong_type = with(
            indicator(),
            "id",
            json!("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
        );
        assert!(check(wrong_type).is_err());
        assert!(check(with(indicator(), "id", json!("indicator--1234"))).is_err());
        assert!(!is_identifier("identity--"));
        assert!(is_identifier(
            "x-custom-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        ));
    }

    #[test]
    fn a_pattern_that_does_not_parse_is_refused_but_other_languages_are_opaque() {
        let broken = with(indicator(), "pattern", json!("[domain-name:value = "));
        assert!(
            check(broken)
                .unwrap_err()
                .iter()
                .any(|p| p.starts_with("pattern:"))
        );
        let sigma = with(
            with(indicator(), "pattern_type", json!("sigma")),
            "pattern",
            json!("title: anything at all ["),
        );
        assert!(check(sigma).is_ok());
    }

    #[test]
    fn a_sighting_names_the_identities_it_was_sighted_at_as_targets() {
        let sighting = json!({
            "type": "sighting", "spec_version": "2.1",
            "id": "sighting--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-11-20T10:00:00Z", "modified": "2026-11-20T10:00:00Z",
            "sighting_of_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "where_sighted_refs": ["identity--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
            "x_vaern_severity": "critical"
        });
        let checked = check(sighting).unwrap();
        assert_eq!(
            checked.target_identities,
            ["identity--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]
        );
        assert_eq!(checked.severity, Some(Severity::Critical));
        assert!(
            checked
                .refs
                .iter()
                .any(|(p, r)| p == "sighting_of_ref" && r.starts_with("indicator--"))
        );
    }

    #[test]
    fn severity_falls_back_from_the_property_to_labels_to_confidence_to_medium() {
        let labelled = with(indicator(), "labels", json!(["phishing", "High"]));
        assert_eq!(check(labelled).unwrap().severity, Some(Severity::High));
        let confident = with(indicator(), "confidence", json!(20));
        assert_eq!(check(confident).unwrap().severity, Some(Severity::Low));
        let bad = with(indicator(), SEVERITY_PROPERTY, json!("urgent"));
        assert!(check(bad).is_err());
    }

    #[test]
    fn unknown_types_are_checked_for_common_properties_only() {
        let custom = json!({
            "type": "x-kommune-asset",
            "id": "x-kommune-asset--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "anything": {"nested": true}
        });
        assert_eq!(check(custom).unwrap().kind, Kind::Other);
        let bad_ref = json!({
            "type": "x-kommune-asset",
            "id": "x-kommune-asset--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "owner_ref": "nobody"
        });
        assert!(check(bad_ref).is_err());
    }

    #[test]
    fn marking_definitions_carry_no_modified_and_must_define_something() {
        let marking = json!({
            "type": "marking-definition", "spec_version": "2.1",
            "id": "marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-11-20T10:00:00Z",
            "definition_type": "statement",
            "definition": {"statement": "Copyright Nationalt analysecenter"}
        });
        let checked = check(marking.clone()).unwrap();
        assert!(!checked.claims_tlp);
        assert_eq!(checked.version_us, parse_timestamp("2026-11-20T10:00:00Z"));
        assert!(
            check(with(
                marking.clone(),
                "modified",
                json!("2026-11-21T10:00:00Z")
            ))
            .is_err()
        );
        assert!(check(without(marking, "definition")).is_err());
    }

    #[test]
    fn kinds_and_severities_serialise_as_their_stored_form() {
        for kind in Kind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for severity in Severity::ALL {
            assert_eq!(serde_json::to_value(severity).unwrap(), severity.as_str());
        }
    }

    #[test]
    fn an_identity_is_read_with_its_kommunekode() {
        let identity = json!({
            "type": "identity", "spec_version": "2.1",
            "id": "identity--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-11-20T10:00:00Z", "modified": "2026-11-20T10:00:00Z",
            "name": "Aarhus Kommune", "identity_class": "organization",
            "external_references": [{"source_name": "kommunekode", "external_id": "751"}]
        });
        assert_eq!(check(identity).unwrap().kommunekode.as_deref(), Some("751"));
    }
}
