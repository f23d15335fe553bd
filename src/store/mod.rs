//! The state in git, `tenant-state/` (design.md section 3): where each object's files live
//! ([`layout`]), how artifact zips become reviewable files and back ([`content`]), and the
//! exporter's bookkeeping ([`marks`]): pure functions of bytes, while the git module reads and
//! writes. Only [`worktree`] touches files: the secret files `secret set` and `secret rekey`
//! edit in the work tree.
//!
//! | path under `tenant-state/` | written by | read by |
//! |---|---|---|
//! | `recipients.txt` | people | export, `secret set`, `secret rekey` |
//! | `.gitattributes` | export | export |
//! | `.export-marks.json` (older versions) | nobody: the first export after upgrading removes it | export (once) |
//! | `format.json` (the state format, [`format`]) | export | export, plan, apply, drift |
//! | `packages/<Package>/package.json` | export | plan, apply, drift |
//! | `packages/<Package>/<kind>s/<Id>/artifact.json`, `configuration.json`, `content/...` | export | plan, apply, drift |
//! | `security/<kind>s/<Name>.json` (+ `.pem`, `.<secret>.age`) | export, `secret set`, `secret rekey` | plan, apply, drift |
//! | `number-ranges/<Name>.json` | export | plan, apply, drift |
//! | `partner-directory/<Pid>/<kind>s/<Id>.json` (+ `.value`, `.password.age`) | export | plan, apply, drift |
//! | `overrides/<tenant>.json` | people | plan, apply, drift |

pub mod content;
pub mod format;
pub mod layout;
pub mod marks;
pub mod worktree;
