//! Plan, apply and drift against two emulated tenants over real HTTP.

mod badinput;
mod demo;
mod drift;
mod fidelity;
mod json;
mod oauth;
mod restore;
mod robustness;
mod validation;
