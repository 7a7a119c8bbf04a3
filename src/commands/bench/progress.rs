//! The run's output: report lines on stdout, and a progress bar on stderr when stderr is a
//! terminal (hidden otherwise, so logs and pipes get only the lines).

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const TEMPLATE: &str = "{bar:40} {pos}/{len} records  {per_sec}  eta {eta}";

#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar counting to `total` records, drawn only when stderr is a terminal.
    pub fn new(total: u64) -> Progress {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress { bar }
    }

    /// Adds `records` to the bar.
    pub fn advance(&self, records: u64) {
        self.bar.inc(records);
    }

    /// Prints one line on stdout without tearing the bar.
    pub fn line(&self, line: &str) -> std::io::Result<()> {
        self.bar.suspend(|| {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{line}")?;
            stdout.flush()
        })
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
