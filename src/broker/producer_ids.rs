//! Producer ids for idempotent producers: the broker hands them out from a block the controller
//! allocated to it (AllocateProducerIds, recorded in the metadata log as a ProducerIdsRecord), as
//! Kafka's `ProducerIdManager` does, asking for the next block when one runs out.

use std::sync::Mutex;

use kafka_protocol::error::ResponseError;

use super::Broker;
use crate::metadata::{ApiError, ControllerRequest, ControllerResponse, ProducerIdBlock};

/// What is left of this broker's current block.
#[derive(Debug, Default)]
pub struct ProducerIdPool {
    next: i64,
    end: i64,
}

impl ProducerIdPool {
    fn take(&mut self) -> Option<i64> {
        (self.next < self.end).then(|| {
            self.next += 1;
            self.next - 1
        })
    }

    fn refill(&mut self, block: ProducerIdBlock) {
        self.next = block.first_producer_id;
        self.end = block.first_producer_id + i64::from(block.producer_id_len);
    }
}

impl Broker {
    /// A producer id never handed out before, cluster-wide.
    pub async fn next_producer_id(&self, pool: &Mutex<ProducerIdPool>) -> Result<i64, ApiError> {
        loop {
            if let Some(id) = pool
                .lock()
                .map_err(|_| ApiError::bare(ResponseError::UnknownServerError))?
                .take()
            {
                return Ok(id);
            }
            let block = match self
                .controller_call(ControllerRequest::AllocateProducerIds {
                    broker_id: self.broker_id,
                })
                .await?
            {
                ControllerResponse::AllocateProducerIds(block) => block?,
                _ => return Err(ApiError::bare(ResponseError::UnknownServerError)),
            };
            pool.lock()
                .map_err(|_| ApiError::bare(ResponseError::UnknownServerError))?
                .refill(block);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_used_up_in_order() {
        let mut pool = ProducerIdPool::default();
        assert_eq!(pool.take(), None);
        pool.refill(ProducerIdBlock {
            first_producer_id: 1000,
            producer_id_len: 2,
        });
        assert_eq!(pool.take(), Some(1000));
        assert_eq!(pool.take(), Some(1001));
        assert_eq!(pool.take(), None);
    }
}
