//! Views used by several pages.

pub mod error_message;
pub mod layout;
pub mod scroll_table;
pub mod signed_in;
