//! Integration tests: each starts the real server on 127.0.0.1:0 with a temporary data
//! directory and talks HTTP to it.

mod helpers;

mod account_security;
mod auth;
mod bad_input;
mod cli;
mod security;
mod sessions;
