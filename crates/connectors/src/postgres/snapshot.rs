//! The snapshot read: a thread that owns the snapshot transaction, fetches its cursor
//! (`tributary_snapshot`) in batches and hands them to the reader through a short queue, so
//! that the server's work and the conversion of the previous batch overlap. The transaction
//! is committed after the last batch.

use std::sync::mpsc::{sync_channel, Receiver};

use ::postgres::{Client, SimpleQueryMessage, SimpleQueryRow};

/// Rows fetched from the cursor per round trip.
const FETCH: usize = 10_000;
/// Batches fetched ahead of the reader.
const AHEAD: usize = 2;

/// The reader's end of the snapshot thread.
pub(crate) struct Snapshot {
    rx: Receiver<Result<Vec<SimpleQueryRow>, String>>,
    /// Rows handed out so far.
    pub rows: u64,
}

impl Snapshot {
    /// Starts fetching from the cursor `tributary_snapshot` open on `client`.
    pub(crate) fn new(mut client: Client) -> Snapshot {
        let (tx, rx) = sync_channel(AHEAD);
        std::thread::Builder::new()
            .name("tributary-pg-snapshot".into())
            .spawn(move || loop {
                let fetched = client
                    .simple_query(&format!("FETCH FORWARD {FETCH} FROM tributary_snapshot"))
                    .map_err(|e| e.to_string());
                let rows: Result<Vec<SimpleQueryRow>, String> = fetched.map(|messages| {
                    messages
                        .into_iter()
                        .filter_map(|m| match m {
                            SimpleQueryMessage::Row(row) => Some(row),
                            _ => None,
                        })
                        .collect()
                });
                let last = match &rows {
                    Ok(rows) if rows.len() < FETCH => {
                        if let Err(e) = client.batch_execute("COMMIT") {
                            let _ = tx.send(Err(e.to_string()));
                            return;
                        }
                        true
                    }
                    Ok(_) => false,
                    Err(_) => true,
                };
                if tx.send(rows).is_err() || last {
                    return;
                }
            })
            .ok();
        Snapshot { rx, rows: 0 }
    }

    /// The next batch of rows (blocking); `Ok(None)` after the last one.
    pub(crate) fn next_batch(&mut self) -> Result<Option<Vec<SimpleQueryRow>>, String> {
        match self.rx.recv() {
            Ok(Ok(rows)) => Ok(Some(rows)),
            Ok(Err(e)) => Err(e),
            Err(_) => Ok(None),
        }
    }
}
