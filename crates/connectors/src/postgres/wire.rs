//! A minimal synchronous PostgreSQL wire-protocol client for *replication* connections
//! (`replication=database`): startup and authentication (trust, cleartext, MD5, SCRAM-SHA-256),
//! simple queries with text results (for `CREATE_REPLICATION_SLOT`), and the copy-both stream
//! of `START_REPLICATION` (reading `CopyData`, sending standby status updates).
//!
//! The regular `postgres` crate cannot enter copy-both mode, hence this small client.
//! Frontend messages are encoded with `postgres-protocol`; backend frames are read here.

use std::io::{self, Read, Write};
use std::net::TcpStream;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ::postgres::config::Host;
use ::postgres::Config;
use bytes::{Buf, BufMut, BytesMut};
use postgres_protocol::authentication::md5_hash;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256, SCRAM_SHA_256};
use postgres_protocol::message::frontend;

/// A failure of the replication connection.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WireError {
    /// The socket failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The server answered with an error.
    #[error("server error {code}: {message}")]
    Server {
        /// SQLSTATE.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The server said something this client does not understand.
    #[error("protocol error: {0}")]
    Protocol(String),
}

/// The socket: TCP or a Unix-domain socket.
enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

impl Stream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(timeout),
            #[cfg(unix)]
            Stream::Unix(s) => s.set_read_timeout(timeout),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            #[cfg(unix)]
            Stream::Unix(s) => s.flush(),
        }
    }
}

/// One backend message: its tag and body.
pub(crate) struct Frame {
    /// Message type byte.
    pub tag: u8,
    /// The body (without tag and length).
    pub body: BytesMut,
}

/// A replication connection.
pub(crate) struct ReplicationConnection {
    stream: Stream,
    buf: BytesMut,
}

/// Microseconds from the Unix epoch to PostgreSQL's epoch (2000-01-01).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl ReplicationConnection {
    /// Opens a logical replication connection to the first host of `config` (session settings:
    /// UTC, ISO dates, UTF-8).
    pub(crate) fn connect(config: &Config) -> Result<Self, WireError> {
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let timeout = config
            .get_connect_timeout()
            .copied()
            .unwrap_or(Duration::from_secs(5));
        let stream = match config.get_hosts().first() {
            Some(Host::Tcp(host)) => Stream::Tcp(connect_tcp(host, port, timeout)?),
            #[cfg(unix)]
            Some(Host::Unix(dir)) => {
                Stream::Unix(UnixStream::connect(dir.join(format!(".s.PGSQL.{port}")))?)
            }
            None => Stream::Tcp(connect_tcp("localhost", port, timeout)?),
        };
        let mut conn = ReplicationConnection {
            stream,
            buf: BytesMut::with_capacity(64 * 1024),
        };
        let user = config.get_user().unwrap_or("postgres").to_string();
        let dbname = config.get_dbname().unwrap_or(&user).to_string();
        let params = [
            ("user", user.as_str()),
            ("database", dbname.as_str()),
            ("replication", "database"),
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, YMD"),
            ("TimeZone", "UTC"),
            ("extra_float_digits", "3"),
            ("application_name", "tributary"),
        ];
        let mut out = BytesMut::new();
        frontend::startup_message(params.iter().copied(), &mut out)?;
        conn.send(&out)?;
        conn.authenticate(user.as_bytes(), config.get_password().unwrap_or(b""))?;
        conn.wait_ready()?;
        Ok(conn)
    }

    fn authenticate(&mut self, user: &[u8], password: &[u8]) -> Result<(), WireError> {
        let mut scram: Option<ScramSha256> = None;
        loop {
            let mut frame = self.read_frame()?;
            match frame.tag {
                b'R' => {}
                b'E' => return Err(server_error(&frame.body)),
                other => {
                    return Err(WireError::Protocol(format!(
                        "unexpected message `{}` during authentication",
                        other as char
                    )))
                }
            }
            let code = frame.body.get_i32();
            let mut out = BytesMut::new();
            match code {
                0 => return Ok(()),
                3 => frontend::password_message(password, &mut out)?,
                5 => {
                    let mut salt = [0u8; 4];
                    frame.body.copy_to_slice(&mut salt);
                    let hash = md5_hash(user, password, salt);
                    frontend::password_message(hash.as_bytes(), &mut out)?;
                }
                10 => {
                    let offered = String::from_utf8_lossy(&frame.body).into_owned();
                    if !offered.split('\0').any(|m| m == SCRAM_SHA_256) {
                        return Err(WireError::Protocol(format!(
                            "no supported SASL mechanism among {offered:?}"
                        )));
                    }
                    let s = ScramSha256::new(password, ChannelBinding::unsupported());
                    frontend::sasl_initial_response(SCRAM_SHA_256, s.message(), &mut out)?;
                    scram = Some(s);
                }
                11 | 12 => {
                    let s = scram
                        .as_mut()
                        .ok_or_else(|| WireError::Protocol("SASL without a start".into()))?;
                    if code == 11 {
                        s.update(&frame.body)?;
                        frontend::sasl_response(s.message(), &mut out)?;
                    } else {
                        s.finish(&frame.body)?;
                        continue;
                    }
                }
                other => {
                    return Err(WireError::Protocol(format!(
                        "unsupported authentication method {other}"
                    )))
                }
            }
            self.send(&out)?;
        }
    }

    /// Reads messages until `ReadyForQuery`; the first server error is returned after it.
    fn wait_ready(&mut self) -> Result<(), WireError> {
        let mut error = None;
        loop {
            let frame = self.read_frame()?;
            match frame.tag {
                b'Z' => return error.map_or(Ok(()), Err),
                b'E' => {
                    error.get_or_insert(server_error(&frame.body));
                }
                _ => {}
            }
        }
    }

    /// Runs a simple query; returns the rows of its result, cells as text (`None` = NULL).
    pub(crate) fn simple_query(
        &mut self,
        sql: &str,
    ) -> Result<Vec<Vec<Option<String>>>, WireError> {
        let mut out = BytesMut::new();
        frontend::query(sql, &mut out)?;
        self.send(&out)?;
        let mut rows = Vec::new();
        let mut error = None;
        loop {
            let mut frame = self.read_frame()?;
            match frame.tag {
                b'D' => rows.push(data_row(&mut frame.body)?),
                b'E' => {
                    error.get_or_insert(server_error(&frame.body));
                }
                b'Z' => return error.map_or(Ok(rows), Err),
                _ => {}
            }
        }
    }

    /// Sends `START_REPLICATION …` and waits for the copy-both response.
    pub(crate) fn start_replication(&mut self, sql: &str) -> Result<(), WireError> {
        let mut out = BytesMut::new();
        frontend::query(sql, &mut out)?;
        self.send(&out)?;
        loop {
            let frame = self.read_frame()?;
            match frame.tag {
                b'W' => return Ok(()),
                b'E' => {
                    let error = server_error(&frame.body);
                    let _ = self.wait_ready();
                    return Err(error);
                }
                _ => {}
            }
        }
    }

    /// The next `CopyData` payload of the replication stream, waiting at most `timeout`
    /// (`Ok(None)` on timeout). A server error or the end of the stream is an error.
    pub(crate) fn next_copy_data(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<BytesMut>, WireError> {
        if self.frame_ready().is_none() {
            self.stream.set_read_timeout(Some(timeout))?;
            let got = self.fill();
            self.stream.set_read_timeout(None)?;
            match got {
                Ok(()) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(e.into()),
            }
            if self.frame_ready().is_none() {
                return Ok(None);
            }
        }
        let frame = self.read_frame()?;
        match frame.tag {
            b'd' => Ok(Some(frame.body)),
            b'E' => Err(server_error(&frame.body)),
            b'c' => Err(WireError::Protocol(
                "the server ended the replication stream".into(),
            )),
            _ => Ok(Some(BytesMut::new())),
        }
    }

    /// Sends a standby status update: everything up to `lsn` is written, flushed and applied.
    pub(crate) fn send_status(&mut self, lsn: u64, reply: bool) -> Result<(), WireError> {
        let mut out = BytesMut::with_capacity(40);
        out.put_u8(b'd');
        out.put_i32(4 + 34);
        out.put_u8(b'r');
        out.put_u64(lsn);
        out.put_u64(lsn);
        out.put_u64(lsn);
        out.put_i64(now_pg_micros());
        out.put_u8(u8::from(reply));
        self.send(&out)
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        self.stream.write_all(bytes)?;
        self.stream.flush()?;
        Ok(())
    }

    /// The length of the complete frame at the start of the buffer, if any.
    fn frame_ready(&self) -> Option<usize> {
        if self.buf.len() < 5 {
            return None;
        }
        let len = u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]]) as usize;
        (self.buf.len() > len).then_some(len + 1)
    }

    /// Reads once from the socket into the buffer.
    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 64 * 1024];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Reads one whole backend message (blocking).
    fn read_frame(&mut self) -> Result<Frame, WireError> {
        loop {
            if let Some(total) = self.frame_ready() {
                if total < 5 {
                    return Err(WireError::Protocol("invalid message length".into()));
                }
                let mut frame = self.buf.split_to(total);
                let tag = frame[0];
                frame.advance(5);
                return Ok(Frame { tag, body: frame });
            }
            self.fill()?;
        }
    }
}

impl Drop for ReplicationConnection {
    fn drop(&mut self) {
        let mut out = BytesMut::new();
        frontend::terminate(&mut out);
        let _ = self.stream.write_all(&out);
    }
}

fn connect_tcp(host: &str, port: u16, timeout: Duration) -> io::Result<TcpStream> {
    use std::net::ToSocketAddrs;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The current time in microseconds since PostgreSQL's epoch.
fn now_pg_micros() -> i64 {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    micros - PG_EPOCH_MICROS
}

/// The cells of a `DataRow` body.
fn data_row(body: &mut BytesMut) -> Result<Vec<Option<String>>, WireError> {
    let short = || WireError::Protocol("truncated data row".into());
    if body.len() < 2 {
        return Err(short());
    }
    let n = body.get_i16();
    let mut cells = Vec::with_capacity(n.max(0) as usize);
    for _ in 0..n {
        if body.len() < 4 {
            return Err(short());
        }
        let len = body.get_i32();
        if len < 0 {
            cells.push(None);
            continue;
        }
        let len = len as usize;
        if body.len() < len {
            return Err(short());
        }
        let cell = body.split_to(len);
        cells.push(Some(String::from_utf8_lossy(&cell).into_owned()));
    }
    Ok(cells)
}

/// The SQLSTATE and message of an `ErrorResponse` body.
fn server_error(body: &[u8]) -> WireError {
    let mut code = String::new();
    let mut message = String::new();
    let mut rest = body;
    while let Some((&field, tail)) = rest.split_first() {
        if field == 0 {
            break;
        }
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        let text = String::from_utf8_lossy(&tail[..end]).into_owned();
        match field {
            b'C' => code = text,
            b'M' => message = text,
            _ => {}
        }
        rest = tail.get(end + 1..).unwrap_or(&[]);
    }
    WireError::Server { code, message }
}
