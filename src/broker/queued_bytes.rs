//! What all connections of one broker may hold at once, so the broker's memory stays bounded
//! whatever clients do:
//! - request bytes read but not yet handled, up to `queued.max.request.bytes` (Kafka's request
//!   memory pool): a connection reads no further request while the pool is exhausted;
//! - response bytes built but not yet sent, up to `queued.max.response.bytes` (kf's own): a
//!   Fetch asks the log for no more than what is left (past the one batch KIP-74 always
//!   returns), and every response is counted until the socket took it.
//!
//! Each connection also has at most one answer unsent at a time, as Kafka mutes a connection
//! until its response is sent (`broker/connection/`), so a client that never reads pins one
//! response, not a queue of them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct QueuedBytes {
    /// `None` when `queued.max.request.bytes` is unbounded (<= 0).
    requests: Option<Arc<Semaphore>>,
    request_limit: usize,
    responses: Arc<ResponseBytes>,
}

struct ResponseBytes {
    limit: usize,
    /// Bytes of all live [`ResponseCharge`]s; may pass `limit` by forced charges.
    used: AtomicUsize,
}

/// Request bytes a connection holds until its request was handled.
pub struct RequestPermit {
    _held: Option<OwnedSemaphorePermit>,
}

/// Response bytes counted against `queued.max.response.bytes` until dropped.
pub struct ResponseCharge {
    budget: Arc<ResponseBytes>,
    bytes: usize,
}

/// A configured limit in bytes: <= 0 is unbounded, as Kafka's -1.
fn limit(configured: i64) -> usize {
    if configured <= 0 {
        usize::MAX
    } else {
        usize::try_from(configured).unwrap_or(usize::MAX)
    }
}

impl QueuedBytes {
    pub fn new(queued_max_request_bytes: i64, queued_max_response_bytes: i64) -> Self {
        let request_limit = limit(queued_max_request_bytes).min(Semaphore::MAX_PERMITS);
        let requests =
            (queued_max_request_bytes > 0).then(|| Arc::new(Semaphore::new(request_limit)));
        Self {
            requests,
            request_limit,
            responses: Arc::new(ResponseBytes {
                limit: limit(queued_max_response_bytes),
                used: AtomicUsize::new(0),
            }),
        }
    }

    /// Waits until a request of `size` bytes may be read. A request larger than the whole
    /// pool waits for all of it, so it is read alone rather than never.
    pub async fn admit_request(&self, size: usize) -> RequestPermit {
        let Some(requests) = &self.requests else {
            return RequestPermit { _held: None };
        };
        let wanted = size.min(self.request_limit);
        let wanted = u32::try_from(wanted).unwrap_or(u32::MAX);
        // The semaphore is never closed, so acquiring only fails if it were.
        RequestPermit {
            _held: Arc::clone(requests).acquire_many_owned(wanted).await.ok(),
        }
    }

    /// Room for a request of `size` bytes if the pool has it now.
    pub fn try_admit_request(&self, size: usize) -> Option<RequestPermit> {
        let Some(requests) = &self.requests else {
            return Some(RequestPermit { _held: None });
        };
        let wanted = size.min(self.request_limit);
        let wanted = u32::try_from(wanted).unwrap_or(u32::MAX);
        let held = Arc::clone(requests).try_acquire_many_owned(wanted).ok()?;
        Some(RequestPermit { _held: Some(held) })
    }

    /// Request bytes read and not yet handled, over all connections.
    pub fn queued_request_bytes(&self) -> usize {
        self.requests.as_ref().map_or(0, |requests| {
            self.request_limit
                .saturating_sub(requests.available_permits())
        })
    }

    /// Response bytes built and not yet sent, over all connections.
    pub fn pending_response_bytes(&self) -> usize {
        self.responses.used.load(Ordering::Acquire)
    }

    /// Counts `bytes` of a response built whatever is left: a response that exists is sent.
    pub fn charge_response(&self, bytes: usize) -> ResponseCharge {
        self.responses.used.fetch_add(bytes, Ordering::AcqRel);
        ResponseCharge {
            budget: Arc::clone(&self.responses),
            bytes,
        }
    }

    /// An empty charge, to grow as a response is built.
    pub fn response_reservation(&self) -> ResponseCharge {
        self.charge_response(0)
    }
}

impl ResponseCharge {
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Grows the charge towards `wanted` bytes, as far as the limit allows; returns its size.
    pub fn grow_up_to(&mut self, wanted: usize) -> usize {
        let budget = &self.budget;
        let mut used = budget.used.load(Ordering::Acquire);
        loop {
            let extra = wanted
                .saturating_sub(self.bytes)
                .min(budget.limit.saturating_sub(used));
            if extra == 0 {
                return self.bytes;
            }
            match budget.used.compare_exchange_weak(
                used,
                used + extra,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    self.bytes += extra;
                    return self.bytes;
                }
                Err(now) => used = now,
            }
        }
    }

    /// Sets the charge to `bytes`: gives back what was not needed, or counts what a response
    /// took beyond it (the one batch a Fetch returns whatever its limit).
    pub fn set(&mut self, bytes: usize) {
        if bytes > self.bytes {
            self.budget
                .used
                .fetch_add(bytes - self.bytes, Ordering::AcqRel);
        } else {
            self.budget
                .used
                .fetch_sub(self.bytes - bytes, Ordering::AcqRel);
        }
        self.bytes = bytes;
    }
}

impl Drop for ResponseCharge {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn responses_get_what_is_left_and_give_it_back() {
        let queued = QueuedBytes::new(-1, 100);
        let mut first = queued.response_reservation();
        assert_eq!(first.grow_up_to(70), 70);
        let mut second = queued.response_reservation();
        assert_eq!(second.grow_up_to(70), 30);
        assert_eq!(queued.pending_response_bytes(), 100);
        // A response larger than its grant is still counted.
        second.set(45);
        assert_eq!(queued.pending_response_bytes(), 115);
        first.set(10);
        assert_eq!(queued.pending_response_bytes(), 55);
        drop(first);
        drop(second);
        assert_eq!(queued.pending_response_bytes(), 0);
        let forced = queued.charge_response(500);
        assert_eq!(queued.pending_response_bytes(), 500);
        assert_eq!(queued.response_reservation().grow_up_to(10), 0);
        drop(forced);
        assert_eq!(queued.pending_response_bytes(), 0);
    }

    #[tokio::test]
    async fn requests_wait_while_the_pool_is_exhausted() {
        let queued = Arc::new(QueuedBytes::new(100, -1));
        let first = queued.admit_request(80).await;
        assert_eq!(queued.queued_request_bytes(), 80);
        let waiting = {
            let queued = Arc::clone(&queued);
            tokio::spawn(async move { queued.admit_request(50).await })
        };
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(first);
        let second = tokio::time::timeout(std::time::Duration::from_secs(60), waiting)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(queued.queued_request_bytes(), 50);
        drop(second);
        // Larger than the whole pool: admitted alone.
        let huge = queued.admit_request(1_000).await;
        assert_eq!(queued.queued_request_bytes(), 100);
        drop(huge);
        assert_eq!(queued.queued_request_bytes(), 0);
        assert!(QueuedBytes::new(-1, -1)
            .admit_request(1 << 40)
            .await
            ._held
            .is_none());
    }
}
