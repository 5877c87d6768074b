//! Full-text search (DESIGN §3.E): one index over threads, posts, documents, pages and
//! the intel a reader may see, filtered by the access policy *inside* each query.
//!
//! - [`outbox`]: every content change writes a row in its own transaction;
//! - [`indexer`]: applies the outbox to the index, crash-safe;
//! - [`analysis`]: how text becomes terms (Danish stems, exact words, technical ids);
//! - [`index`]: the tantivy schema and its one writer;
//! - [`live`]: the generation in use, and rebuilding one aside (`vaern reindex`);
//! - [`access_filter`]: the viewer's access filter, kept per segment between queries;
//! - [`query`]: the query language people type;
//! - [`searching`]: runs a query for a viewer and loads the hits back through core;
//! - [`tally`]: counts the matches by type, group and label for the facets;
//! - [`red_audit`]: searches that find TLP:RED items are audited with a keyed query HMAC.

pub mod access_filter;
pub mod analysis;
pub mod index;
pub mod indexer;
pub mod live;
pub mod outbox;

pub mod query;
pub mod red_audit;
pub mod searching;
pub mod tally;

#[cfg(test)]
mod property_tests;

pub use index::{Kind, SearchIndex};
pub use live::LiveIndex;

#[cfg(test)]
mod tests;
