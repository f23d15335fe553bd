//! Progress while a command runs: a bar (objects and bytes) on a terminal, plain lines on stderr
//! otherwise; nothing goes to stdout, which belongs to the result.

use crate::cli::Format;
use crate::export::Progress;
use crate::model::ObjectId;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Export progress.
pub struct ExportProgress {
    bar: Option<ProgressBar>,
    tenant: String,
    total: AtomicU64,
    done: AtomicU64,
    bytes: AtomicU64,
}

/// How often (in objects) a plain progress line is printed when stderr is not a terminal.
const LINE_EVERY: u64 = 250;

/// Progress for an export of `tenant`.
pub fn export(format: Format, tenant: &str) -> Arc<ExportProgress> {
    let bar = (std::io::stderr().is_terminal() && format == Format::Text).then(|| {
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
        tenant: tenant.to_string(),
        total: AtomicU64::new(0),
        done: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
    })
}

impl ExportProgress {
    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
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
            None if done % LINE_EVERY == 0 => {
                let total = self.total.load(Ordering::Relaxed);
                eprintln!(
                    "export {}: {done}/{total} objects, {}",
                    self.tenant,
                    super::human_bytes(all_bytes)
                );
            }
            None => {}
        }
    }
}
