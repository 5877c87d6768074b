//! Server functions by area. Bodies are a few lines: establish the viewer, call core,
//! map the error.

pub mod account;
pub mod audit;
pub mod auth;
pub mod forums;
pub mod groups;
pub mod intel;
pub mod notifications;
pub mod organisations;
pub mod people;
pub mod tokens;
