//! The staff dashboard's live feed: `GET /api/staff/events` tells every open
//! dashboard when any print job or printer changes, so it reloads at once;
//! a new submission plays a short chime when the chime is on (remembered in
//! this browser). Without JavaScript the page is simply as loaded.

use leptos::prelude::*;

use super::live_stream::LinkState;

/// Where the chime's on/off is remembered.
#[cfg(feature = "hydrate")]
const CHIME_KEY: &str = "memoreez.staff.chime";

/// The feed's state, shared by the page and its parts.
#[derive(Clone, Copy)]
pub struct LabFeed {
    /// Goes up on every change; the queue is loaded again when it does.
    pub changes: RwSignal<u64>,
    /// How the link to the server's feed stands.
    pub link: RwSignal<LinkState>,
    pub chime_on: RwSignal<bool>,
    /// Chimes played since the page opened (shown for staff and tests).
    pub chimes: RwSignal<u32>,
}

impl LabFeed {
    /// A feed that starts listening once the page runs in the browser.
    pub fn start() -> LabFeed {
        let feed = LabFeed {
            changes: RwSignal::new(0),
            link: RwSignal::new(LinkState::Connecting),
            chime_on: RwSignal::new(false),
            chimes: RwSignal::new(0),
        };
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| listen(feed));
        feed
    }

    /// Turns the chime on or off and remembers it (a click: the browser lets sound start from here).
    pub fn set_chime(self, on: bool) {
        self.chime_on.set(on);
        #[cfg(feature = "hydrate")]
        {
            if let Some(storage) = local_storage() {
                let _ = storage.set_item(CHIME_KEY, if on { "on" } else { "off" });
            }
            if on {
                chime();
            }
        }
    }
}

/// "Live" with the last update, and the chime switch.
#[component]
pub fn LiveBar(feed: LabFeed, read_at: String) -> impl IntoView {
    view! {
        <p class="live-bar" data-testid="live-bar"
            data-live=move || (feed.link.get() == LinkState::Live).to_string()
            data-link=move || feed.link.get().as_str()
            data-chimes=move || feed.chimes.get()>
            <span class="live-dot" class:on=move || feed.link.get() == LinkState::Live></span>
            {move || feed.link.get().words()}
            // No time read yet: say nothing of it rather than "last updated ·".
            {(!read_at.trim().is_empty()).then(|| view! {
                " · last updated "<time data-testid="last-updated">{read_at}</time>
            })}
            " · "
            <label>
                <input type="checkbox" data-testid="chime-toggle"
                    prop:checked=move || feed.chime_on.get()
                    on:change=move |event| feed.set_chime(event_target_checked(&event))/>
                " Chime for new submissions"
            </label>
        </p>
    }
}

#[cfg(feature = "hydrate")]
fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|window| window.local_storage().ok().flatten())
}

#[cfg(feature = "hydrate")]
fn listen(feed: LabFeed) {
    use super::live_stream::Next;

    #[derive(serde::Deserialize)]
    struct Change {
        version: i64,
        #[serde(default)]
        printers: i64,
        new_submissions: i64,
    }

    let remembered = local_storage().and_then(|storage| storage.get_item(CHIME_KEY).ok().flatten());
    feed.chime_on.set(remembered.as_deref() == Some("on"));
    let mut seen = None;
    leptos::task::spawn_local_scoped_with_cancellation(super::live_stream::follow(
        "/api/staff/events".into(),
        &["lab"],
        feed.link,
        move |_, data| {
            let Ok(change) = serde_json::from_str::<Change>(&data) else { return Next::More };
            // The first message (and the first after a reconnect) is where the feed starts;
            // a change while the stream was away shows as a new version.
            if seen.is_some_and(|seen| seen != (change.version, change.printers)) {
                feed.changes.update(|n| *n += 1);
                if change.new_submissions > 0 && feed.chime_on.get_untracked() {
                    chime();
                    feed.chimes.update(|n| *n += 1);
                }
            }
            seen = Some((change.version, change.printers));
            Next::More
        },
        // No feed: load the queue again now and then.
        move || feed.changes.update(|n| *n += 1),
    ));
}

/// Two short soft notes (WebAudio; no sound file to fetch).
#[cfg(feature = "hydrate")]
fn chime() {
    use std::cell::RefCell;
    use web_sys::{AudioContext, OscillatorType};

    thread_local! {
        static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
    }
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = AudioContext::new().ok();
        }
        let Some(context) = audio.as_ref() else { return };
        let _ = context.resume();
        let now = context.current_time();
        for (i, frequency) in [880.0_f32, 1318.5].into_iter().enumerate() {
            let (Ok(tone), Ok(gain)) = (context.create_oscillator(), context.create_gain()) else { return };
            tone.set_type(OscillatorType::Sine);
            tone.frequency().set_value(frequency);
            let start = now + i as f64 * 0.18;
            let _ = gain.gain().set_value_at_time(0.0001, start);
            let _ = gain.gain().exponential_ramp_to_value_at_time(0.2, start + 0.02);
            let _ = gain.gain().exponential_ramp_to_value_at_time(0.0001, start + 0.35);
            let _ = tone.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&context.destination());
            let _ = tone.start_with_when(start);
            let _ = tone.stop_with_when(start + 0.4);
        }
    });
}
