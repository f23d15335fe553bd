//! Export against emulated tenants over real HTTP, into real git repositories.

mod content;
mod golden;
mod interrupt;
mod layouts;
mod limits;
mod marks;
mod quiet;
mod robustness;
mod secrets;
