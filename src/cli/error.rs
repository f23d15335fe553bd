//! The command-line error: what went wrong, its causes, and a hint saying what to do next.

use std::fmt;

/// What kind of failure, for the reader and for future exit-code refinements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad flags or input files.
    User,
    /// Missing or wrong configuration or credentials.
    Config,
    /// The tenant refused or failed.
    Tenant,
    /// A bug or an environment failure.
    Internal,
}

/// An error as shown to the user: `error: <message>`, the causes, then `hint: <hint>`.
#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
    pub causes: Vec<String>,
    pub hint: Option<String>,
}

impl CliError {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            causes: Vec::new(),
            hint: None,
        }
    }

    /// A user error.
    pub fn user(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::User, message)
    }

    /// An internal error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// Adds the chain of an underlying error as causes.
    pub fn caused_by(mut self, err: &dyn std::error::Error) -> Self {
        let mut source: Option<&dyn std::error::Error> = Some(err);
        while let Some(e) = source {
            self.causes.push(e.to_string());
            source = e.source();
        }
        self
    }

    /// Adds a hint.
    pub fn hinted(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        for cause in &self.causes {
            write!(f, "\n  caused by: {cause}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}
