//! Live streams that come back by themselves. A page's server-sent event
//! stream ends when the server restarts, a proxy drops it, or its lifetime
//! is over (the server ends each after `MEMOREEZ_STREAM_LIFETIME_S`); the
//! browser's own `EventSource` retry gives up after an error answer, and
//! gloo's stream ends at the first error. [`follow`] opens it again with
//! backoff, telling the page how the link stands, and after three failed
//! tries in a row falls back to asking the page to poll every 45 s while it
//! keeps trying.

use leptos::prelude::*;

/// How a page's live stream stands, for the words beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Connecting,
    Live,
    /// Lost; trying again.
    Reconnecting,
    /// Three tries failed: the page reloads itself every 45 s meanwhile.
    Polling,
}

impl LinkState {
    pub fn words(self) -> &'static str {
        match self {
            LinkState::Connecting => "Connecting…",
            LinkState::Live => "Live",
            LinkState::Reconnecting => "Reconnecting…",
            LinkState::Polling => "Not live: checking every 45 s",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Connecting => "connecting",
            LinkState::Live => "live",
            LinkState::Reconnecting => "reconnecting",
            LinkState::Polling => "polling",
        }
    }
}

/// "Reconnecting…" while a page's stream is away (nothing while it is live).
#[component]
pub fn LinkNotice(link: RwSignal<LinkState>) -> impl IntoView {
    view! {
        <Show when=move || matches!(link.get(), LinkState::Reconnecting | LinkState::Polling)>
            <p class="link-notice" role="status" data-testid="link-notice">{move || link.get().words()}</p>
        </Show>
    }
}

/// Failed tries in a row after which the page polls.
pub const TRIES_BEFORE_POLLING: u32 = 3;
/// How often a page polls (and tries the stream again) once it does.
pub const POLL_MS: u32 = 45_000;

/// The wait before the next try after `failures` failed ones in a row: a
/// quarter second after a stream that worked and ended, then 1, 2 and 4 s,
/// then the polling interval.
pub fn backoff_ms(failures: u32) -> u32 {
    match failures {
        0 => 250,
        n if n < TRIES_BEFORE_POLLING + 1 => 1_000 << (n - 1).min(4),
        _ => POLL_MS,
    }
}

/// Waits `ms` milliseconds in the browser.
#[cfg(feature = "hydrate")]
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// What the page does with each message: go on, or stop following.
pub enum Next {
    More,
    Stop,
}

/// Follows `url`'s `events` for as long as the page lives: each message
/// goes to `on_message(event, data)`; `link` says how the stream stands;
/// `on_poll` runs every 45 s while the stream cannot be had.
#[cfg(feature = "hydrate")]
pub async fn follow(
    url: String,
    events: &'static [&'static str],
    link: RwSignal<LinkState>,
    mut on_message: impl FnMut(&str, String) -> Next,
    mut on_poll: impl FnMut(),
) {
    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;

    let mut failures = 0u32;
    loop {
        let mut heard = false;
        if let Ok(mut source) = EventSource::new(&url) {
            let streams: Vec<_> = events.iter().filter_map(|event| source.subscribe(*event).ok()).collect();
            let mut messages = futures::stream::select_all(streams);
            while let Some(Ok((event, message))) = messages.next().await {
                heard = true;
                failures = 0;
                link.set(LinkState::Live);
                if let Next::Stop = on_message(&event, message.data().as_string().unwrap_or_default()) {
                    source.close();
                    return;
                }
            }
            source.close();
        }
        if !heard {
            failures += 1;
        }
        if failures >= TRIES_BEFORE_POLLING {
            link.set(LinkState::Polling);
            on_poll();
        } else {
            link.set(LinkState::Reconnecting);
        }
        sleep(backoff_ms(failures)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tries_back_off_then_poll_every_45_seconds() {
        let waits: Vec<u32> = (0..6).map(backoff_ms).collect();
        assert_eq!(waits, [250, 1_000, 2_000, 4_000, 45_000, 45_000]);
    }
}
