//! The OctoPrint client against a real OctoPrint (PyPI `octoprint`, with its
//! Virtual Printer plugin), which `./dev test` installs in a virtualenv and
//! names in `MEMOREEZ_TEST_OCTOPRINT`.

use std::time::{Duration, Instant};

mod virtual_printer;
use virtual_printer::{VirtualPrinter, gcode};

use memoreez::printers::octoprint::{OctoPrint, OctoPrintError};
use memoreez::printers::reading::{PrinterState, Reading};

/// Reads the printer until `wanted` holds (every 200 ms, for a minute at most).
async fn until(printer: &OctoPrint, what: &str, wanted: impl Fn(&Reading) -> bool) -> Reading {
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < Duration::from_secs(60) {
        match printer.read().await {
            Ok(reading) if wanted(&reading) => return reading,
            other => last = Some(other),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the printer never became {what}; last read: {last:?}");
}

#[tokio::test]
async fn a_real_octoprint_prints_reports_progress_and_cancels() {
    let virtual_printer = VirtualPrinter::start().await;
    let printer = OctoPrint::new(&virtual_printer.url, &virtual_printer.key);

    // The virtual printer connects by itself: idle, ready for a job.
    let idle = until(&printer, "idle", |r| r.state == PrinterState::Idle).await;
    assert_eq!(idle.message, "Operational");

    // A key OctoPrint does not know is refused, and says so.
    let stranger = OctoPrint::new(&virtual_printer.url, "not-a-key");
    assert!(matches!(stranger.read().await, Err(OctoPrintError::KeyRefused(403))));

    // A short job is uploaded, started, and runs to 100 %.
    printer.print("memoreez-short.gcode", &gcode(30, 0)).await.unwrap();
    let done = until(&printer, "done with the short job", |r| {
        r.state == PrinterState::Idle
            && r.file.as_deref() == Some("memoreez-short.gcode")
            && r.completion_pct == Some(100.0)
    })
    .await;
    assert_eq!(done.time_left_s.unwrap_or(0), 0);

    // A long job shows its progress rising while it prints; cancelled on
    // the printer, it stops short of 100 %.
    printer.print("memoreez-long.gcode", &gcode(60, 500)).await.unwrap();
    let printing = until(&printer, "printing the long job", |r| {
        r.state == PrinterState::Printing
            && r.file.as_deref() == Some("memoreez-long.gcode")
            && r.completion_pct.is_some_and(|pct| pct > 0.0)
    })
    .await;
    let later = until(&printer, "further along", |r| {
        r.completion_pct.is_some_and(|pct| pct > printing.completion_pct.unwrap())
    })
    .await;
    assert_eq!(later.state, PrinterState::Printing);
    printer.cancel().await.unwrap();
    let cancelled = until(&printer, "idle after the cancel", |r| r.state == PrinterState::Idle).await;
    assert_eq!(cancelled.file.as_deref(), Some("memoreez-long.gcode"));
    assert!(cancelled.completion_pct.is_none_or(|pct| pct < 100.0), "{cancelled:?}");

    // OctoPrint gone: the printer cannot be reached, and the reason says so.
    let url = virtual_printer.url.clone();
    drop(virtual_printer);
    let gone = OctoPrint::new(&url, "any").read().await;
    assert!(matches!(&gone, Err(OctoPrintError::Unreachable(_))), "{gone:?}");
}
