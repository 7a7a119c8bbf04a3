//! ApiKey 60 · DescribeCluster · v0-2
//!
//! The cluster id, the active controller and the brokers, from this broker's metadata image.
//! Fenced (stopped) brokers are listed only when v2's `include_fenced_brokers` asks. Only the
//! broker endpoint type (1) exists here; asking for controllers (2) gets UNSUPPORTED_ENDPOINT_TYPE
//! as from a Kafka broker. Brokers are answered with the address they advertise on the listener
//! the request came through; a broker without that listener is left out.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::{
    BrokerId, DescribeClusterRequest, DescribeClusterResponse, RequestHeader,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::authorized_operations::{self, if_asked};
use crate::broker::listener::ListenerName;
use crate::broker::Broker;

const BROKER_ENDPOINTS: i8 = 1;

pub fn handle(
    broker: &Broker,
    listener: &ListenerName,
    header: &RequestHeader,
    request: DescribeClusterRequest,
) -> DescribeClusterResponse {
    let image = broker.image();
    let response = DescribeClusterResponse::default()
        .with_endpoint_type(BROKER_ENDPOINTS)
        .with_cluster_id(StrBytes::from_string(
            image.cluster_id.clone().unwrap_or_default(),
        ))
        .with_cluster_authorized_operations(if_asked(
            request.include_cluster_authorized_operations,
            authorized_operations::CLUSTER,
        ));
    if header.request_api_version >= 1 && request.endpoint_type != BROKER_ENDPOINTS {
        return response
            .with_error_code(ResponseError::UnsupportedEndpointType.code())
            .with_error_message(Some(StrBytes::from_static_str(
                "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER",
            )))
            .with_controller_id(BrokerId(-1));
    }
    let brokers = image
        .brokers
        .values()
        .filter(|b| b.alive || request.include_fenced_brokers)
        .filter_map(|b| {
            let (host, port) = b.endpoint(listener.as_str())?;
            Some(
                DescribeClusterBroker::default()
                    .with_broker_id(BrokerId(b.broker_id))
                    .with_host(StrBytes::from_string(host.to_string()))
                    .with_port(port)
                    .with_rack(b.rack.clone().map(StrBytes::from_string))
                    .with_is_fenced(!b.alive),
            )
        })
        .collect();
    response
        .with_controller_id(BrokerId(broker.quorum.leader_id().unwrap_or(-1)))
        .with_brokers(brokers)
}
