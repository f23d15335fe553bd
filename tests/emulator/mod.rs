//! The emulator against section 12 of the API reference, one module per group of rules. Every
//! assertion message names the rule it checks.

mod auth;
mod deploy;
mod designtime;
mod keystore;
mod partner_directory;
mod protocol;
mod runs;
mod security;
mod switches;
