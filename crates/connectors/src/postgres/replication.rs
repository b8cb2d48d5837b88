//! The replication stream's own thread: reads `XLogData` from the copy-both stream, decodes
//! the `pgoutput` messages and hands them to the reader through a bounded channel; sends
//! standby status updates (the LSN the reader acknowledged, i.e. whose commit the engine has
//! taken) when it advances, when the server asks, and every few seconds.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::pgoutput::{decode, parse_frame, Message, StreamFrame};
use super::wire::{ReplicationConnection, WireError};

/// Messages buffered between the thread and the reader.
const CAPACITY: usize = 16 * 1024;
/// How long one socket read waits (the stop flag is checked in between).
const READ_WAIT: Duration = Duration::from_millis(50);
/// Status updates are sent at least this often.
const STATUS_EVERY: Duration = Duration::from_secs(5);

/// What the thread hands over.
pub(crate) enum Item {
    /// A decoded `pgoutput` message.
    Message(Message),
    /// The stream failed; nothing follows.
    Failed(String),
}

/// The reader's handle of the replication thread.
pub(crate) struct ReplicationStream {
    rx: Receiver<Item>,
    acked: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ReplicationStream {
    /// Starts reading a connection already in copy-both mode; `start` is the slot's start LSN.
    pub(crate) fn start(conn: ReplicationConnection, start: u64) -> ReplicationStream {
        let (tx, rx) = sync_channel(CAPACITY);
        let acked = Arc::new(AtomicU64::new(start));
        let stop = Arc::new(AtomicBool::new(false));
        let mut pump = Pump {
            conn,
            tx,
            acked: acked.clone(),
            stop: stop.clone(),
            sent: start,
            last_status: Instant::now(),
        };
        let thread = std::thread::Builder::new()
            .name("tributary-pg-replication".into())
            .spawn(move || pump.run())
            .ok();
        ReplicationStream {
            rx,
            acked,
            stop,
            thread,
        }
    }

    /// The next item, if one is waiting.
    pub(crate) fn try_next(&self) -> Option<Item> {
        match self.rx.try_recv() {
            Ok(item) => Some(item),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(Item::Failed("the replication stream ended".into()))
            }
        }
    }

    /// Acknowledges everything up to `lsn` (sent with the next status update).
    pub(crate) fn ack(&self, lsn: u64) {
        self.acked.fetch_max(lsn, Ordering::SeqCst);
    }
}

impl Drop for ReplicationStream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Pump {
    conn: ReplicationConnection,
    tx: SyncSender<Item>,
    acked: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    /// The LSN of the last status update sent.
    sent: u64,
    last_status: Instant,
}

impl Pump {
    fn run(&mut self) {
        if let Err(e) = self.pump() {
            let _ = self.tx.try_send(Item::Failed(e.to_string()));
        }
    }

    fn pump(&mut self) -> Result<(), WireError> {
        while !self.stop.load(Ordering::SeqCst) {
            self.status(false)?;
            let Some(data) = self.conn.next_copy_data(READ_WAIT)? else {
                continue;
            };
            let item = match parse_frame(data).map_err(|e| WireError::Protocol(e.to_string()))? {
                StreamFrame::XLogData { data, .. } => {
                    Item::Message(decode(data).map_err(|e| WireError::Protocol(e.to_string()))?)
                }
                StreamFrame::Keepalive { reply } => {
                    if reply {
                        self.status(true)?;
                    }
                    continue;
                }
                StreamFrame::Other => continue,
            };
            if !self.deliver(item)? {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Sends a status update when the acknowledged LSN advanced, when `now`, or periodically.
    fn status(&mut self, now: bool) -> Result<(), WireError> {
        let acked = self.acked.load(Ordering::SeqCst);
        if now || acked > self.sent || self.last_status.elapsed() >= STATUS_EVERY {
            self.conn.send_status(acked, false)?;
            self.sent = acked;
            self.last_status = Instant::now();
        }
        Ok(())
    }

    /// Hands `item` over, waiting while the channel is full (still sending status updates so
    /// that the server does not time the connection out). `false` when the reader is gone.
    fn deliver(&mut self, mut item: Item) -> Result<bool, WireError> {
        loop {
            match self.tx.try_send(item) {
                Ok(()) => return Ok(true),
                Err(TrySendError::Disconnected(_)) => return Ok(false),
                Err(TrySendError::Full(back)) => {
                    if self.stop.load(Ordering::SeqCst) {
                        return Ok(false);
                    }
                    item = back;
                    std::thread::sleep(Duration::from_millis(2));
                    self.status(false)?;
                }
            }
        }
    }
}
