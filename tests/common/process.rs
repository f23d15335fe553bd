//! The binary as a child process stopped at a fail point (`CPI_GITOPS_FAIL_POINT`), and signals
//! sent to it: no timers, the test reads the line the process prints when it gets there.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;

/// A signal a test sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sig {
    Int,
    Term,
    Kill,
}

impl Sig {
    pub const ALL: [Sig; 3] = [Sig::Int, Sig::Term, Sig::Kill];

    fn name(self) -> &'static str {
        match self {
            Sig::Int => "INT",
            Sig::Term => "TERM",
            Sig::Kill => "KILL",
        }
    }

    /// The exit code of a process that handled it (none for SIGKILL).
    pub fn exit_code(self) -> Option<i32> {
        match self {
            Sig::Int => Some(130),
            Sig::Term => Some(143),
            Sig::Kill => None,
        }
    }
}

/// A running child whose stderr is read line by line.
pub struct Stopped {
    child: Child,
    lines: mpsc::Receiver<String>,
    pub stderr: Vec<String>,
    stdout: Option<std::thread::JoinHandle<String>>,
}

impl Stopped {
    /// Spawns `cmd` with the fail point `point` armed and waits until it is reached.
    pub fn at(mut cmd: Command, point: &str) -> Stopped {
        let mut child = cmd
            .env("CPI_GITOPS_FAIL_POINT", point)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut out = child.stdout.take().expect("stdout");
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut out, &mut text);
            text
        });
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stopped = Stopped {
            child,
            lines,
            stderr: Vec::new(),
            stdout: Some(stdout),
        };
        let want = format!("cpi-gitops: fail point {point} reached");
        loop {
            match stopped.lines.recv() {
                Ok(line) => {
                    let reached = line == want;
                    stopped.stderr.push(line);
                    if reached {
                        return stopped;
                    }
                }
                Err(_) => panic!(
                    "the process ended before the fail point {point}: {:?}, {}",
                    stopped.child.wait(),
                    stopped.stderr.join("\n")
                ),
            }
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `sig` and waits until the process ends; returns its status, with the rest of
    /// stderr read into `self.stderr`.
    pub fn signal(self, sig: Sig) -> (ExitStatus, Vec<String>) {
        let (status, stderr, _) = self.signal_with_stdout(sig);
        (status, stderr)
    }

    /// [`Stopped::signal`], with all the child's stdout too.
    pub fn signal_with_stdout(mut self, sig: Sig) -> (ExitStatus, Vec<String>, String) {
        let sent = Command::new("kill")
            .args(["-s", sig.name(), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -s {}", sig.name());
        let status = self.child.wait().expect("the child ends");
        while let Ok(line) = self.lines.recv() {
            self.stderr.push(line);
        }
        let stdout = self
            .stdout
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        (status, self.stderr, stdout)
    }
}
