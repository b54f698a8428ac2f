//! Live streams that come back by themselves. A page's server-sent event
//! stream ends when the server restarts, a proxy drops it, or its lifetime
//! is over (the server ends each after `MEMOREEZ_STREAM_LIFETIME_S`); the
//! browser's own `EventSource` retry gives up after an error answer, and
//! keeps quiet while it retries. [`follow`] opens it again with
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

    let mut failures = 0u32;
    loop {
        let mut heard = false;
        if let Some((_open, mut messages)) = OpenSource::new(&url, events) {
            // `None`: the link dropped (or the server refused it).
            while let Some(Some((event, data))) = messages.next().await {
                heard = true;
                failures = 0;
                link.set(LinkState::Live);
                if let Next::Stop = on_message(&event, data) {
                    return;
                }
            }
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

/// One try at a stream: the browser's `EventSource` with a listener per
/// event and one for errors. Written on `web_sys` rather than gloo-net's
/// stream because that one ignores an error while the browser retries by
/// itself, so a server that went away looked live until it came back, and
/// the page could never say "Reconnecting…". Here any error ends the try
/// and [`follow`] decides when to try again. Dropping it (the page left,
/// or the try ended) closes the connection and removes the listeners.
#[cfg(feature = "hydrate")]
struct OpenSource {
    source: web_sys::EventSource,
    listeners: Vec<(&'static str, MessageListener)>,
    _on_error: wasm_bindgen::closure::Closure<dyn FnMut(web_sys::Event)>,
}

/// What the page does with one named event.
#[cfg(feature = "hydrate")]
type MessageListener = wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>;

#[cfg(feature = "hydrate")]
type Messages = futures::channel::mpsc::UnboundedReceiver<Option<(String, String)>>;

#[cfg(feature = "hydrate")]
impl OpenSource {
    fn new(url: &str, events: &'static [&'static str]) -> Option<(OpenSource, Messages)> {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let source = web_sys::EventSource::new(url).ok()?;
        let (sender, messages) = futures::channel::mpsc::unbounded();
        let listeners = events
            .iter()
            .map(|&event| {
                let sender = sender.clone();
                let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                    move |message: web_sys::MessageEvent| {
                        let data = message.data().as_string().unwrap_or_default();
                        let _ = sender.unbounded_send(Some((event.to_string(), data)));
                    },
                );
                let _ = source.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
                (event, listener)
            })
            .collect();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            let _ = sender.unbounded_send(None);
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some((OpenSource { source, listeners, _on_error: on_error }, messages))
    }
}

#[cfg(feature = "hydrate")]
impl Drop for OpenSource {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;

        self.source.close();
        self.source.set_onerror(None);
        for (event, listener) in &self.listeners {
            let _ = self.source.remove_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
        }
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
