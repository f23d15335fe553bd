//! The companion package (issue 11): the protocol's test vector in Rust, the flows' zips, the
//! emulator's native answers against the real Groovy scripts, export through the companion,
//! `companion install`, and `probe`.

mod done;
mod export;
mod install;
mod native;
mod probe;
mod support;
mod vector;
mod zips;
