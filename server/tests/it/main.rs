//! Integration tests: each starts the real server on 127.0.0.1:0 with a temporary data
//! directory and talks HTTP to it.

mod helpers;

mod access;
mod account_security;
mod acknowledgements;
mod alert_list;
mod alerts;
mod audit;
mod auth;
mod bad_input;
mod cli;
mod crash;
mod dashboard;
mod document_links;
mod extraction;
mod feed;
mod feedback;
mod forums;
mod groups;
mod identities;
mod incidents;
mod intel;
mod library;
mod library_access;
mod library_pages;
mod notifications;
mod organisations;
mod page_shape;
mod people;
mod poller;
mod search;
mod search_crash;
mod security;
mod sessions;
mod stix;
mod tokens;
mod watching;
