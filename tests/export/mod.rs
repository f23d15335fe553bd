//! Export against emulated tenants over real HTTP, into real git repositories.

mod golden;
mod quiet;
mod robustness;
mod secrets;
