//! The fault keys of the Cluster view: on a local `kf cluster up`, `k` kills the selected
//! broker, `s` starts it, `i` isolates it, `h` heals its links and `H` every link. The App only
//! queues the control-socket request; the event loop sends it and the answer comes back as a
//! `Poll::Fault` notice.

use super::{App, ListId};
use crate::cluster::control::ControlRequest;
use crate::tui::rows;

impl App {
    pub(super) fn fault_key(&mut self, key: char) {
        if self.local.is_none() {
            self.notify(
                format!(
                    "fault keys work only on a local kf cluster (kf cluster up); {} is not one",
                    self.source
                ),
                true,
            );
            return;
        }
        let brokers = rows::broker_rows(self);
        let selected = brokers
            .get(self.selected(ListId::Brokers, brokers.len()))
            .map(|b| b.id);
        let (request, doing) = match (key, selected) {
            ('H', _) => (
                ControlRequest::Heal { broker_id: None },
                "healing every link".to_string(),
            ),
            (_, None) => {
                self.notify("no broker selected".to_string(), true);
                return;
            }
            ('k', Some(id)) => (
                ControlRequest::Kill { broker_id: id },
                format!("killing broker {id}"),
            ),
            ('s', Some(id)) => (
                ControlRequest::Start { broker_id: id },
                format!("starting broker {id}"),
            ),
            ('i', Some(id)) => (
                ControlRequest::Isolate { broker_id: id },
                format!("isolating broker {id}"),
            ),
            ('h', Some(id)) => (
                ControlRequest::Heal {
                    broker_id: Some(id),
                },
                format!("healing broker {id}'s links"),
            ),
            _ => return,
        };
        self.outbox.push(request);
        self.notify(format!("{doing}…"), false);
    }
}
