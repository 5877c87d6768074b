//! What every kind of group content shares (forum threads and posts, library documents):
//! its label as the policy reads it, the recipients it is written for, and how they
//! are checked and stored. The rule itself lives in `policy` (`can_see_group_item`, and
//! its SQL twin `GroupContentSql`); this module only feeds it.

mod audience;

pub use audience::Audience;
pub(crate) use audience::{Members, check_quote, resolve};

use crate::db::Tx;
use crate::error::CoreResult;
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{GroupItem, Tlp};

/// An item's stored facts and its label, as the policy needs them.
#[derive(Debug, Clone)]
pub(crate) struct Labelled {
    pub group_id: GroupId,
    pub tlp: Tlp,
    pub author_id: UserId,
    pub orgs: Vec<OrgId>,
    pub users: Vec<UserId>,
}

impl Labelled {
    pub fn item(&self) -> GroupItem<'_> {
        GroupItem {
            group_id: self.group_id,
            tlp: self.tlp,
            author_id: self.author_id,
            recipient_orgs: &self.orgs,
            recipient_users: &self.users,
        }
    }
}

/// The two side tables that hold one kind of item's recipients: organisations (for
/// AMBER+STRICT) and people (for RED), each keyed by `item_id`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecipientTables {
    pub orgs: &'static str,
    pub users: &'static str,
}

impl RecipientTables {
    pub const THREAD: Self = Self {
        orgs: "thread_recipient_orgs",
        users: "thread_recipient_users",
    };
    pub const POST: Self = Self {
        orgs: "post_recipient_orgs",
        users: "post_recipient_users",
    };
    /// A post's earlier revision, kept with the audience it was written for.
    pub const REVISION: Self = Self {
        orgs: "revision_recipient_orgs",
        users: "revision_recipient_users",
    };
}

/// Replaces the recipients of item `id` in `tables` with `orgs` and `users`.
pub(crate) async fn insert_recipients(
    tx: &mut Tx<'_>,
    tables: RecipientTables,
    id: i64,
    orgs: &[OrgId],
    users: &[UserId],
) -> CoreResult<()> {
    // The table names are the constants above, never input.
    sqlx::query(&format!("delete from {} where item_id = $1", tables.orgs))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(&format!("delete from {} where item_id = $1", tables.users))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for org in orgs {
        sqlx::query(&format!(
            "insert into {} (item_id, org_id) values ($1, $2)",
            tables.orgs
        ))
        .bind(id)
        .bind(org)
        .execute(&mut **tx)
        .await?;
    }
    for user in users {
        sqlx::query(&format!(
            "insert into {} (item_id, user_id) values ($1, $2)",
            tables.users
        ))
        .bind(id)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
