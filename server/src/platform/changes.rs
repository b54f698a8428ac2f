//! Live updates: every open page's stream (staff dashboards, order pages,
//! job progress, concepts) waits here for news of what it shows, then reads
//! the database — the truth — and sends what changed.
//!
//! On PostgreSQL the database announces each change itself (triggers call
//! `pg_notify('memoreez', '<topic>:<id>')`, delivered at commit), and every
//! instance listens, so a change made through any instance, worker or psql
//! reaches the pages open on all of them at once. The streams still re-read
//! every couple of seconds, so news lost with a dropped connection only
//! delays a page. On SQLite (one machine, one instance) there is no such
//! channel: the streams re-read every few hundred milliseconds, as before.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

/// The channel the database announces on (see migrations/postgres/0015).
pub const CHANNEL: &str = "memoreez";

/// "Something may have changed that you did not hear of": every stream re-reads.
const EVERYTHING: &str = "*";

/// How often a stream re-reads while news arrives by the channel.
const LISTENING_POLL: Duration = Duration::from_secs(2);

#[derive(Clone, Debug)]
pub struct Changes {
    news: broadcast::Sender<Arc<str>>,
    /// The PostgreSQL listener is connected: streams need not poll fast.
    listening: Arc<AtomicBool>,
    open: Arc<OpenStreams>,
}

/// How many streams may be open, and for how long.
#[derive(Clone, Copy, Debug)]
pub struct StreamLimits {
    /// Per client address (`MEMOREEZ_STREAMS_PER_CLIENT`).
    pub per_client: usize,
    /// In all, on this instance (`MEMOREEZ_STREAMS_MAX`).
    pub most: usize,
    /// A stream ends after this long; the page's browser opens a new one
    /// (`MEMOREEZ_STREAM_LIFETIME_S`).
    pub lifetime: Duration,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits { per_client: 16, most: 4096, lifetime: Duration::from_secs(30 * 60) }
    }
}

#[derive(Debug)]
struct OpenStreams {
    limits: StreamLimits,
    places: crate::platform::places::Places,
}

/// Why a stream was not opened: the address has its share open (429),
/// or the instance has as many as it takes (503).
pub use crate::platform::places::Refusal as StreamRefusal;

impl Default for Changes {
    fn default() -> Self {
        Changes::new()
    }
}

impl Changes {
    pub fn new() -> Changes {
        Changes::with_limits(StreamLimits::default())
    }

    pub fn with_limits(limits: StreamLimits) -> Changes {
        Changes {
            news: broadcast::channel(1024).0,
            listening: Arc::new(AtomicBool::new(false)),
            open: Arc::new(OpenStreams {
                limits,
                places: crate::platform::places::Places::new(limits.per_client, limits.most),
            }),
        }
    }

    /// A new stream for `client`, within the caps; it ends by itself after
    /// the streams' lifetime.
    pub fn open_for(&self, client: &str) -> Result<Following, StreamRefusal> {
        let place = self.open.places.take(client)?;
        let mut following = self.follow();
        following.place = Some(place);
        following.ends_at = tokio::time::Instant::now() + self.open.limits.lifetime;
        Ok(following)
    }

    /// Streams open now, in all.
    pub fn open_streams(&self) -> usize {
        self.open.places.taken()
    }

    /// Tells this instance's streams that `topic` (`lab:<job>`, `order:<id>`,
    /// `job:<id>`, `creation:<id>`) changed.
    pub fn announce(&self, topic: &str) {
        // No stream open: nobody to tell.
        let _ = self.news.send(Arc::from(topic));
    }

    /// `notify` while the PostgreSQL listener is connected, else `polling`.
    pub fn mode(&self) -> &'static str {
        match self.listening.load(Ordering::Relaxed) {
            true => "notify",
            false => "polling",
        }
    }

    /// A place in the news with no cap and no end (for work inside the server).
    pub fn follow(&self) -> Following {
        Following {
            news: self.news.subscribe(),
            listening: self.listening.clone(),
            place: None,
            // Far enough to be never.
            ends_at: tokio::time::Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600),
        }
    }
}

/// One stream's subscription.
pub struct Following {
    news: broadcast::Receiver<Arc<str>>,
    listening: Arc<AtomicBool>,
    /// Held for as long as the stream is open.
    #[allow(dead_code)]
    place: Option<crate::platform::places::Place>,
    ends_at: tokio::time::Instant,
}

impl Following {
    /// Returns once the stream's lifetime is over (never for a place with no end).
    pub async fn lifetime_over(&self) {
        tokio::time::sleep_until(self.ends_at).await;
    }

    /// Returns `true` when news of a topic `wanted` accepts arrives, or when
    /// it is time to re-read anyway: after `poll` on SQLite, after a couple
    /// of seconds while the PostgreSQL listener is connected. `false`: the
    /// stream's lifetime is over, and it should end.
    pub async fn next(&mut self, wanted: impl Fn(&str) -> bool, poll: Duration) -> bool {
        let poll = match self.listening.load(Ordering::Relaxed) {
            true => poll.max(LISTENING_POLL),
            false => poll,
        };
        if tokio::time::Instant::now() >= self.ends_at {
            return false;
        }
        let deadline = tokio::time::sleep_until(self.ends_at.min(tokio::time::Instant::now() + poll));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = &mut deadline => return true,
                heard = self.news.recv() => match heard {
                    Ok(topic) if &*topic == EVERYTHING || wanted(&topic) => return true,
                    Ok(_) => {}
                    // Missed some: re-read to be sure.
                    Err(broadcast::error::RecvError::Lagged(_)) => return true,
                    Err(broadcast::error::RecvError::Closed) => {
                        deadline.as_mut().await;
                        return true;
                    }
                },
            }
        }
    }
}

/// `lab:<job>` for any job: the dashboards follow them all.
pub fn is_lab(topic: &str) -> bool {
    topic.starts_with("lab:")
}

/// The topic for one thing, e.g. `topic("order", id)`.
pub fn topic(kind: &str, id: &str) -> String {
    format!("{kind}:{id}")
}

/// Listens on PostgreSQL's `memoreez` channel for as long as the instance
/// runs, passing every announcement to this instance's streams; reconnects
/// after a lost connection (telling every stream to re-read, since news may
/// have been missed meanwhile).
pub async fn listen(database_url: String, changes: Changes) {
    loop {
        match PgListener::connect(&database_url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    changes.listening.store(true, Ordering::Relaxed);
                    changes.announce(EVERYTHING);
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(notification)) => changes.announce(notification.payload()),
                            // Lost and reconnected (sqlx listens again by itself).
                            Ok(None) => changes.announce(EVERYTHING),
                            Err(error) => {
                                tracing::warn!(%error, "live updates: the database connection dropped");
                                break;
                            }
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "live updates: could not listen"),
            },
            Err(error) => tracing::warn!(%error, "live updates: could not connect to listen"),
        }
        changes.listening.store(false, Ordering::Relaxed);
        changes.announce(EVERYTHING);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_stream_wakes_for_its_topic_and_otherwise_polls() {
        let changes = Changes::new();
        let mut following = changes.follow();
        let order = topic("order", "abc");

        // Another order's news does not wake it; the poll does.
        let start = tokio::time::Instant::now();
        let waiting = following.next(|t| t == order, Duration::from_millis(400));
        changes.announce("order:other");
        waiting.await;
        assert_eq!(start.elapsed(), Duration::from_millis(400));

        // Its own news, and "everything", wake it at once.
        for news in [order.as_str(), EVERYTHING] {
            let start = tokio::time::Instant::now();
            changes.announce(news);
            following.next(|t| t == order, Duration::from_secs(60)).await;
            assert_eq!(start.elapsed(), Duration::ZERO, "{news}");
        }

        // While PostgreSQL announces changes, streams re-read only every two seconds.
        changes.listening.store(true, Ordering::Relaxed);
        let start = tokio::time::Instant::now();
        following.next(is_lab, Duration::from_millis(400)).await;
        assert_eq!(start.elapsed(), LISTENING_POLL);
    }
}
