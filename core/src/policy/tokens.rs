//! Who may create and revoke API tokens, with which scopes (DESIGN §3 B): platform
//! admins for every organisation, `stix:write` only for an analysis centre; organisation
//! admins `taxii:read` tokens of their own organisation; nobody else, and never a token.
//!
//! A token is created only through a [`TokenGrant`], which this module alone constructs
//! after the checks, so a creation path without them does not compile.

use super::{OrgKind, PlatformRole, Viewer, ViewerKind, can_manage_org_people};
use crate::error::{CoreError, CoreResult};
use crate::ids::OrgId;
use serde::{Deserialize, Serialize};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    /// Publish STIX into the platform (the analysis centre's ingestion).
    StixWrite,
    /// Read the organisation's TAXII feed.
    TaxiiRead,
}

impl Scope {
    /// Every scope, in the order they are listed.
    pub const ALL: [Scope; 2] = [Self::TaxiiRead, Self::StixWrite];

    /// The stored and typed form: `taxii:read`, `stix:write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StixWrite => "stix:write",
            Self::TaxiiRead => "taxii:read",
        }
    }

    /// Reads the stored form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

fn is_admin(viewer: &Viewer) -> bool {
    viewer.kind == ViewerKind::User && viewer.role == PlatformRole::Admin
}

/// May the viewer see the tokens of `org`, and create or revoke some of them? The same
/// people who manage the organisation's people.
pub fn can_manage_tokens(viewer: &Viewer, org: OrgId) -> bool {
    can_manage_org_people(viewer, org)
}

/// May an organisation of this kind hold a token with this scope at all?
fn scope_fits_org(scope: Scope, kind: OrgKind) -> bool {
    match scope {
        Scope::TaxiiRead => true,
        Scope::StixWrite => kind == OrgKind::AnalysisCentre,
    }
}

/// May this viewer grant (or revoke) this scope, wherever it manages tokens?
fn role_grants(viewer: &Viewer, scope: Scope) -> bool {
    is_admin(viewer) || scope == Scope::TaxiiRead
}

/// The scopes the viewer may put on a new token of `org` (of `kind`); empty when it
/// manages no tokens there.
pub fn grantable_scopes(viewer: &Viewer, org: OrgId, kind: OrgKind) -> Vec<Scope> {
    if !can_manage_tokens(viewer, org) {
        return Vec::new();
    }
    Scope::ALL
        .into_iter()
        .filter(|s| role_grants(viewer, *s) && scope_fits_org(*s, kind))
        .collect()
}

/// Proof that a token of `org` with `scopes` may be created.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    org: OrgId,
    scopes: Vec<Scope>,
}

impl TokenGrant {
    pub fn org(&self) -> OrgId {
        self.org
    }

    /// Sorted, without duplicates, never empty.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// A grant for the operator at the command line, who holds the database anyway:
    /// the rules of the organisation (`stix:write` only for an analysis centre) still
    /// hold.
    pub fn for_operator(org: OrgId, kind: OrgKind, scopes: &[Scope]) -> CoreResult<Self> {
        Self::checked(org, kind, scopes, |_| true)
    }

    fn checked(
        org: OrgId,
        kind: OrgKind,
        scopes: &[Scope],
        may_grant: impl Fn(Scope) -> bool,
    ) -> CoreResult<Self> {
        let mut scopes = scopes.to_vec();
        scopes.sort_unstable();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(CoreError::invalid("scopes", "required"));
        }
        if !scopes.iter().all(|s| may_grant(*s)) {
            return Err(CoreError::invalid("scopes", "not_allowed"));
        }
        if !scopes.iter().all(|s| scope_fits_org(*s, kind)) {
            return Err(CoreError::invalid("scopes", "not_for_org"));
        }
        Ok(Self { org, scopes })
    }
}

/// The guard for creating a token: `NotFound` when the viewer manages no tokens of
/// `org` (so other organisations' tokens are not confirmed); a per-field `Invalid` for
/// no scope, a scope the viewer may not grant (`scopes`/`not_allowed`), or one the
/// organisation may not hold (`scopes`/`not_for_org`).
pub fn require_grant(
    viewer: &Viewer,
    org: OrgId,
    kind: OrgKind,
    scopes: &[Scope],
) -> CoreResult<TokenGrant> {
    if !can_manage_tokens(viewer, org) {
        return Err(CoreError::NotFound);
    }
    TokenGrant::checked(org, kind, scopes, |s| role_grants(viewer, s))
}

/// May the viewer revoke a token of `org` that carries `scopes`? Only one whose every
/// scope it could have granted: an organisation admin of the analysis centre sees its
/// `stix:write` tokens but leaves them to the platform admins.
pub fn can_revoke_token(viewer: &Viewer, org: OrgId, scopes: &[Scope]) -> bool {
    can_manage_tokens(viewer, org) && scopes.iter().all(|s| role_grants(viewer, *s))
}

/// The guard for revoking: `NotFound` when the viewer does not see the organisation's
/// tokens, `Forbidden` when it sees the token but may not revoke it.
pub fn require_revoke_token(viewer: &Viewer, org: OrgId, scopes: &[Scope]) -> CoreResult<()> {
    if !can_manage_tokens(viewer, org) {
        Err(CoreError::NotFound)
    } else if !can_revoke_token(viewer, org, scopes) {
        Err(CoreError::Forbidden)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    const HOME: OrgId = OrgId(1);
    const ELSEWHERE: OrgId = OrgId(2);

    fn admin() -> Viewer {
        Viewer::user(UserId(1), HOME, PlatformRole::Admin, false, vec![])
    }

    fn org_admin() -> Viewer {
        Viewer::user(UserId(2), HOME, PlatformRole::Member, true, vec![])
    }

    fn invalid(result: CoreResult<TokenGrant>) -> Option<&'static str> {
        match result {
            Err(CoreError::Invalid {
                field: "scopes",
                reason,
            }) => Some(reason),
            _ => None,
        }
    }

    #[test]
    fn scopes_round_trip_through_their_stored_form() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("taxii:write"), None);
        assert_eq!(Scope::parse("TAXII:READ"), None);
    }

    #[test]
    fn admins_grant_stix_write_only_to_an_analysis_centre() {
        let admin = admin();
        let centre = require_grant(
            &admin,
            ELSEWHERE,
            OrgKind::AnalysisCentre,
            &[Scope::StixWrite, Scope::TaxiiRead, Scope::StixWrite],
        )
        .expect("granted");
        assert_eq!(centre.org(), ELSEWHERE);
        assert_eq!(centre.scopes(), &[Scope::StixWrite, Scope::TaxiiRead]);
        assert_eq!(
            invalid(require_grant(
                &admin,
                ELSEWHERE,
                OrgKind::Municipality,
                &[Scope::StixWrite]
            )),
            Some("not_for_org")
        );
        assert!(require_grant(&admin, HOME, OrgKind::Association, &[Scope::TaxiiRead]).is_ok());
        assert_eq!(
            grantable_scopes(&admin, HOME, OrgKind::AnalysisCentre),
            vec![Scope::TaxiiRead, Scope::StixWrite]
        );
        assert_eq!(
            grantable_scopes(&admin, HOME, OrgKind::Municipality),
            vec![Scope::TaxiiRead]
        );
    }

    #[test]
    fn org_admins_grant_taxii_read_for_their_own_organisation_only() {
        let viewer = org_admin();
        assert!(require_grant(&viewer, HOME, OrgKind::Municipality, &[Scope::TaxiiRead]).is_ok());
        assert_eq!(
            invalid(require_grant(
                &viewer,
                HOME,
                OrgKind::AnalysisCentre,
                &[Scope::StixWrite]
            )),
            Some("not_allowed")
        );
        assert!(matches!(
            require_grant(
                &viewer,
                ELSEWHERE,
                OrgKind::Municipality,
                &[Scope::TaxiiRead]
            ),
            Err(CoreError::NotFound)
        ));
        assert_eq!(
            grantable_scopes(&viewer, HOME, OrgKind::AnalysisCentre),
            vec![Scope::TaxiiRead]
        );
        assert!(grantable_scopes(&viewer, ELSEWHERE, OrgKind::Municipality).is_empty());
        assert!(can_revoke_token(&viewer, HOME, &[Scope::TaxiiRead]));
        assert!(matches!(
            require_revoke_token(&viewer, HOME, &[Scope::StixWrite, Scope::TaxiiRead]),
            Err(CoreError::Forbidden)
        ));
        assert!(matches!(
            require_revoke_token(&viewer, ELSEWHERE, &[Scope::TaxiiRead]),
            Err(CoreError::NotFound)
        ));
    }

    #[test]
    fn a_token_needs_a_scope() {
        assert_eq!(
            invalid(require_grant(&admin(), HOME, OrgKind::Municipality, &[])),
            Some("required")
        );
        assert_eq!(
            invalid(TokenGrant::for_operator(HOME, OrgKind::Region, &[])),
            Some("required")
        );
    }

    #[test]
    fn the_operator_is_bound_by_the_organisation_rule() {
        assert!(
            TokenGrant::for_operator(HOME, OrgKind::AnalysisCentre, &[Scope::StixWrite]).is_ok()
        );
        assert_eq!(
            invalid(TokenGrant::for_operator(
                HOME,
                OrgKind::Municipality,
                &[Scope::StixWrite]
            )),
            Some("not_for_org")
        );
    }

    #[test]
    fn members_coordinators_analysts_and_tokens_manage_no_tokens() {
        let mut token = Viewer::api_token(HOME);
        token.role = PlatformRole::Admin;
        token.org_admin = true;
        let others = [
            Viewer::user(UserId(3), HOME, PlatformRole::Member, false, vec![]),
            Viewer::user(UserId(3), HOME, PlatformRole::Coordinator, false, vec![]),
            Viewer::user(UserId(3), HOME, PlatformRole::Analyst, false, vec![]),
            token,
        ];
        for viewer in others {
            assert!(!can_manage_tokens(&viewer, HOME));
            assert!(grantable_scopes(&viewer, HOME, OrgKind::AnalysisCentre).is_empty());
            assert!(matches!(
                require_grant(&viewer, HOME, OrgKind::Municipality, &[Scope::TaxiiRead]),
                Err(CoreError::NotFound)
            ));
        }
    }
}
