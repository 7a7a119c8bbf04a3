//! One of a broker's TCP listeners (Kafka's `listeners`): accepts connections and serves each
//! on its own task. Every connection knows the listener it came through, so that handlers answer
//! with the addresses advertised on that listener.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::connection::serve_connection;
use super::Broker;

/// How long the accept loop waits after a failed accept (such as EMFILE), as Kafka's acceptor.
const ACCEPT_BACKOFF: std::time::Duration = std::time::Duration::from_millis(100);

/// A listener's name, upper case as Kafka normalises it (PLAINTEXT, INTERNAL, ...).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListenerName(Arc<str>);

impl ListenerName {
    pub fn new(name: &str) -> Self {
        ListenerName(Arc::from(name.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A running accept loop; dropping it does not stop it, [`BrokerListener::stop`] does.
pub struct BrokerListener {
    pub name: ListenerName,
    pub local_addr: SocketAddr,
    accept_task: JoinHandle<()>,
}

impl BrokerListener {
    /// Starts serving `broker` on an already bound listener named `name`.
    pub fn start(
        broker: Arc<Broker>,
        name: ListenerName,
        listener: TcpListener,
    ) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let connection_listener = name.clone();
        let accept_task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            connections.spawn(serve_connection(
                                broker.clone(),
                                connection_listener.clone(),
                                stream,
                            ));
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
            name,
            local_addr,
            accept_task,
        })
    }

    /// Stops accepting and closes every connection of this listener.
    pub fn stop(self) {
        self.accept_task.abort();
    }
}
