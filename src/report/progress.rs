//! Progress while a command runs: a bar (objects and bytes) on a terminal, plain lines on stderr
//! otherwise; nothing goes to stdout, which belongs to the result.

use super::Format;
use crate::model::ObjectId;
use crate::read::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Export progress.
pub struct ExportProgress {
    bar: Option<ProgressBar>,
    /// Plain lines on stderr (not a terminal, not `--quiet`).
    lines: bool,
    tenant: String,
    total: AtomicU64,
    done: AtomicU64,
    bytes: AtomicU64,
    last_line: AtomicU64,
}

/// Progress for an export of `tenant`: a bar on a terminal, a plain line every tenth of the way
/// otherwise, nothing with `quiet`.
pub fn export(format: Format, tenant: &str, quiet: bool) -> Arc<ExportProgress> {
    let terminal = std::io::stderr().is_terminal();
    let bar = (terminal && !quiet && format == Format::Text).then(|| {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} objects, {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("export {tenant}"));
        bar
    });
    Arc::new(ExportProgress {
        bar,
        lines: !terminal && !quiet,
        tenant: tenant.to_string(),
        total: AtomicU64::new(0),
        done: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        last_line: AtomicU64::new(0),
    })
}

impl ExportProgress {
    /// Clears the bar, or prints the last plain line.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        } else if self.lines {
            self.line(self.done.load(Ordering::Relaxed));
        }
    }

    fn line(&self, done: u64) {
        let total = self.total.load(Ordering::Relaxed).max(done);
        eprintln!(
            "export {}: {done}/{total} objects, {}",
            self.tenant,
            super::human_bytes(self.bytes.load(Ordering::Relaxed))
        );
    }
}

impl Progress for ExportProgress {
    fn found(&self, n: u64) {
        let total = self.total.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    fn done(&self, _id: &ObjectId, bytes: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let all_bytes = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        match &self.bar {
            Some(bar) => {
                bar.set_position(done);
                bar.set_message(super::human_bytes(all_bytes));
            }
            None if self.lines => {
                let step = (self.total.load(Ordering::Relaxed) / 10).max(10);
                let last = self.last_line.load(Ordering::Relaxed);
                if done >= last + step
                    && self
                        .last_line
                        .compare_exchange(last, done, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
                    self.line(done);
                }
            }
            None => {}
        }
    }
}
