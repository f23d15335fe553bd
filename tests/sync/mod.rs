//! Plan, apply and drift against two emulated tenants over real HTTP.

mod badinput;
mod demo;
mod drift;
mod faults;
mod leaks;
mod restore;
mod robustness;
mod sessions;
