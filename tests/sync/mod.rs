//! Plan, apply and drift against two emulated tenants over real HTTP.

mod badinput;
mod demo;
mod drift;
mod interrupt;
mod restore;
mod robustness;
