//! What handlers ask a group and what it answers: Kafka's request fields, without wire
//! versions. Errors are Kafka's error codes (`ResponseError`).

use bytes::Bytes;
use kafka_protocol::error::ResponseError;

/// Kafka's "no member id yet".
pub const UNKNOWN_MEMBER_ID: &str = "";

#[derive(Debug, Clone)]
pub struct JoinGroup {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub session_timeout_ms: i32,
    pub rebalance_timeout_ms: i32,
    pub protocol_type: String,
    /// (name, metadata) in the member's order of preference.
    pub protocols: Vec<(String, Bytes)>,
    /// JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED and its id.
    pub require_known_member_id: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub metadata: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinResult {
    pub error: Option<ResponseError>,
    pub generation_id: i32,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub leader: String,
    pub skip_assignment: bool,
    pub member_id: String,
    /// Every member with its metadata for the chosen protocol: for the leader only.
    pub members: Vec<JoinedMember>,
}

impl JoinResult {
    pub fn error(error: ResponseError, member_id: &str) -> Self {
        JoinResult {
            error: Some(error),
            generation_id: -1,
            protocol_type: None,
            protocol_name: None,
            leader: String::new(),
            skip_assignment: false,
            member_id: member_id.to_string(),
            members: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SyncGroup {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub generation_id: i32,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    /// From the leader: (member id, assignment).
    pub assignments: Vec<(String, Bytes)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncResult {
    pub error: Option<ResponseError>,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub assignment: Bytes,
}

impl SyncResult {
    pub fn error(error: ResponseError) -> Self {
        SyncResult {
            error: Some(error),
            protocol_type: None,
            protocol_name: None,
            assignment: Bytes::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Heartbeat {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub generation_id: i32,
}

/// One member of a LeaveGroup.
#[derive(Debug, Clone)]
pub struct LeavingMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
}

/// A group-level error, or one result per leaving member.
pub type LeaveResult = Result<Vec<Option<ResponseError>>, ResponseError>;

/// One partition's committed offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOffset {
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: String,
    pub commit_timestamp_ms: i64,
    /// Set by OffsetCommit v2-4's retention time; -1 when the broker's retention applies.
    pub expire_timestamp_ms: i64,
}

/// OffsetCommit for one group: the generation and member are checked as Kafka's classic group
/// does before anything is written.
#[derive(Debug, Clone)]
pub struct CommitOffsets {
    /// -1 for a commit from outside group management (admin tools, manual assignment).
    pub generation_id: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    /// -1: the broker's `offsets.retention.minutes`.
    pub retention_time_ms: i64,
    /// The error OffsetCommit returns for a group that does not exist: ILLEGAL_GENERATION
    /// before v9, GROUP_ID_NOT_FOUND from v9 (only when `generation_id` >= 0).
    pub unknown_group_error: ResponseError,
    pub offsets: Vec<(String, i32, CommittedOffset)>,
}

/// TxnOffsetCommit for one group (KIP-447): the producer's offsets, pending in its transaction.
/// The generation and member are checked as for OffsetCommit, but not the group's state.
#[derive(Debug, Clone)]
pub struct TxnCommitOffsets {
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// -1 before v3, and from a producer outside group management.
    pub generation_id: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub offsets: Vec<(String, i32, CommittedOffset)>,
}

/// A group-level error, or one result per partition in request order.
pub type CommitResult = Result<Vec<Option<ResponseError>>, ResponseError>;

/// Offsets to fetch: `None` for every committed partition of the group.
pub type FetchOffsets = Option<Vec<(String, Vec<i32>)>>;

/// Who asks OffsetFetch (v9+): a consumer-protocol member gives its id and epoch, which are
/// checked as Kafka does; an admin or a client outside group management gives neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetFetcher {
    pub member_id: Option<String>,
    /// -1 when not given.
    pub member_epoch: i32,
}

impl OffsetFetcher {
    /// Before v9: nobody in particular.
    pub const ANONYMOUS: OffsetFetcher = OffsetFetcher {
        member_id: None,
        member_epoch: -1,
    };

    pub fn is_anonymous(&self) -> bool {
        self.member_id.is_none() && self.member_epoch < 0
    }
}

/// (topic, partition, committed offset if any); with `require_stable`, UNSTABLE_OFFSET_COMMIT
/// for a partition with offsets pending in a transaction.
pub type FetchedOffsets = Vec<(String, i32, Result<Option<CommittedOffset>, ResponseError>)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub metadata: Bytes,
    pub assignment: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    pub state: &'static str,
    pub protocol_type: String,
    pub protocol_name: String,
    pub members: Vec<DescribedMember>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupListing {
    pub group_id: String,
    pub protocol_type: String,
    pub state: &'static str,
    /// "classic" or "consumer" (ListGroups v5).
    pub group_type: &'static str,
}
