//! [`Blocking`]: blocking work (git reads, unzipping and zipping, hashing) run off the async
//! runtime's workers, on a thread of its own, one job at a time (as `git::BlobSink` has a thread
//! for writes). The workers keep the tenant's requests flowing; the jobs are short beside a
//! request. One thread, rather than a pool, keeps the number of threads that allocate, and so the
//! process's memory, as it was with the work on the workers (each thread that allocates gets an
//! allocator arena of its own).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;

/// A blocking job that could not run or ended abnormally (it panicked).
#[derive(Debug, thiserror::Error)]
#[error("a blocking task ended abnormally: {0}")]
pub struct BlockingError(String);

type Job = Box<dyn FnOnce() + Send>;

/// Runs blocking jobs one at a time on a thread of its own. Cheap to clone: clones share the
/// thread, which ends when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Blocking {
    /// `None` when the thread could not be started: jobs then go to the runtime's blocking pool.
    jobs: Option<mpsc::Sender<Job>>,
}

impl Default for Blocking {
    fn default() -> Self {
        Blocking::new()
    }
}

impl Blocking {
    /// Starts the thread.
    pub fn new() -> Blocking {
        let (tx, rx) = mpsc::channel::<Job>();
        let started = std::thread::Builder::new()
            .name("cpi-gitops-blocking".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    job();
                }
            });
        Blocking {
            jobs: started.ok().map(|_| tx),
        }
    }

    /// Runs `job` on the thread once the jobs before it are done.
    pub async fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, BlockingError> {
        let Some(jobs) = &self.jobs else {
            return tokio::task::spawn_blocking(job)
                .await
                .map_err(|e| BlockingError(e.to_string()));
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(catch_unwind(AssertUnwindSafe(job)));
        });
        jobs.send(job)
            .map_err(|_| BlockingError("the blocking thread stopped".into()))?;
        match result.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(BlockingError("it panicked".into())),
            Err(_) => Err(BlockingError("the blocking thread stopped".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_in_order_on_one_thread_and_a_panic_is_an_error() {
        let blocking = Blocking::new();
        let a = blocking.run(|| std::thread::current().id()).await.unwrap();
        let b = blocking
            .clone()
            .run(|| std::thread::current().id())
            .await
            .unwrap();
        assert_eq!(a, b, "one thread");
        assert_ne!(a, std::thread::current().id(), "not the caller's");
        let panicked = blocking.run(|| panic!("boom")).await;
        assert!(panicked.is_err());
        assert_eq!(blocking.run(|| 2 + 2).await.unwrap(), 4, "it keeps working");
    }
}
