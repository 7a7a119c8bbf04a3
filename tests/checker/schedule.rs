//! A failure schedule derived from a seed: which broker to impair, how, and for how many
//! acknowledged records. The same seed gives the same schedule; which broker a role names
//! (the leader of a partition, the controller) is looked up when the step runs.

use std::fmt;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The partitions of the checked topic.
pub const PARTITIONS: i32 = 2;

/// Which broker a step impairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    LeaderOf(i32),
    /// The first replica of the partition's ISR that does not lead it.
    FollowerOf(i32),
    Controller,
    Broker(i32),
}

/// How a broker is impaired, and how it recovers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Crashed, then started again on its data.
    Kill,
    /// Cut off from the other brokers and the quorum (clients still reach it), then healed.
    Isolate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Records acknowledged (since the step began) before the fault.
    pub before: usize,
    pub fault: Fault,
    pub target: Target,
    /// Records acknowledged while a killed broker is down, before it starts again (an
    /// isolated broker heals once the others elected leaders without it).
    pub during: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub seed: u64,
    pub steps: Vec<Step>,
}

impl Schedule {
    /// The schedule of `seed`, with `steps` steps.
    pub fn from_seed(seed: u64, steps: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let steps = (0..steps)
            .map(|_| {
                let partition = rng.random_range(0..PARTITIONS);
                let target = match rng.random_range(0..8) {
                    0..=3 => Target::LeaderOf(partition),
                    4 | 5 => Target::FollowerOf(partition),
                    6 => Target::Controller,
                    _ => Target::Broker(rng.random_range(0..3)),
                };
                Step {
                    before: rng.random_range(20..200),
                    fault: if rng.random_bool(0.5) {
                        Fault::Kill
                    } else {
                        Fault::Isolate
                    },
                    target,
                    during: rng.random_range(20..200),
                }
            })
            .collect();
        Schedule { seed, steps }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "seed {}:", self.seed)?;
        for (i, step) in self.steps.iter().enumerate() {
            let recover = match step.fault {
                Fault::Kill => format!("start it after {} more acks", step.during),
                Fault::Isolate => "heal it once the others elected leaders".to_string(),
            };
            writeln!(
                f,
                "  {i}: after {} acks, {:?} {:?}; {recover}",
                step.before, step.fault, step.target
            )?;
        }
        Ok(())
    }
}
