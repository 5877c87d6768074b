//! Server functions by area. Bodies are a few lines: establish the viewer, call core,
//! map the error.

pub mod account;
pub mod acknowledgements;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod feedback;
pub mod forums;
pub mod groups;
pub mod identities;
pub mod incidents;
pub mod intel;
pub mod library;
pub mod notifications;
pub mod organisations;
pub mod pages;
pub mod people;
pub mod search;
pub mod taxii_sources;
pub mod tokens;
