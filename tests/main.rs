//! The one integration-test binary: every test talks to emulated tenants over real HTTP on
//! loopback (ephemeral ports) and to real git repositories in temporary folders.

mod client;
mod common;
mod companion;
mod emulator;
mod export;
mod ha;
mod init;
mod sync;
mod usage;
