//! The HTTP surface around the Leptos app: middleware, and the few plain handlers.

pub mod acknowledgements_export;
pub mod alerts_export;
pub mod api;
pub mod assets;
pub mod audit_export;
pub mod compression;
pub mod events;
pub mod exports;
pub mod flash;
pub mod incident_drafts;
pub mod lang;
pub mod library;
pub mod limits;
pub mod live_panels;
pub mod rpc;
pub mod security;
pub mod sessions;
pub mod taxii;
pub mod token_auth;
pub mod trace;
pub mod viewer;
