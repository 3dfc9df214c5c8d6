//! What an operation is and says: its record (state, per-location progress, results,
//! cleanup) and the events that change it. Domain types; `grpc/convert_ops.rs` maps them to
//! the proto messages.

use std::time::SystemTime;

use crate::federation::LocationStatus;
use crate::location::{CloudRegion, Located};
use crate::plugin::bindings::wit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    CreateServer,
    DeleteServer,
    CreateImage,
}

impl OperationKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::CreateServer => "create-server",
            Self::DeleteServer => "delete-server",
            Self::CreateImage => "create-image",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationState {
    Running,
    Succeeded,
    /// Some locations succeeded, some failed.
    Partial,
    Failed,
}

/// One location's part in an operation.
#[derive(Debug, Clone)]
pub struct Progress {
    pub at: CloudRegion,
    pub phase: String,
    pub message: String,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub resource_id: String,
    /// Set once the location is finished.
    pub status: Option<LocationStatus>,
}

impl Progress {
    pub fn new(at: CloudRegion) -> Self {
        Self {
            at,
            phase: "pending".to_owned(),
            message: String::new(),
            bytes_done: 0,
            bytes_total: 0,
            resource_id: String::new(),
            status: None,
        }
    }
}

/// Whether a cleanup entry is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupState {
    Deleted,
    Pending,
}

impl CleanupState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Deleted => "deleted",
            Self::Pending => "pending",
        }
    }
}

/// Something created on the user's behalf by an operation that failed.
#[derive(Debug, Clone)]
pub struct CleanupEntry {
    pub at: CloudRegion,
    pub kind: String,
    /// Empty when the daemon stopped before the cloud answered the create: then `hint`
    /// says how to find it.
    pub id: String,
    pub operation_id: String,
    pub state: CleanupState,
    pub attempts: u32,
    pub last_error: String,
    pub hint: Hint,
}

/// How to find a resource whose create was sent but whose id never came back (the daemon
/// stopped in between): what it was called, which ones existed before, and when.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hint {
    /// The name the create gave it (servers), empty when it has none.
    pub name: String,
    /// Ids of the same kind that existed before the create (floating IPs).
    pub existing: Vec<String>,
    /// When the intent was recorded, in Unix milliseconds.
    pub since_unix_ms: u64,
}

#[derive(Debug, Clone)]
pub struct OperationRecord {
    pub id: String,
    pub kind: OperationKind,
    pub state: OperationState,
    pub locations: Vec<Progress>,
    pub started_at: SystemTime,
    pub finished_at: Option<SystemTime>,
    pub error: String,
    /// The daemon stopped (crash, restart or shutdown) while the operation ran; the state
    /// is then `Failed`.
    pub interrupted: bool,
    pub servers: Vec<Located<wit::Server>>,
    pub images: Vec<Located<wit::Image>>,
    pub cleanup: Vec<CleanupEntry>,
}

#[derive(Debug, Clone)]
pub enum EventBody {
    Progress(Box<Progress>),
    Server(Box<Located<wit::Server>>),
    Image(Box<Located<wit::Image>>),
    Finished(Box<OperationRecord>),
}

#[derive(Debug, Clone)]
pub struct Event {
    pub operation_id: String,
    pub sequence: u64,
    pub body: EventBody,
}

impl Event {
    pub fn is_final(&self) -> bool {
        matches!(self.body, EventBody::Finished(_))
    }
}
