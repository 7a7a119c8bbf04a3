//! ApiKey 22 · InitProducerId · v0-5
//!
//! Gives an idempotent producer (no transactional id) a new producer id at epoch 0; sequence
//! numbers are then checked per partition by the log's producer state.
//!
//! Differs from Kafka until transactions arrive: a request with a transactional id gets
//! NOT_COORDINATOR, as from a broker that does not coordinate that id (and FindCoordinator
//! answers transaction keys with COORDINATOR_NOT_AVAILABLE, so transactional clients stop there).

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::{
    InitProducerIdRequest, InitProducerIdResponse, ProducerId, RequestHeader,
};

use crate::broker::Broker;

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: InitProducerIdRequest,
) -> InitProducerIdResponse {
    let response = InitProducerIdResponse::default();
    if request.transactional_id.is_some() {
        return response
            .with_error_code(ResponseError::NotCoordinator.code())
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1);
    }
    match broker.next_producer_id(&broker.producer_ids).await {
        Ok(id) => response
            .with_producer_id(ProducerId(id))
            .with_producer_epoch(0),
        Err(e) => response
            .with_error_code(e.code.code())
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1),
    }
}
