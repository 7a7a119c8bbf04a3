//! What a response's `authorized_operations` fields say. kf brokers have no authorizer, so every
//! operation Kafka supports on a resource is allowed, and these are the sets a Kafka broker
//! without an authorizer answers (`AclEntry.supportedOperations`, one bit per `AclOperation`
//! code) when a request asks for them; [`OMITTED`] when it does not.

/// Kafka's "not asked for" value.
pub const OMITTED: i32 = i32::MIN;

const READ: i32 = 1 << 3;
const WRITE: i32 = 1 << 4;
const CREATE: i32 = 1 << 5;
const DELETE: i32 = 1 << 6;
const ALTER: i32 = 1 << 7;
const DESCRIBE: i32 = 1 << 8;
const CLUSTER_ACTION: i32 = 1 << 9;
const DESCRIBE_CONFIGS: i32 = 1 << 10;
const ALTER_CONFIGS: i32 = 1 << 11;
const IDEMPOTENT_WRITE: i32 = 1 << 12;

pub const TOPIC: i32 =
    READ | WRITE | CREATE | DELETE | ALTER | DESCRIBE | DESCRIBE_CONFIGS | ALTER_CONFIGS;
pub const GROUP: i32 = READ | DESCRIBE | DELETE | DESCRIBE_CONFIGS | ALTER_CONFIGS;
pub const CLUSTER: i32 = CREATE
    | CLUSTER_ACTION
    | DESCRIBE_CONFIGS
    | ALTER_CONFIGS
    | IDEMPOTENT_WRITE
    | ALTER
    | DESCRIBE;

/// `operations` if the request asked for them, else [`OMITTED`].
pub fn if_asked(asked: bool, operations: i32) -> i32 {
    if asked {
        operations
    } else {
        OMITTED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sets as the numbers on the wire, worked out by hand from Kafka's `AclOperation`
    /// codes: a slip in the bits above shows here.
    #[test]
    fn sets_are_kafkas() {
        assert_eq!((TOPIC, GROUP, CLUSTER), (3576, 3400, 8096));
    }
}
