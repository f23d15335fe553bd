//! Plan, apply and drift against two emulated tenants over real HTTP.

mod badinput;
mod demo;
mod drift;
mod faults;
mod fidelity;
mod json;
mod leaks;
mod oauth;
mod restore;
mod robustness;
mod sessions;
mod validation;
