//! Who a new item of group content reaches: its recipients (checked against the group),
//! whether a quote would widen the quoted item's audience, who is mentioned, and who is
//! told. Each
//! question is answered by asking the one policy predicate about each member of the
//! group, so that no second copy of the rule exists here.

use super::Labelled;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{GroupItem, GroupRole, PlatformRole, Tlp, Viewer, can_see_group_item};
use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};
use serde::{Deserialize, Serialize};

/// The group's active members, each as the policy sees them within this group.
pub(crate) struct Members {
    pub people: Vec<(Viewer, String)>,
}

impl Members {
    pub async fn load(db: &Db, group: GroupId) -> CoreResult<Self> {
        let rows: Vec<(UserId, OrgId, String, bool, String, String)> = sqlx::query_as(
            "select u.id, u.org_id, u.platform_role, u.org_admin, m.role, u.name \
             from group_members m join users u on u.id = m.user_id \
             where m.group_id = $1 and u.status = 'active' order by u.name, u.id",
        )
        .bind(group)
        .fetch_all(db)
        .await?;
        let people = rows
            .into_iter()
            .map(|(id, org, role, org_admin, group_role, name)| {
                let viewer = Viewer::user(
                    id,
                    org,
                    PlatformRole::from_stored(&role)?,
                    org_admin,
                    vec![(group, GroupRole::from_stored(&group_role)?)],
                );
                Ok((viewer, name))
            })
            .collect::<CoreResult<Vec<_>>>()?;
        Ok(Self { people })
    }

    /// The organisation of `user`, if an active member.
    pub fn org_of(&self, user: UserId) -> Option<OrgId> {
        self.viewer(user).map(|v| v.org_id)
    }

    /// Whether someone who may see `now` could not see `earlier`: bringing `earlier`'s
    /// words under `now`'s label would widen who reads them.
    pub fn widens(&self, now: &GroupItem<'_>, earlier: &GroupItem<'_>) -> bool {
        self.people
            .iter()
            .any(|(v, _)| can_see_group_item(v, now) && !can_see_group_item(v, earlier))
    }

    fn viewer(&self, user: UserId) -> Option<&Viewer> {
        self.people
            .iter()
            .map(|(v, _)| v)
            .find(|v| v.user_id == Some(user))
    }

    fn orgs(&self) -> Vec<OrgId> {
        let mut orgs: Vec<OrgId> = self.people.iter().map(|(v, _)| v.org_id).collect();
        orgs.sort_unstable();
        orgs.dedup();
        orgs
    }

    /// Whether `user` is an active member who may see every one of `items`.
    pub fn may_see(&self, user: UserId, items: &[GroupItem<'_>]) -> bool {
        self.viewer(user)
            .is_some_and(|v| items.iter().all(|item| can_see_group_item(v, item)))
    }

    /// The members named in `source` as `@Name` (longest name first, case-insensitive,
    /// not preceded or followed by a letter or digit). One automaton over the members'
    /// names, searched at each `@`, so the cost grows with the post's length and not with
    /// length times members.
    pub fn mentioned_in(&self, source: &str) -> Vec<UserId> {
        let lower = source.to_lowercase();
        let names: Vec<(UserId, String)> = self
            .people
            .iter()
            .filter_map(|(v, name)| Some((v.user_id?, name.to_lowercase())))
            .filter(|(_, name)| !name.is_empty())
            .collect();
        let automaton = match AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(names.iter().map(|(_, name)| name.as_str()))
        {
            Ok(automaton) => automaton,
            Err(err) => {
                tracing::warn!(%err, "building the mention automaton");
                return Vec::new();
            }
        };
        let mut found = Vec::new();
        for (at, _) in lower.match_indices('@') {
            // `bo@kl.dk` is an address, not a mention.
            if lower[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            // The longest name that starts right after the `@` and ends at a word's end:
            // a longer one running on into a word gives way to a shorter one.
            let mut end = lower.len();
            while end > at + 1 {
                let input = Input::new(&lower)
                    .range(at + 1..end)
                    .anchored(Anchored::Yes);
                let Some(hit) = automaton.find(input) else {
                    break;
                };
                let ends_word = !lower[hit.end()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric);
                if ends_word {
                    let user = names[hit.pattern().as_usize()].0;
                    if !found.contains(&user) {
                        found.push(user);
                    }
                    break;
                }
                end = hit.end() - 1;
            }
        }
        found
    }
}

/// The recipients a person asked for (from the form), before they are checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    /// AMBER+STRICT: the recipient organisations. Empty: the default.
    pub orgs: Vec<OrgId>,
    /// RED: the named recipients besides the author. Empty with an inherited RED label:
    /// the people of the thread.
    pub users: Vec<UserId>,
}

impl Audience {
    /// The recipients checked in a form: the `org{id}` and `user{id}` keys of its
    /// `audience[…]` checkboxes.
    pub fn from_form_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> CoreResult<Self> {
        let mut audience = Self::default();
        let malformed = || CoreError::invalid("audience", "malformed");
        for key in keys {
            if let Some(id) = key.strip_prefix("org") {
                audience
                    .orgs
                    .push(OrgId(id.parse().map_err(|_| malformed())?));
            } else if let Some(id) = key.strip_prefix("user") {
                audience
                    .users
                    .push(UserId(id.parse().map_err(|_| malformed())?));
            } else {
                return Err(malformed());
            }
        }
        Ok(audience)
    }
}

/// The recipients to store for a new or raised item labelled `tlp`, written by
/// `author` in the group of `members`:
///
/// - AMBER+STRICT: the chosen organisations, which must include the author's own (else
///   the author could not read what they wrote) and have members in the group; with none
///   chosen, `inherited`'s when it is AMBER+STRICT too, else the author's organisation,
///   except in a Chatham House thread, where that default would name the author's
///   organisation and so a choice is required;
/// - RED: the chosen members, each of whom must be able to see `within` (the thread);
///   with none chosen, `inherited`'s people when it is RED too;
/// - any other label: none.
pub(crate) fn resolve(
    author: &Viewer,
    tlp: Tlp,
    chosen: &Audience,
    members: &Members,
    inherited: Option<&Labelled>,
    within: &[GroupItem<'_>],
    chatham_house: bool,
) -> CoreResult<(Vec<OrgId>, Vec<UserId>)> {
    let me = author.user_id.ok_or(CoreError::NotFound)?;
    match tlp {
        Tlp::Clear | Tlp::Green | Tlp::Amber => Ok((Vec::new(), Vec::new())),
        Tlp::AmberStrict => {
            let mut orgs = chosen.orgs.clone();
            orgs.sort_unstable();
            orgs.dedup();
            if orgs.is_empty() {
                if let Some(parent) = inherited.filter(|p| p.tlp == Tlp::AmberStrict) {
                    return Ok((parent.orgs.clone(), Vec::new()));
                }
                if chatham_house {
                    return Err(CoreError::invalid("recipient_orgs", "required"));
                }
                return Ok((vec![author.org_id], Vec::new()));
            }
            if !orgs.contains(&author.org_id) {
                return Err(CoreError::invalid("recipient_orgs", "own_missing"));
            }
            let in_group = members.orgs();
            if orgs.iter().any(|org| !in_group.contains(org)) {
                return Err(CoreError::invalid("recipient_orgs", "not_in_group"));
            }
            Ok((orgs, Vec::new()))
        }
        Tlp::Red => {
            let mut users: Vec<UserId> = if chosen.users.is_empty() {
                match inherited.filter(|p| p.tlp == Tlp::Red) {
                    Some(parent) => parent
                        .users
                        .iter()
                        .copied()
                        .chain([parent.author_id])
                        .collect(),
                    None => Vec::new(),
                }
            } else {
                chosen.users.clone()
            };
            users.retain(|u| *u != me);
            users.sort_unstable();
            users.dedup();
            if users.iter().any(|u| !members.may_see(*u, within)) {
                return Err(CoreError::invalid("recipient_users", "cannot_see"));
            }
            Ok((Vec::new(), users))
        }
    }
}

/// A quote of `quoted` may go into `reply` (both in one thread, `thread`) only if the
/// reply is labelled at least as strictly and everyone who may read the reply may read
/// the quoted post.
pub(crate) fn check_quote(
    reply: &GroupItem<'_>,
    quoted: &GroupItem<'_>,
    thread: &GroupItem<'_>,
    members: &Members,
) -> CoreResult<()> {
    if reply.tlp < quoted.tlp {
        return Err(CoreError::invalid("tlp", "below_quote"));
    }
    let widens = members.people.iter().any(|(v, _)| {
        can_see_group_item(v, reply)
            && can_see_group_item(v, thread)
            && !can_see_group_item(v, quoted)
    });
    if widens {
        Err(CoreError::invalid("quote", "wider_audience"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64, org: i64, name: &str) -> (Viewer, String) {
        let viewer = Viewer::user(
            UserId(id),
            OrgId(org),
            PlatformRole::Member,
            false,
            vec![(GroupId(1), GroupRole::Member)],
        );
        (viewer, name.to_string())
    }

    fn members() -> Members {
        Members {
            people: vec![
                member(1, 10, "Anne Hansen"),
                member(2, 20, "Anne"),
                member(3, 20, "Bo Ek"),
            ],
        }
    }

    #[test]
    fn mentions_match_the_longest_member_name_and_ignore_case() {
        let found = members().mentioned_in("Hej @anne hansen og @Bo Ek, se @Anne's note");
        assert_eq!(found, vec![UserId(1), UserId(3), UserId(2)]);
    }

    #[test]
    fn a_shorter_name_matches_where_a_longer_one_runs_on() {
        let found = members().mentioned_in("@Anne Hansenx og @anne");
        assert_eq!(found, vec![UserId(2)]);
    }

    #[test]
    fn mention_parsing_is_linear_in_the_post_not_post_times_members() {
        let people = (0..5_000)
            .map(|n| member(n, 10, &format!("Person Nummer {n}")))
            .collect();
        let m = Members { people };
        let post = "@Person Nummer x ".repeat(6_000);
        let started = std::time::Instant::now();
        assert!(m.mentioned_in(&post).is_empty());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_mention_must_end_at_the_name() {
        assert!(
            members()
                .mentioned_in("@Annette and bo@bo ek.dk")
                .is_empty()
        );
    }

    #[test]
    fn amber_strict_recipients_must_include_the_authors_organisation() {
        let m = members();
        let author = &m.people[0].0;
        let chosen = Audience {
            orgs: vec![OrgId(20)],
            users: vec![],
        };
        let err = resolve(author, Tlp::AmberStrict, &chosen, &m, None, &[], false).unwrap_err();
        assert!(matches!(
            err,
            CoreError::Invalid {
                reason: "own_missing",
                ..
            }
        ));
    }

    #[test]
    fn chatham_house_threads_need_chosen_amber_strict_recipients() {
        let m = members();
        let author = &m.people[0].0;
        let none = Audience::default();
        assert!(resolve(author, Tlp::AmberStrict, &none, &m, None, &[], true).is_err());
        assert_eq!(
            resolve(author, Tlp::AmberStrict, &none, &m, None, &[], false).unwrap(),
            (vec![OrgId(10)], vec![])
        );
    }

    #[test]
    fn a_quote_of_an_amber_strict_post_cannot_go_into_a_wider_reply() {
        let m = members();
        let only_10 = [OrgId(10)];
        let both = [OrgId(10), OrgId(20)];
        let item = |orgs: &'static [OrgId]| GroupItem {
            group_id: GroupId(1),
            tlp: Tlp::AmberStrict,
            author_id: UserId(1),
            recipient_orgs: orgs,
            recipient_users: &[],
        };
        let thread = GroupItem {
            group_id: GroupId(1),
            tlp: Tlp::Green,
            author_id: UserId(1),
            recipient_orgs: &[],
            recipient_users: &[],
        };
        let quoted = item(Box::leak(Box::new(only_10)));
        let wider = item(Box::leak(Box::new(both)));
        assert!(check_quote(&wider, &quoted, &thread, &m).is_err());
        assert!(check_quote(&quoted, &quoted, &thread, &m).is_ok());
    }
}
