//! The event loop on the drawing thread: take keys and mouse from the terminal, answers from
//! the poller, update the `App`, redraw. The terminal is restored on every way out: a normal
//! quit, an error (the guard's drop) and a panic (the hook).

use std::io::{self, Stdout};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyEvent, KeyEventKind,
    KeyModifiers, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;

use super::app::{App, Input};
use super::poller::Answer;
use super::render;
use crate::cluster::control::ControlRequest;

/// How often the screen redraws without input, so ages and stale marks move.
const TICK: Duration = Duration::from_millis(250);

/// Raw mode, the alternate screen and mouse capture while alive.
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut stdout = io::stdout();
        if let Err(error) = execute!(stdout, EnterAlternateScreen, EnableMouseCapture) {
            restore();
            return Err(error);
        }
        match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(error) => {
                restore();
                Err(error)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        // Failing to show the cursor again is not worth more than the try.
        let _ = self.terminal.show_cursor();
    }
}

/// Leaves the terminal as it was; each step is tried even when another fails.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen);
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Runs the dashboard until the user quits; `send_fault` takes each fault request the user
/// asked for (it must not block: the answer comes back among `answers`).
pub fn run(
    mut app: App,
    answers: &Receiver<Answer>,
    started: Instant,
    mut send_fault: impl FnMut(ControlRequest),
) -> io::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    app.on_input(Input::Resize {
        rows: render::list_rows(size.height),
    });
    let mut dirty = true;
    let mut last_draw = Instant::now();
    loop {
        if dirty || last_draw.elapsed() >= TICK {
            app.on_tick(ms_since(started));
            guard.terminal.draw(|frame| render::draw(frame, &app))?;
            last_draw = Instant::now();
            dirty = false;
        }
        if event::poll(TICK.saturating_sub(last_draw.elapsed()))? {
            if let Some(input) = input(event::read()?) {
                app.on_input(input);
                dirty = true;
            }
            // Take every event already queued before drawing, so a held key never lags.
            while event::poll(Duration::ZERO)? {
                if let Some(input) = input(event::read()?) {
                    app.on_input(input);
                }
            }
            app.outbox.drain(..).for_each(&mut send_fault);
        }
        while let Ok((poll, at)) = answers.try_recv() {
            app.on_poll(
                poll,
                at.saturating_duration_since(started).as_millis() as u64,
            );
            dirty = true;
        }
        if app.should_quit {
            return Ok(());
        }
    }
}

fn ms_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The terminal's event as an `Input`; `None` for events the dashboard ignores.
fn input(event: Event) -> Option<Input> {
    match event {
        Event::Key(key) => key_input(key),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollUp => Some(Input::ScrollUp),
            MouseEventKind::ScrollDown => Some(Input::ScrollDown),
            _ => None,
        },
        Event::Resize(_, rows) => Some(Input::Resize {
            rows: render::list_rows(rows),
        }),
        _ => None,
    }
}

fn key_input(key: KeyEvent) -> Option<Input> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c')).then_some(Input::Interrupt);
    }
    Some(match key.code {
        KeyCode::Char(c) => Input::Char(c),
        KeyCode::Enter => Input::Enter,
        KeyCode::Esc => Input::Esc,
        KeyCode::Tab => Input::Tab,
        KeyCode::BackTab => Input::BackTab,
        KeyCode::Up => Input::Up,
        KeyCode::Down => Input::Down,
        KeyCode::PageUp => Input::PageUp,
        KeyCode::PageDown => Input::PageDown,
        KeyCode::Home => Input::Home,
        KeyCode::End => Input::End,
        KeyCode::Backspace => Input::Backspace,
        _ => return None,
    })
}
