//! Views used by several pages.

pub mod bell;
pub mod error_message;
pub mod forum;
pub mod layout;
pub mod scroll_table;
pub mod signed_in;
