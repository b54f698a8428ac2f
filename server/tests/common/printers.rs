//! The lab's printers on every database: added and checked by the rules
//! staff see, and read from a real OctoPrint by one instance at a time.

use memoreez::printers::octoprint::PrinterState;
use memoreez::printers::poller::poll_once;
use memoreez::printers::store::{self, Connection, KeySource, NewPrinter, PrinterError};

use super::{Kind, with_app};

#[path = "../virtual_printer/mod.rs"]
mod virtual_printer;

fn printer(name: &str, connection: Connection) -> NewPrinter {
    NewPrinter {
        name: name.into(),
        method: app::lab::PrintMethod::Filament,
        build_mm: [250.0, 210.0, 220.0],
        material: "PLA".into(),
        colour: "Black".into(),
        connection,
    }
}

pub async fn printers_are_added_checked_and_listed(kind: Kind) {
    with_app(kind, |app| async move {
        let db = &app.state.db;
        let manual = store::add(db, printer(" Ender 3 ", Connection::Manual)).await.unwrap();
        let taken = store::add(db, printer("Ender 3", Connection::Manual)).await;
        assert!(matches!(taken, Err(PrinterError::NameTaken(_))), "{taken:?}");
        let status = app::error::AppError::from(taken.unwrap_err()).status();
        assert_eq!(status, 409);
        let mut bad = printer("Form 3", Connection::Manual);
        bad.build_mm = [145.0, 145.0, 0.0];
        assert!(matches!(store::add(db, bad).await, Err(PrinterError::Invalid { field: "build_mm", .. })));

        let printers = store::list(db).await.unwrap();
        assert_eq!(printers.len(), 1, "nothing kept of the refused ones");
        assert_eq!(printers[0].id, manual);
        assert_eq!(printers[0].spec.name, "Ender 3");
        assert_eq!(printers[0].reading, None, "a manual printer is never read");
        // No OctoPrint printer: a poll round does nothing (and writes nothing).
        assert_eq!(poll_once(db, "instance-a", 10_000).await.unwrap(), 0);
    })
    .await;
}

pub async fn one_instance_reads_a_printer_from_octoprint_at_a_time(kind: Kind) {
    with_app(kind, |app| async move {
        let db = &app.state.db;
        let octoprint = virtual_printer::VirtualPrinter::start().await;
        let keys = tempfile::tempdir().unwrap();
        let key_file = keys.path().join("mk4.key");
        std::fs::write(&key_file, format!("{}\n", octoprint.key)).unwrap();
        let connection = Connection::OctoPrint { url: octoprint.url.clone(), key: KeySource::File(key_file) };
        let mk4 = store::add(db, printer("MK4", connection)).await.unwrap();
        let no_key = Connection::OctoPrint {
            url: octoprint.url.clone(),
            key: KeySource::Env("MEMOREEZ_TEST_NO_SUCH_PRINTER_KEY".into()),
        };
        let keyless = store::add(db, printer("Keyless", no_key)).await.unwrap();

        // Instance A takes both printers' leases and records what it read;
        // instance B, polling meanwhile, reads neither.
        let mut idle = None;
        for _ in 0..100 {
            assert_eq!(poll_once(db, "instance-a", 10_000).await.unwrap(), 2);
            assert_eq!(poll_once(db, "instance-b", 10_000).await.unwrap(), 0, "a's lease holds");
            idle = reading_of(db, &mk4).await.filter(|r| r.state == PrinterState::Idle);
            if idle.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(idle.expect("the virtual printer connects and is idle").message, "Operational");
        let keyless = reading_of(db, &keyless).await.unwrap();
        assert_eq!(keyless.state, PrinterState::Offline);
        assert_eq!(keyless.message, "no API key: MEMOREEZ_TEST_NO_SUCH_PRINTER_KEY is not set");

        // A reading that outlasts its lease is not recorded (a 1 ms lease
        // is over before OctoPrint answers).
        assert_eq!(poll_once(db, "instance-a", 1).await.unwrap(), 0);
        // A's lease runs out (it stopped): B takes the printers over, and A
        // reads nothing while B holds them.
        assert_eq!(poll_once(db, "instance-a", 500).await.unwrap(), 2);
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        assert_eq!(poll_once(db, "instance-b", 10_000).await.unwrap(), 2);
        assert_eq!(poll_once(db, "instance-a", 10_000).await.unwrap(), 0);

        // OctoPrint gone: the printer is offline, and says why.
        drop(octoprint);
        assert_eq!(poll_once(db, "instance-b", 10_000).await.unwrap(), 2);
        let gone = reading_of(db, &mk4).await.unwrap();
        assert_eq!(gone.state, PrinterState::Offline);
        assert!(gone.message.starts_with("OctoPrint could not be reached"), "{}", gone.message);
    })
    .await;
}

async fn reading_of(
    db: &memoreez::platform::db::Db,
    id: &str,
) -> Option<memoreez::printers::octoprint::Reading> {
    store::list(db).await.unwrap().into_iter().find(|printer| printer.id == id).unwrap().reading
}
