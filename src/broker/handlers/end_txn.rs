//! ApiKey 26 · EndTxn · v0-5
//!
//! Commits or aborts the producer's transaction: the coordinator writes PrepareCommit or
//! PrepareAbort to `__transaction_state` and answers; the markers go to every partition of the
//! transaction afterwards, then the Complete record. From v5 the answer carries the producer id
//! and epoch to go on with. Before v2 PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH.
//!
//! v5+ is a `transaction.version` 2 client (KIP-890 part 2), as Kafka decides it from the
//! request version: the coordinator bumps the epoch with the Prepare record, the markers carry
//! the bumped epoch and the answer gives it (a retry with the epoch before the bump gets the
//! same answer). Clients send v5 only when ApiVersions finalizes `transaction.version` 2.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::{EndTxnRequest, EndTxnResponse, ProducerId, RequestHeader};

use crate::broker::Broker;

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: EndTxnRequest,
) -> EndTxnResponse {
    let result = broker
        .txn_coordinator
        .end_txn(
            broker,
            &request.transactional_id,
            request.producer_id.0,
            request.producer_epoch,
            request.committed,
            if header.request_api_version >= 5 {
                2
            } else {
                0
            },
        )
        .await;
    match result {
        Ok((producer_id, producer_epoch)) => EndTxnResponse::default()
            .with_producer_id(ProducerId(producer_id))
            .with_producer_epoch(producer_epoch),
        Err(error) => {
            let error = if error == ResponseError::ProducerFenced && header.request_api_version < 2
            {
                ResponseError::InvalidProducerEpoch
            } else {
                error
            };
            EndTxnResponse::default()
                .with_error_code(error.code())
                .with_producer_id(ProducerId(-1))
                .with_producer_epoch(-1)
        }
    }
}
