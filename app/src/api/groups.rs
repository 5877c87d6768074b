//! The viewer's groups.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEntry {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// "owner", "moderator", "member" or "reader".
    pub role: String,
}

#[server(prefix = "/rpc", endpoint = "my_groups")]
pub async fn my_groups() -> Result<Vec<GroupEntry>, AppError> {
    use crate::request;
    let signed_in = request::signed_in()?;
    let backend = request::backend()?;
    let groups = vaern_core::groups::mine(&backend.db, &signed_in.viewer).await?;
    Ok(groups
        .into_iter()
        .map(|g| GroupEntry {
            slug: g.slug,
            name: g.name,
            description: g.description,
            role: g.role.as_str().to_string(),
        })
        .collect())
}
