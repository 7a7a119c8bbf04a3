//! A broker's TCP listener: accepts connections and serves each on its own task.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::connection::serve_connection;
use super::Broker;

/// How long the accept loop waits after a failed accept (such as EMFILE), as Kafka's acceptor.
const ACCEPT_BACKOFF: std::time::Duration = std::time::Duration::from_millis(100);

/// A running accept loop; dropping it does not stop it, [`BrokerListener::stop`] does.
pub struct BrokerListener {
    pub local_addr: SocketAddr,
    accept_task: JoinHandle<()>,
}

impl BrokerListener {
    /// Starts serving `broker` on an already bound listener.
    pub fn start(broker: Arc<Broker>, listener: TcpListener) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let accept_task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            connections.spawn(serve_connection(broker.clone(), stream));
                        }
                        // Out of descriptors: the waiting connection stays queued, so accepting
                        // again at once would spin; wait for connections or logs to close some.
                        Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
                    },
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Ok(BrokerListener {
            local_addr,
            accept_task,
        })
    }

    /// Stops accepting and closes every connection of this listener.
    pub fn stop(self) {
        self.accept_task.abort();
    }
}
