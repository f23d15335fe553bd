//! Export against emulated tenants over real HTTP, into real git repositories.

mod content;
mod golden;
mod layouts;
mod limits;
mod quiet;
mod robustness;
mod secrets;
