//! Full-text search (DESIGN §3.E): one index over threads, posts, documents, pages and
//! the intel a reader may see, filtered by the access policy *inside* each query.
//!
//! - [`outbox`]: every content change writes a row in its own transaction;
//! - [`indexer`]: applies the outbox to the index, crash-safe;
//! - [`analysis`]: how text becomes terms (Danish stems, exact words, technical ids);
//! - [`index`]: the tantivy schema and its one writer;
//! - [`query`]: the query language people type;
//! - [`searching`]: runs a query for a viewer and loads the hits back through core.

pub mod analysis;
pub mod index;
pub mod indexer;
pub mod outbox;

pub mod query;
pub mod searching;

pub use index::{Kind, SearchIndex};

#[cfg(test)]
mod tests;
