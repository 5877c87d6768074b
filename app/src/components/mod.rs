//! Views used by several pages.

pub mod bell;
pub mod copy_button;
pub mod countdown;
pub mod dashboard;
pub mod error_message;
pub mod filters;
pub mod form;
pub mod forum;
pub mod labels;
pub mod layout;
pub mod live_panel;
pub mod page;
pub mod password;
pub mod scroll_table;
pub mod search_box;
pub mod search_text;
pub mod signed_in;
pub mod upload_progress;
pub mod watch;
