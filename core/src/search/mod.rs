//! Search. For now only the outbox every content change writes to, in its own
//! transaction, so that the index can follow the database exactly.

pub mod outbox;
