//! What a failover did, as data: one [`StepReport`] per step, per flow what happened, and the
//! [`Verdict`] that decides the exit code. `report::failover` renders it.

/// A step of a failover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The new active holds every held-back flow at the version its base records.
    Preflight,
    /// The old active's self-starting flows undeployed.
    Fence,
    /// The held-back flows deployed on the new active and `STARTED`.
    Deploy,
    /// After a failed deploy: what did start on the new active undeployed again.
    Withdraw,
    /// After a failed deploy: the fenced flows deployed again on the old active.
    DeployBack,
    /// The roles recorded in `refs/cpi-gitops/roles`.
    RecordRoles,
    /// A tenant's base (`refs/cpi-gitops/applied/<tenant>`) brought up to date.
    UpdateBase,
}

impl Phase {
    /// The step's name in reports: `preflight`, `fence`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Preflight => "preflight",
            Phase::Fence => "fence",
            Phase::Deploy => "deploy",
            Phase::Withdraw => "withdraw",
            Phase::DeployBack => "deploy-back",
            Phase::RecordRoles => "record-roles",
            Phase::UpdateBase => "update-base",
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Done (or nothing was needed).
    Done,
    /// A dry run: what would be done.
    Planned,
    /// Not run (a step before it failed, or it does not apply).
    Skipped,
    /// The tenant could not be reached within the fence timeout.
    Unreachable,
    /// Failed.
    Failed,
}

impl Status {
    /// `done`, `planned`, `skipped`, `unreachable` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Planned => "planned",
            Status::Skipped => "skipped",
            Status::Unreachable => "unreachable",
            Status::Failed => "failed",
        }
    }
}

/// What happened to one flow in a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowDid {
    /// It was undeployed, and is gone.
    Undeployed,
    /// It was deployed, and is `STARTED` at this version.
    Started(String),
    /// It already ran as wanted: nothing to do.
    AlreadyThere,
    /// Preflight: the new active holds it at this version, as its base records.
    Holds(String),
    /// A dry run would undeploy it.
    WouldUndeploy,
    /// A dry run would deploy it.
    WouldDeploy,
    /// It is not as the step needs (preflight): why.
    NotReady(String),
    /// Its request failed: the tenant's error text.
    Failed(String),
}

/// One flow in a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowReport {
    /// The integration flow's id.
    pub flow: String,
    /// What happened.
    pub did: FlowDid,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// Which.
    pub phase: Phase,
    /// The tenant it concerns (none for recording the roles).
    pub tenant: Option<String>,
    /// How it ended.
    pub status: Status,
    /// Per flow, when it touched flows.
    pub flows: Vec<FlowReport>,
    /// What else to know (why it failed, was skipped or could not reach the tenant).
    pub message: Option<String>,
}

impl StepReport {
    /// A step of `phase` on `tenant` with `status`.
    pub fn new(phase: Phase, tenant: Option<&str>, status: Status) -> StepReport {
        StepReport {
            phase,
            tenant: tenant.map(str::to_string),
            status,
            flows: Vec::new(),
            message: None,
        }
    }

    /// With `message`.
    pub fn says(mut self, message: impl Into<String>) -> StepReport {
        self.message = Some(message.into());
        self
    }
}

/// How the failover ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Switched, and the old active fenced (or there was none to fence): exit 0.
    Switched,
    /// Switched, but the old active could not be reached to fence it: it may still run its
    /// self-starting flows. Exit 2.
    SwitchedUnfenced,
    /// A dry run that would proceed: exit 0.
    Planned,
    /// Refused before anything was changed (preflight): exit 1.
    Refused,
    /// A step failed: exit 1 (running the failover again converges).
    Failed,
}

/// The result of a failover.
#[derive(Debug, Clone)]
pub struct FailoverReport {
    /// The new active.
    pub to: String,
    /// The old active, when there was one to fence.
    pub from: Option<String>,
    /// Whether `to` was already the recorded active (a run to fence the old one once back).
    pub already_active: bool,
    /// Whether nothing was changed on purpose.
    pub dry_run: bool,
    /// Every step, in order.
    pub steps: Vec<StepReport>,
    /// How it ended.
    pub verdict: Verdict,
}

impl FailoverReport {
    /// The step of `phase` on `tenant`, if it ran.
    pub fn step(&self, phase: Phase, tenant: Option<&str>) -> Option<&StepReport> {
        self.steps
            .iter()
            .find(|s| s.phase == phase && s.tenant.as_deref() == tenant)
    }
}
