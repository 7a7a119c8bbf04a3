//! ApiKey 66 · ListTransactions · v0-1
//!
//! The transactional ids this broker coordinates, filtered by state names (unknown names are
//! returned in `unknown_state_filters`), producer ids and, from v1, by running longer than
//! `duration_filter` ms. Ids being expired (Dead) are never listed.

use kafka_protocol::messages::list_transactions_response::TransactionState;
use kafka_protocol::messages::{
    ListTransactionsRequest, ListTransactionsResponse, ProducerId, RequestHeader, TransactionalId,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::clock::now_ms;
use crate::coord::txn::state::TxnState;

pub fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: ListTransactionsRequest,
) -> ListTransactionsResponse {
    let mut states = Vec::new();
    let mut unknown = Vec::new();
    for name in &request.state_filters {
        match TxnState::from_name(name) {
            Some(state) => states.push(state),
            None => unknown.push(name.clone()),
        }
    }
    let txns = match broker.txn_coordinator.list() {
        Ok(txns) => txns,
        Err(e) => return ListTransactionsResponse::default().with_error_code(e.code()),
    };
    let now = now_ms();
    let listed = txns
        .into_iter()
        .filter(|txn| {
            txn.state != TxnState::Dead
                && (request.producer_id_filters.is_empty()
                    || request
                        .producer_id_filters
                        .contains(&ProducerId(txn.producer_id)))
                && (request.state_filters.is_empty() || states.contains(&txn.state))
                && (request.duration_filter < 0
                    || now - txn.txn_start_timestamp_ms > request.duration_filter)
        })
        .map(|txn| {
            TransactionState::default()
                .with_transactional_id(TransactionalId(StrBytes::from_string(txn.transactional_id)))
                .with_producer_id(ProducerId(txn.producer_id))
                .with_transaction_state(StrBytes::from_static_str(txn.state.name()))
        })
        .collect();
    ListTransactionsResponse::default()
        .with_unknown_state_filters(unknown)
        .with_transaction_states(listed)
}
