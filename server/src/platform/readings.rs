//! One database read per topic, shared by every stream that shows it.
//!
//! A hundred customers watching one job's progress, or every staff
//! dashboard watching the lab, used to mean one query per stream per poll.
//! Now the first stream for a topic starts a reader: it reads once, then
//! again on news of the topic (see `changes`) or when the poll comes round,
//! and hands each new value to every stream following the topic. The
//! reader stops when the last of them closes.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::watch;

use crate::platform::changes::{Changes, Following};

/// The readers of one kind of thing (jobs, orders, …), by topic.
pub struct Readings<T> {
    open: Arc<Mutex<HashMap<String, Weak<Reader<T>>>>>,
    /// Reads made by all of them since start (for tests and the curious).
    reads: Arc<AtomicU64>,
}

impl<T> Clone for Readings<T> {
    fn clone(&self) -> Self {
        Readings { open: self.open.clone(), reads: self.reads.clone() }
    }
}

impl<T> Default for Readings<T> {
    fn default() -> Self {
        Readings { open: Arc::default(), reads: Arc::default() }
    }
}

impl<T> std::fmt::Debug for Readings<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readings").field("readers", &self.readers()).finish()
    }
}

/// A topic's reader: its task ends when the last follower drops this.
struct Reader<T> {
    value: watch::Receiver<Option<T>>,
    task: tokio::task::AbortHandle,
}

impl<T> Drop for Reader<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a stream follows: the topic's shared value, within the stream's
/// place and lifetime.
pub struct Followed<T> {
    reader: Arc<Reader<T>>,
    value: watch::Receiver<Option<T>>,
    stream: Following,
}

impl<T> Readings<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    /// Follows `topic` for a stream that holds `stream` (its place among
    /// the open streams). If no reader has the topic yet, one starts:
    /// `read` gives the value now (`None`: not readable at the moment;
    /// the last value stands), and is called again on news that `wanted`
    /// accepts, or after `poll`.
    pub fn follow<R, F>(
        &self,
        changes: &Changes,
        topic: &str,
        (wanted, poll): (fn(&str, &str) -> bool, Duration),
        stream: Following,
        read: R,
    ) -> Followed<T>
    where
        R: Fn() -> F + Send + 'static,
        F: Future<Output = Option<T>> + Send + 'static,
    {
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        open.retain(|_, reader| reader.strong_count() > 0);
        let reader = match open.get(topic).and_then(Weak::upgrade) {
            Some(reader) => reader,
            None => {
                let (sender, value) = watch::channel(None);
                let (news, reads, own_topic) = (changes.follow(), self.reads.clone(), topic.to_string());
                let task =
                    tokio::spawn(read_while_followed(sender, news, reads, (own_topic, wanted, poll), read));
                let reader = Arc::new(Reader { value, task: task.abort_handle() });
                open.insert(topic.to_string(), Arc::downgrade(&reader));
                reader
            }
        };
        let mut value = reader.value.clone();
        // A new follower sees the value there is at once.
        value.mark_changed();
        Followed { reader, value, stream }
    }
}

impl<T> Readings<T> {
    /// Topics being read now.
    pub fn readers(&self) -> usize {
        let open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        open.values().filter(|reader| reader.strong_count() > 0).count()
    }

    /// Reads made so far, by every reader.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }
}

async fn read_while_followed<T, R, F>(
    sender: watch::Sender<Option<T>>,
    mut news: Following,
    reads: Arc<AtomicU64>,
    (topic, wanted, poll): (String, fn(&str, &str) -> bool, Duration),
    read: R,
) where
    T: PartialEq,
    R: Fn() -> F,
    F: Future<Output = Option<T>>,
{
    loop {
        reads.fetch_add(1, Ordering::Relaxed);
        if let Some(now) = read().await {
            sender.send_if_modified(|last| match last.as_ref() == Some(&now) {
                true => false,
                false => {
                    *last = Some(now);
                    true
                }
            });
        }
        news.next(|heard| wanted(&topic, heard), poll).await;
    }
}

impl<T: Clone> Followed<T> {
    /// The topic's next value (the current one first); `None` once the
    /// stream's lifetime is over, and it should end.
    pub async fn next(&mut self) -> Option<T> {
        loop {
            tokio::select! {
                changed = self.value.changed() => {
                    // The reader is held by this follower, so it never goes first.
                    changed.ok()?;
                    if let Some(value) = self.value.borrow_and_update().clone() {
                        return Some(value);
                    }
                }
                () = self.stream.lifetime_over() => return None,
            }
        }
    }

    /// Whether this follower shares its reader with `other`.
    pub fn shares_reader_with(&self, other: &Followed<T>) -> bool {
        Arc::ptr_eq(&self.reader, &other.reader)
    }
}

/// News of exactly the topic.
pub fn same_topic(topic: &str, heard: &str) -> bool {
    topic == heard
}

/// News of any lab job or printer (the dashboards show them all).
pub fn any_lab_job(_topic: &str, heard: &str) -> bool {
    crate::platform::changes::is_lab(heard) || heard.starts_with("printer:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_of_one_topic_share_one_reader() {
        let changes = Changes::new();
        let readings: Readings<u32> = Readings::default();
        let counter = Arc::new(AtomicU64::new(0));
        let follow = |topic: &str| {
            let counter = counter.clone();
            readings.follow(
                &changes,
                topic,
                (same_topic, Duration::from_secs(60)),
                changes.open_for("test").unwrap(),
                move || {
                    let counter = counter.clone();
                    async move { Some(counter.fetch_add(1, Ordering::SeqCst) as u32) }
                },
            )
        };
        let mut first = follow("job:a");
        let mut second = follow("job:a");
        let other = follow("job:b");
        assert!(first.shares_reader_with(&second) && !first.shares_reader_with(&other));
        assert_eq!(readings.readers(), 2);
        let seen = first.next().await.unwrap();
        assert_eq!(second.next().await.unwrap(), seen);
        // News of the topic: one more read, both hear it.
        changes.announce("job:a");
        let next = first.next().await.unwrap();
        assert!(next > seen);
        assert_eq!(second.next().await.unwrap(), next);
        drop((first, second));
        assert_eq!(readings.readers(), 1, "the last follower gone, the reader goes");
        drop(other);
        assert_eq!(readings.readers(), 0);
    }
}
