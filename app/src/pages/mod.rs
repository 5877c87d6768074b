//! One module per route, or per group of routes of one flow.

pub mod account;
pub mod acknowledgements;
pub mod alerts;
pub mod audit;
pub mod forum;
pub mod groups;
pub mod home;
pub mod identities;
pub mod incidents;
pub mod intel;
pub mod library;
pub mod library_pages;
pub mod link;
pub mod not_found;
pub mod notifications;
pub mod organisations;
pub mod people;
pub mod search;
pub mod second_factor;
pub mod sign_in;
pub mod taxii_sources;
pub mod thread;
pub mod tokens;
