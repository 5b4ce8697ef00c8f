//! [`Readers`]: connections the store keeps out of sqlx's pool for its single-statement reads
//! (a `GET` by id, a lookup by `userName`, a first page that holds every match).
//!
//! sqlx's pool, handed a connection back, pings it before it takes it again (a task spawned on
//! every release, and a round trip to the connection's worker thread: two context switches of a
//! lookup's four, whatever `test_before_acquire` says). A SQLite connection is a file handle in
//! this process that cannot go stale, so the ping only matters after a read that did not run to
//! its end. A reader here is taken with a `try_lock` and handed back by [`Reader::release`]
//! once its read has finished, with no ping. A reader dropped without that (its request went
//! over the time limit, or its client went away) may still be running its statement, which
//! sqlx's worker finishes before its next command: it stays locked until a ping says the worker
//! is idle, so no read queues behind it. When every reader is busy the read takes a connection
//! from the pool as before, so a burst never waits for the readers.
//!
//! A private in-memory database (`sqlite::memory:`) exists in its one connection only, so it
//! keeps no readers: every read goes through the pool. Readers are closed with the pool, before
//! it, so that the last connection to close checkpoints the WAL.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqlitePool};
use sqlx::{ConnectOptions, Connection, Sqlite};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

use super::storage_error;
use crate::error::ScimResult;

/// How many connections a file database keeps for reads, besides the pool's.
pub(super) const READERS: usize = 4;

/// One reader: `None` once closed.
type Slot = Arc<Mutex<Option<SqliteConnection>>>;

/// The store's reader connections (none for an in-memory database).
#[derive(Default)]
pub(super) struct Readers {
    slots: Box<[Slot]>,
    /// Where the next read starts looking for a free reader, so reads spread over them.
    next: AtomicUsize,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").field("count", &self.slots.len()).finish_non_exhaustive()
    }
}

/// A connection for one read: a reader, or one from the pool when none is free. Hand it back
/// with [`Reader::release`] once its read has finished; dropped without that (the read failed,
/// or its future was dropped half-way), a reader stays locked until a ping, which its worker
/// answers after whatever it is still running, says it is idle, so that no read is queued
/// behind an abandoned one.
#[derive(Debug)]
pub(super) struct Reader {
    connection: Option<Held>,
}

#[derive(Debug)]
enum Held {
    Kept(OwnedMappedMutexGuard<Option<SqliteConnection>, SqliteConnection>),
    Pooled(PoolConnection<Sqlite>),
}

impl Readers {
    /// `count` connections opened with `options` (the pool's).
    pub(super) async fn open(options: &SqliteConnectOptions, count: usize) -> ScimResult<Readers> {
        let mut slots = Vec::with_capacity(count);
        for _ in 0..count {
            let connection = options.connect().await.map_err(|e| storage_error("open a reader connection", &e))?;
            slots.push(Arc::new(Mutex::new(Some(connection))));
        }
        Ok(Readers { slots: slots.into_boxed_slice(), next: AtomicUsize::new(0) })
    }

    /// A free reader, else a connection from `pool`.
    pub(super) async fn reader(&self, pool: &SqlitePool) -> ScimResult<Reader> {
        let count = self.slots.len();
        if count > 0 {
            let start = self.next.fetch_add(1, Ordering::Relaxed);
            for offset in 0..count {
                // A closed reader's slot is empty: skipped, so reads go on to the pool.
                if let Ok(guard) = Arc::clone(&self.slots[(start + offset) % count]).try_lock_owned()
                    && let Ok(connection) = OwnedMutexGuard::try_map(guard, Option::as_mut)
                {
                    return Ok(Reader { connection: Some(Held::Kept(connection)) });
                }
            }
        }
        let connection = pool.acquire().await.map_err(|e| storage_error("take a connection", &e))?;
        Ok(Reader { connection: Some(Held::Pooled(connection)) })
    }

    /// Close every reader (waiting for a read in progress to finish).
    pub(super) async fn close(&self) {
        for slot in &*self.slots {
            if let Some(connection) = slot.lock().await.take() {
                // Closing is best effort, as the pool's own close is.
                let _ = connection.close().await;
            }
        }
    }
}

impl Reader {
    /// Hand the connection back after a finished read: a reader at once, a pool connection
    /// to its pool (which pings it, as sqlx does).
    pub(super) fn release(mut self) {
        drop(self.connection.take());
    }

    /// Whether this is one of the store's readers (for tests).
    #[cfg(test)]
    fn is_kept(&self) -> bool {
        matches!(self.connection, Some(Held::Kept(_)))
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let Some(Held::Kept(mut connection)) = self.connection.take() else { return };
        // Not released: the worker may still be running the read. Held locked until it answers.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = connection.ping().await;
            });
        }
    }
}

impl Deref for Reader {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match &self.connection {
            Some(Held::Kept(connection)) => connection,
            Some(Held::Pooled(connection)) => connection,
            None => unreachable!("a reader's connection is taken only by release and drop, which consume it"),
        }
    }
}

impl DerefMut for Reader {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match &mut self.connection {
            Some(Held::Kept(connection)) => connection,
            Some(Held::Pooled(connection)) => connection,
            None => unreachable!("a reader's connection is taken only by release and drop, which consume it"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;
    use std::time::{Duration, Instant};

    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

    use super::{Reader, Readers};

    /// A fresh WAL database file with a table `t (n)`, its pool, and its options.
    async fn database(name: &str) -> (std::path::PathBuf, SqliteConnectOptions, SqlitePool) {
        let dir = std::env::temp_dir().join(format!("scim-readers-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", dir.join("r.db").display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new().max_connections(2).connect_with(options.clone()).await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER)").execute(&pool).await.unwrap();
        (dir, options, pool)
    }

    async fn close_and_remove(readers: Readers, pool: SqlitePool, dir: std::path::PathBuf) {
        readers.close().await;
        pool.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }

    async fn count(reader: &mut Reader) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(&mut **reader).await.unwrap()
    }

    /// Readers see what the pool's connections committed, and a read finding every reader
    /// busy takes a pool connection instead of waiting.
    #[tokio::test]
    async fn readers_see_committed_writes_and_a_busy_set_falls_back_to_the_pool() {
        let (dir, options, pool) = database("busy").await;
        let readers = Readers::open(&options, 2).await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1), (2)").execute(&pool).await.unwrap();
        let mut first = readers.reader(&pool).await.unwrap();
        let mut second = readers.reader(&pool).await.unwrap();
        let mut third = readers.reader(&pool).await.unwrap();
        assert!(first.is_kept() && second.is_kept());
        assert!(!third.is_kept(), "{third:?}");
        for reader in [&mut first, &mut second, &mut third] {
            assert_eq!(count(reader).await, 2);
        }
        for reader in [first, second, third] {
            reader.release();
        }
        sqlx::query("INSERT INTO t VALUES (3)").execute(&pool).await.unwrap();
        let mut again = readers.reader(&pool).await.unwrap();
        assert!(again.is_kept());
        assert_eq!(count(&mut again).await, 3);
        again.release();
        close_and_remove(readers, pool, dir).await;
    }

    /// A read abandoned half-way (its request went over the time limit and its future was
    /// dropped) keeps its reader out of use while the worker still runs it: the next read goes
    /// to the pool instead of queueing behind it, and the reader serves again once idle.
    #[tokio::test]
    async fn an_abandoned_read_keeps_its_reader_out_of_use_until_it_is_idle() {
        let (dir, options, pool) = database("abandoned").await;
        let readers = Readers::open(&options, 1).await.unwrap();
        sqlx::query("INSERT INTO t VALUES (7)").execute(&pool).await.unwrap();
        // About a second of work for SQLite, returning its one row at the end.
        let long = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000000) \
                    SELECT sum(i) FROM c";
        let mut reader = readers.reader(&pool).await.unwrap();
        assert!(reader.is_kept());
        let abandoned =
            tokio::time::timeout(Duration::from_millis(20), sqlx::query_scalar::<_, i64>(long).fetch_one(&mut *reader))
                .await;
        assert!(abandoned.is_err(), "the long statement finished within 20 ms: {abandoned:?}");
        drop(reader);
        let mut next = readers.reader(&pool).await.unwrap();
        assert!(!next.is_kept(), "a reader still running an abandoned read was handed out");
        assert_eq!(count(&mut next).await, 1);
        next.release();
        let waited = Instant::now();
        let mut reader = loop {
            let reader = readers.reader(&pool).await.unwrap();
            if reader.is_kept() {
                break reader;
            }
            reader.release();
            assert!(waited.elapsed() < Duration::from_secs(120), "the reader never came back");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let n: i64 = sqlx::query_scalar("SELECT n FROM t").fetch_one(&mut *reader).await.unwrap();
        assert_eq!(n, 7);
        reader.release();
        close_and_remove(readers, pool, dir).await;
    }

    /// Closed readers hand out nothing: reads go to the pool (and fail once it is closed too),
    /// and closing the readers and then the pool checkpoints the WAL into the file.
    #[tokio::test]
    async fn closed_readers_leave_reads_to_the_pool_and_the_file_complete() {
        let (dir, options, pool) = database("closed").await;
        let readers = Readers::open(&options, 2).await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)").execute(&pool).await.unwrap();
        readers.reader(&pool).await.unwrap().release();
        readers.close().await;
        let mut reader = readers.reader(&pool).await.unwrap();
        assert!(!reader.is_kept(), "{reader:?}");
        assert_eq!(count(&mut reader).await, 1);
        reader.release();
        pool.close().await;
        assert!(readers.reader(&pool).await.is_err());
        // Every connection closed: the WAL is empty or gone, its pages in the file.
        let wal = dir.join("r.db-wal");
        assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0, "the WAL was left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
