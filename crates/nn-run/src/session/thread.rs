//! A session on its own thread: the [`TrainerHandle`] that sends commands and
//! drains events, and [`spawn`].

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Instant;

use nn_train::Trainer;

use super::{Command, Control, Event, SessionOptions, Wait};

use super::drive::drive;

/// A trainer running on its own thread.
#[derive(Debug)]
pub struct TrainerHandle {
    commands: Sender<Command>,
    events: Receiver<Event>,
    thread: JoinHandle<Trainer>,
}

impl TrainerHandle {
    /// Sends a command; ignored if the run has already ended.
    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// The event stream; drain it with `try_iter()` each frame.
    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }

    /// Whether the training thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Stops the run (if still going) and returns the trainer.
    pub fn join(self) -> Trainer {
        let _ = self.commands.send(Command::Stop);
        drop(self.events); // unblocks a trainer waiting on a full channel
        match self.thread.join() {
            Ok(trainer) => trainer,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// Events queued before droppable ones (progress, snapshots) start being dropped.
const EVENT_QUEUE: usize = 256;

/// The control of a spawned trainer: commands from and events to its handle.
struct Threaded {
    commands: Receiver<Command>,
    events: SyncSender<Event>,
}
impl Control for Threaded {
    fn next(&mut self, wait: Wait) -> Option<Command> {
        match wait {
            // A dropped handle disconnects the channel, which ends the wait.
            Wait::Forever => return Some(self.commands.recv().unwrap_or(Command::Stop)),
            Wait::Until(t) => {
                return match self
                    .commands
                    .recv_timeout(t.saturating_duration_since(Instant::now()))
                {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => Some(Command::Stop),
                };
            }
            Wait::No => {}
        }
        match self.commands.try_recv() {
            Ok(c) => Some(c),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Command::Stop),
        }
    }
    fn emit(&mut self, event: Event, droppable: bool) {
        if droppable {
            if let Err(TrySendError::Disconnected(_)) = self.events.try_send(event) {}
        } else {
            let _ = self.events.send(event);
        }
    }
}

/// Moves `trainer` to a new thread and runs it; see the module docs.
pub fn spawn(mut trainer: Trainer, options: SessionOptions) -> TrainerHandle {
    let (command_tx, command_rx) = mpsc::channel();
    let (event_tx, event_rx) = mpsc::sync_channel(EVENT_QUEUE);
    let thread = std::thread::Builder::new()
        .name("nn-train".into())
        .spawn(move || {
            let mut control = Threaded {
                commands: command_rx,
                events: event_tx,
            };
            // The whole run on a worker thread: no hand-off per step.
            if let Err(e) = trainer.in_pool(|t| drive(t, &options, &mut control)) {
                control.emit(Event::Log(e.to_string()), false);
            }
            trainer
        })
        .expect("the OS can start one thread");
    TrainerHandle {
        commands: command_tx,
        events: event_rx,
        thread,
    }
}
