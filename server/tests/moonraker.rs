//! The Moonraker client against a real Moonraker 0.11 with a real Klipper
//! behind it (both from PyPI; Klipper in file-output mode, no
//! microcontroller), which `./dev test` installs in virtualenvs.

use std::time::{Duration, Instant};

mod klipper_printer;
use klipper_printer::{KlipperPrinter, Run, gcode};

use memoreez::printers::moonraker::{Moonraker, MoonrakerError};
use memoreez::printers::reading::{PrinterState, Reading};

/// Reads the printer until `wanted` holds (every 100 ms, for 30 s at most).
async fn until(printer: &Moonraker, what: &str, wanted: impl Fn(&Reading) -> bool) -> Reading {
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < Duration::from_secs(30) {
        match printer.read().await {
            Ok(reading) if wanted(&reading) => return reading,
            other => last = Some(other),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the printer never became {what}; last read: {last:?}");
}

#[tokio::test]
async fn a_real_klipper_prints_holds_cancels_and_fails_through_moonraker() {
    let klipper = KlipperPrinter::start().await;
    let printer = Moonraker::new(&klipper.url, None);

    let idle = printer.read().await.unwrap();
    assert_eq!(
        (idle.state, idle.file.as_deref(), idle.message.as_str()),
        (PrinterState::Idle, None, "Ready")
    );

    // A wrong key is refused even from a trusted address; the right one is taken.
    let stranger = Moonraker::new(&klipper.url, Some("not-a-key"));
    assert!(matches!(stranger.read().await, Err(MoonrakerError::KeyRefused(401))));
    let keyed = Moonraker::new(&klipper.url, Some(&klipper.api_key().await));
    assert_eq!(keyed.read().await.unwrap().state, PrinterState::Idle);

    // A file printed to its end: idle, at 100 %, the file still named.
    printer.print("memoreez-short.gcode", &gcode(Run::ToTheEnd)).await.unwrap();
    let done = until(&printer, "done", |r| r.file.as_deref() == Some("memoreez-short.gcode")).await;
    assert_eq!((done.state, done.completion_pct), (PrinterState::Idle, Some(100.0)), "{done:?}");
    assert_eq!(done.message, "Ready (last print complete)");

    // A file that holds halfway: paused on that file, part way through;
    // cancelled, the printer is free and the file stopped short.
    printer.print("memoreez-held.gcode", &gcode(Run::Held)).await.unwrap();
    let held = until(&printer, "paused", |r| r.state == PrinterState::Paused).await;
    assert_eq!(held.file.as_deref(), Some("memoreez-held.gcode"));
    let pct = held.completion_pct.unwrap();
    assert!(pct > 20.0 && pct < 90.0, "{held:?}");
    // A second file while one is under way is not started.
    let busy = printer.print("memoreez-other.gcode", &gcode(Run::ToTheEnd)).await;
    assert!(busy.is_err(), "{busy:?}");
    printer.cancel().await.unwrap();
    let cancelled = until(&printer, "idle after the cancel", |r| r.state == PrinterState::Idle).await;
    assert_eq!(cancelled.file.as_deref(), Some("memoreez-held.gcode"));
    assert!(cancelled.completion_pct.is_some_and(|pct| pct < 100.0), "{cancelled:?}");
    assert_eq!(cancelled.message, "Ready (last print cancelled)");

    // A file with a line Klipper refuses: the print stops with Klipper's
    // reason, and the printer is free for the next.
    printer.print("memoreez-bad.gcode", &gcode(Run::Failing)).await.unwrap();
    let stopped = until(&printer, "stopped", |r| r.state == PrinterState::Stopped).await;
    assert_eq!(stopped.file.as_deref(), Some("memoreez-bad.gcode"));
    assert!(stopped.message.contains("SET_GCODE_OFFSET Z=ten"), "{stopped:?}");
    assert!(stopped.completion_pct.is_some_and(|pct| pct > 20.0 && pct < 90.0), "{stopped:?}");
    printer.print("memoreez-next.gcode", &gcode(Run::ToTheEnd)).await.unwrap();
    until(&printer, "done with the next", |r| {
        r.file.as_deref() == Some("memoreez-next.gcode") && r.completion_pct == Some(100.0)
    })
    .await;
}

#[tokio::test]
async fn a_klipper_out_of_reach_reads_offline_and_says_why() {
    let mut klipper = KlipperPrinter::start().await;
    let printer = Moonraker::new(&klipper.url, None);
    assert_eq!(printer.read().await.unwrap().state, PrinterState::Idle);

    // Klipper gone, Moonraker up: offline, and the reason says which.
    klipper.stop_klipper();
    let down = until(&printer, "offline", |r| r.state == PrinterState::Offline).await;
    assert!(down.message.contains("Klipper"), "{down:?}");
    let refused = printer.print("memoreez-x.gcode", &gcode(Run::ToTheEnd)).await;
    assert!(refused.is_err(), "no print while Klipper is down: {refused:?}");

    // Moonraker gone too: unreachable.
    let url = klipper.url.clone();
    drop(klipper);
    let gone = Moonraker::new(&url, None).read().await;
    assert!(matches!(&gone, Err(MoonrakerError::Unreachable(_))), "{gone:?}");
}

#[tokio::test]
async fn a_server_answering_garbage_is_not_read_as_a_printer() {
    // A web server that is not Moonraker: its page is refused as unreadable,
    // and never taken for a reading or a started print.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let routes = axum::Router::new()
        .route(
            "/printer/objects/query",
            axum::routing::get(|| async { "<html>a router's login page</html>" }),
        )
        .route(
            "/server/files/upload",
            axum::routing::post(|| async { axum::Json(serde_json::json!([1, 2])) }),
        )
        .route(
            "/server/webcams/list",
            axum::routing::get(|| async {
                axum::Json(serde_json::json!({ "result": { "webcams": "none" } }))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, routes).await });
    let printer = Moonraker::new(&url, None);
    assert!(matches!(printer.read().await, Err(MoonrakerError::Unreadable)));
    assert!(matches!(printer.print("memoreez-a.gcode", b"G28\n").await, Err(MoonrakerError::Unreadable)));
    assert!(matches!(printer.cancel().await, Err(MoonrakerError::Refused(404))));
    assert_eq!(printer.snapshot_url().await.unwrap(), None);
}
