//! Værn's domain, framework-free: storage, accounts, organisations, groups and the
//! one access policy. Knows nothing of HTTP or Leptos.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod clock;
pub mod db;
pub mod demo;
pub mod error;
mod failpoint;
pub mod forums;
pub mod group_content;
pub mod groups;
pub mod ids;
pub mod incidents;
pub mod library;
pub mod mail;
pub mod markdown;
pub mod names;
pub mod notifications;
pub mod orgs;
pub mod policy;
pub mod search;
pub mod stix;
pub mod tokens;

pub use error::{CoreError, CoreResult};
