//! The scimgen CLI as a library: every subcommand is a function here, so the binary stays a
//! thin argument parser and tests can call the pieces.

pub mod check;
pub mod config;
pub mod error;
pub mod generate;
pub mod mapping;
pub mod openapi;
pub mod scaffold;
pub mod table;
pub mod templates;
pub mod typed;
pub mod verify;
