//! ApiKey 22 · InitProducerId · v0-5
//!
//! Without a transactional id: an idempotent producer gets a new producer id at epoch 0;
//! sequence numbers are then checked per partition by the log's producer state.
//!
//! With one: the transaction coordinator of that id (`coord/txn`) bumps the epoch, fencing the
//! previous producer (aborting its open transaction first and answering CONCURRENT_TRANSACTIONS,
//! so the producer retries), and from v3 checks the producer id and epoch the producer says it
//! has (KIP-360). Before v4 PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH, as Kafka does
//! for clients that predate it.
//!
//! Differs from Kafka: `keep_prepared_txn` (KIP-939, v6) is not served. While the id's
//! `__transaction_state` partition loads (or is led but not taken up yet), the request waits for
//! the load (up to 2 s, `coord::partition_loader`) before COORDINATOR_LOAD_IN_PROGRESS, as every
//! transactional request does; Kafka answers it at once.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::{
    InitProducerIdRequest, InitProducerIdResponse, ProducerId, RequestHeader,
};

use crate::broker::Broker;

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: InitProducerIdRequest,
) -> InitProducerIdResponse {
    let result = match &request.transactional_id {
        Some(transactional_id) => {
            let expected = (request.producer_id.0 >= 0 || request.producer_epoch >= 0)
                .then_some((request.producer_id.0, request.producer_epoch));
            broker
                .txn_coordinator
                .init_producer_id(
                    broker,
                    transactional_id,
                    request.transaction_timeout_ms,
                    expected,
                )
                .await
        }
        None => broker
            .next_producer_id(&broker.producer_ids)
            .await
            .map(|id| (id, 0))
            .map_err(|e| e.code),
    };
    let response = InitProducerIdResponse::default();
    match result {
        Ok((producer_id, producer_epoch)) => response
            .with_producer_id(ProducerId(producer_id))
            .with_producer_epoch(producer_epoch),
        Err(error) => {
            let error = if error == ResponseError::ProducerFenced && header.request_api_version < 4
            {
                ResponseError::InvalidProducerEpoch
            } else {
                error
            };
            response
                .with_error_code(error.code())
                .with_producer_id(ProducerId(-1))
                .with_producer_epoch(-1)
        }
    }
}
