//! The lab's printers on every database: added and checked by the rules
//! staff see, read from a real OctoPrint by one instance at a time, and
//! jobs sent to them and followed to Completed or Print failed (then
//! reprinted), through a real OctoPrint's virtual printer and through a
//! real Klipper behind a real Moonraker.

use memoreez::printers::poller::poll_once;
use memoreez::printers::reading::PrinterState;
use memoreez::printers::store::{self, Connection, KeySource, NewPrinter, PrinterError};

use http::StatusCode;
use serde_json::Value;

use super::staff::{call, staff_cookie};
use super::{Kind, TestApp, with_app};

#[path = "../virtual_printer/mod.rs"]
mod virtual_printer;

#[path = "../klipper_printer/mod.rs"]
mod klipper_printer;

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
        let manual = store::add(
            db,
            &super::staff::staff_session(&app).await,
            printer(" Ender 3 ", Connection::Manual),
        )
        .await
        .unwrap();
        let taken =
            store::add(db, &super::staff::staff_session(&app).await, printer("Ender 3", Connection::Manual))
                .await;
        assert!(matches!(taken, Err(PrinterError::NameTaken(_))), "{taken:?}");
        let status = app::error::AppError::from(taken.unwrap_err()).status();
        assert_eq!(status, 409);
        let mut bad = printer("Form 3", Connection::Manual);
        bad.build_mm = [145.0, 145.0, 0.0];
        assert!(matches!(
            store::add(db, &super::staff::staff_session(&app).await, bad).await,
            Err(PrinterError::Invalid { field: "build_mm", .. })
        ));

        // Through the page's form: a field left out is named, not a server fault.
        let cookie = staff_cookie(&app).await;
        let partial = call(&app, "staff_add_printer", "form[name]=Form+3", Some(&cookie), None).await;
        assert_eq!(partial.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", partial.text());
        assert!(partial.text().contains("\"field\":\"method\""), "{}", partial.text());

        // A printer's key can name neither the server's own secrets nor any
        // file outside the printer keys folder, and its address cannot be a
        // cloud's metadata service: refused by name, nothing added.
        let octoprint_form = |url: &str, key_from: &str| {
            format!(
                "form[name]=Thief&form[method]=filament&form[build_x_mm]=250&form[build_y_mm]=210\
                 &form[build_z_mm]=220&form[material]=PLA&form[colour]=Black&form[connection]=octoprint\
                 &form[server_url]={url}&form[api_key_from]={key_from}"
            )
        };
        for key_from in
            ["env:MEMOREEZ_STRIPE_SECRET_KEY", "env:HOME", "file:/etc/passwd", "file:../memoreez.db"]
        {
            let body = octoprint_form("http://127.0.0.1:9", key_from);
            let refused = call(&app, "staff_add_printer", &body, Some(&cookie), None).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{key_from}: {}", refused.text());
            assert!(refused.text().contains("\"field\":\"api_key_from\""), "{}", refused.text());
            assert!(refused.text().contains("MEMOREEZ_PRINTER_KEY_"), "{}", refused.text());
        }
        for url in ["http://169.254.169.254", "http://metadata.google.internal"] {
            let body = octoprint_form(url, "env:MEMOREEZ_PRINTER_KEY_THIEF");
            let refused = call(&app, "staff_add_printer", &body, Some(&cookie), None).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {}", refused.text());
            assert!(refused.text().contains("\"field\":\"server_url\""), "{}", refused.text());
        }

        let printers = store::list(db).await.unwrap();
        assert_eq!(printers.len(), 1, "nothing kept of the refused ones");
        assert_eq!(printers[0].id, manual);
        assert_eq!(printers[0].spec.name, "Ender 3");
        assert_eq!(printers[0].reading, None, "a manual printer is never read");
        // No OctoPrint printer: a poll round does nothing (and writes nothing).
        assert_eq!(poll_once(&app.state.lab(), "instance-a", 10_000).await.unwrap(), 0);
    })
    .await;
}

pub async fn one_instance_reads_a_printer_from_octoprint_at_a_time(kind: Kind) {
    with_app(kind, |app| async move {
        let db = &app.state.db;
        let octoprint = virtual_printer::VirtualPrinter::start().await;
        let key = write_key(&app, "mk4.key", &octoprint.key);
        let connection = Connection::OctoPrint { url: octoprint.url.clone(), key };
        let mk4 = store::add(db, &super::staff::staff_session(&app).await, printer("MK4", connection))
            .await
            .unwrap();
        let no_key = Connection::OctoPrint {
            url: octoprint.url.clone(),
            key: KeySource::Env("MEMOREEZ_PRINTER_KEY_NO_SUCH_TEST".into()),
        };
        let keyless = store::add(db, &super::staff::staff_session(&app).await, printer("Keyless", no_key))
            .await
            .unwrap();

        // Instance A takes both printers' leases and records what it read;
        // instance B, polling meanwhile, reads neither.
        let mut idle = None;
        for _ in 0..100 {
            assert_eq!(poll_once(&app.state.lab(), "instance-a", 10_000).await.unwrap(), 2);
            assert_eq!(
                poll_once(&app.state.lab(), "instance-b", 10_000).await.unwrap(),
                0,
                "a's lease holds"
            );
            idle = reading_of(db, &mk4).await.filter(|r| r.state == PrinterState::Idle);
            if idle.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(idle.expect("the virtual printer connects and is idle").message, "Operational");
        let keyless = reading_of(db, &keyless).await.unwrap();
        assert_eq!(keyless.state, PrinterState::Offline);
        assert_eq!(keyless.message, "no API key: MEMOREEZ_PRINTER_KEY_NO_SUCH_TEST is not set");

        // A reading that outlasts its lease is not recorded (a 1 ms lease
        // is over before OctoPrint answers).
        assert_eq!(poll_once(&app.state.lab(), "instance-a", 1).await.unwrap(), 0);
        // A's lease runs out (it stopped): B takes the printers over, and A
        // reads nothing while B holds them.
        assert_eq!(poll_once(&app.state.lab(), "instance-a", 500).await.unwrap(), 2);
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        assert_eq!(poll_once(&app.state.lab(), "instance-b", 10_000).await.unwrap(), 2);
        assert_eq!(poll_once(&app.state.lab(), "instance-a", 10_000).await.unwrap(), 0);

        // OctoPrint gone: the printer is offline, and says why.
        drop(octoprint);
        assert_eq!(poll_once(&app.state.lab(), "instance-b", 10_000).await.unwrap(), 2);
        let gone = reading_of(db, &mk4).await.unwrap();
        assert_eq!(gone.state, PrinterState::Offline);
        assert!(gone.message.starts_with("OctoPrint: it could not be reached"), "{}", gone.message);
    })
    .await;
}

async fn reading_of(
    db: &memoreez::platform::db::Db,
    id: &str,
) -> Option<memoreez::printers::reading::Reading> {
    store::list(db).await.unwrap().into_iter().find(|printer| printer.id == id).unwrap().reading
}

/// Writes `key` as `name` in the app's printer keys folder; the source naming it.
fn write_key(app: &TestApp, name: &str, key: &str) -> KeySource {
    let folder = &app.state.config.printer_keys_dir;
    std::fs::create_dir_all(folder).unwrap();
    std::fs::write(folder.join(name), format!("{key}\n")).unwrap();
    KeySource::File(name.to_string())
}

/// An OctoPrint printer for `octoprint`, its key in a file in the app's keys folder.
fn octoprint_printer(app: &TestApp, name: &str, octoprint: &virtual_printer::VirtualPrinter) -> NewPrinter {
    let key = write_key(app, &format!("{}.key", name.replace(' ', "_")), &octoprint.key);
    printer(name, Connection::OctoPrint { url: octoprint.url.clone(), key })
}

/// Ada's red filament job with `gcode` as its sliced file, approved and
/// accepted by her: ReadyToPrint. Its id.
pub(crate) async fn ready_job(app: &TestApp, cookie: &str, gcode: Vec<u8>) -> String {
    ready_job_and_link(app, cookie, gcode).await.0
}

/// [`ready_job`], with the token of Ada's link to its page.
async fn ready_job_and_link(app: &TestApp, cookie: &str, gcode: Vec<u8>) -> (String, String) {
    use memoreez::platform::model_file::ModelFile;
    let (id, link) = super::lab::submitted(app).await;
    let file = ModelFile { file_name: "plate.gcode".into(), bytes: gcode.into() };
    memoreez::lab::sliced::upload(&app.state.lab(), &super::staff::staff_session(app).await, &id, file)
        .await
        .unwrap();
    let approved = act(app, cookie, &format!("id={id}&action=approve&weight_g=2&print_hours=1")).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
    // The confirm link, from the approval waiting in the outbox.
    let approval: String =
        sqlx::query_scalar("SELECT text_body FROM outbox WHERE kind = 'lab_approved' AND text_body LIKE $1")
            .bind(format!("%/lab/jobs/{id}?t=%"))
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    let start = approval.find(&format!("/lab/jobs/{id}?t=")).unwrap() + id.len() + 13;
    let token: String = approval[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let confirmed = app.post_json(&format!("/api/lab/jobs/{id}/confirm?t={token}"), "", None).await;
    assert_eq!(confirmed.json()["status"], "ReadyToPrint", "{}", confirmed.text());
    (id, link)
}

async fn act(app: &TestApp, cookie: &str, form: &str) -> super::Reply {
    call(app, "staff_job_action", form, Some(cookie), None).await
}

async fn page(app: &TestApp, cookie: &str, id: &str) -> Value {
    call(app, "staff_job", &format!("id={id}"), Some(cookie), None).await.json()
}

/// Polls the printers (as the poller does) until the job's page says `wanted`, for 90 s at most.
async fn poll_until(
    app: &TestApp,
    cookie: &str,
    id: &str,
    what: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let started = std::time::Instant::now();
    loop {
        poll_once(&app.state.lab(), "instance-a", 30_000).await.unwrap();
        let page = page(app, cookie, id).await;
        if wanted(&page) {
            return page;
        }
        assert!(started.elapsed().as_secs() < 90, "the job never became {what}: {page}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

fn kinds(page: &Value) -> Vec<(String, String)> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["actor"].as_str().unwrap().to_string()))
        .collect()
}

async fn mails(app: &TestApp, kind: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT text_body FROM outbox WHERE kind = $1 ORDER BY created_at")
        .bind(kind)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
}

fn progress(page: &Value) -> f64 {
    page["on_printer"]["progress_pct"].as_f64().unwrap_or(0.0)
}

pub async fn a_lab_job_prints_on_octoprint_from_approval_to_completed(kind: Kind) {
    with_app(kind, |app| async move {
        // Its OctoPrint has a webcam: a local server serving a JPEG.
        let camera = format!("{}snap.jpg", super::camera::start_camera().await);
        let octoprint = virtual_printer::VirtualPrinter::start_with_camera(Some(&camera)).await;
        let db = &app.state.db;
        let mut red = octoprint_printer(&app, "MK4 red", &octoprint);
        red.colour = "Red".into();
        let mk4 = store::add(db, &super::staff::staff_session(&app).await, red).await.unwrap();
        // Two more that do not fit Ada's red filament job.
        let mut resin = octoprint_printer(&app, "Form 3", &octoprint);
        (resin.method, resin.material, resin.colour) =
            (app::lab::PrintMethod::Resin, "Resin".into(), "Grey".into());
        store::add(db, &super::staff::staff_session(&app).await, resin).await.unwrap();
        let mut petg = octoprint_printer(&app, "MK3 PETG", &octoprint);
        (petg.material, petg.colour) = ("PETG".into(), "Red".into());
        let petg = store::add(db, &super::staff::staff_session(&app).await, petg).await.unwrap();
        store::add(
            db,
            &super::staff::staff_session(&app).await,
            printer("Ender by hand", Connection::Manual),
        )
        .await
        .unwrap();

        let cookie = staff_cookie(&app).await;
        // Staff read the camera's address from OctoPrint's webcam settings.
        let read =
            call(&app, "staff_printer_camera", &format!("id={mk4}&from_server=true"), Some(&cookie), None)
                .await;
        assert!(read.status.is_success() || read.status.is_redirection(), "{}", read.text());
        let listed = store::list(db).await.unwrap();
        let red = listed.iter().find(|printer| printer.id == mk4).unwrap();
        assert_eq!(red.snapshot_url.as_deref(), Some(camera.as_str()));
        let id = ready_job(&app, &cookie, virtual_printer::gcode(30, 0)).await;
        // Once the printers are read: only the one that fits is offered, the others say why.
        let ready = poll_until(&app, &cookie, &id, "offered a printer", |page| {
            page["printers"].as_array().unwrap().iter().any(|p| p["why_not"] == "")
        })
        .await;
        let choices: Vec<(&str, &str)> = ready["printers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].as_str().unwrap(), p["why_not"].as_str().unwrap()))
            .collect();
        assert_eq!(
            choices,
            [
                ("MK4 red", ""),
                ("Form 3", "prints resin; this job is filament"),
                ("MK3 PETG", "has PETG loaded; this job is PLA"),
            ],
            "a manual printer is not offered for sending"
        );
        // Sent to a printer that does not fit: refused with the reason, nothing changes.
        let refused = act(&app, &cookie, &format!("id={id}&action=send_to_printer&printer_id={petg}")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("MK3 PETG has PETG loaded; this job is PLA."), "{}", refused.text());
        assert_eq!(page(&app, &cookie, &id).await["status"], "ReadyToPrint");

        let sent = act(&app, &cookie, &format!("id={id}&action=send_to_printer&printer_id={mk4}")).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        let printing = page(&app, &cookie, &id).await;
        assert_eq!(printing["status"], "Printing");
        assert_eq!(printing["on_printer"]["printer"], "MK4 red");
        let line =
            printing["events"].as_array().unwrap().last().unwrap()["details"].as_str().unwrap().to_string();
        assert_eq!(line, format!("Printing on MK4 red (sent to its printer server as memoreez-{id}.gcode)."));
        // A second send of the same job is refused (it is printing).
        let again = act(&app, &cookie, &format!("id={id}&action=send_to_printer&printer_id={mk4}")).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", again.text());

        // The printer reports it done: Completed by itself, at 100 %.
        let done = poll_until(&app, &cookie, &id, "Completed", |page| page["status"] == "Completed").await;
        assert_eq!(progress(&done), 100.0);
        let steps = kinds(&done);
        assert_eq!(steps.last().unwrap(), &("completed".to_string(), "printer".to_string()), "{steps:?}");
        assert_eq!(steps.iter().filter(|(kind, _)| kind == "printing").count(), 1);
        // The student heard at each step, with their job's page.
        assert_eq!(mails(&app, "lab_printing").await.len(), 1);
        assert!(mails(&app, "lab_printing").await[0].contains("Printing on MK4 red"));
        assert_eq!(mails(&app, "lab_ready").await.len(), 1);
        // Its camera pictured the print as it ended; the "ready" email carries the picture.
        assert!(done["snapshot_url"].as_str().is_some(), "{done}");
        let attached: Option<String> =
            sqlx::query_scalar("SELECT attachment_name FROM outbox WHERE kind = 'lab_ready'")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(attached, Some(format!("your-print-{id}.jpg")));
        let student = app.get(&format!("/api/lab/jobs/{id}?t=x"), None).await;
        assert_eq!(student.status, StatusCode::NOT_FOUND, "the job's page needs its link");
    })
    .await;
}

/// OctoPrint with its virtual printer, an "MK4" for Ada's red filament
/// jobs on it, and her job with `gcode` sent there (Printing). What the
/// test needs of them: (OctoPrint, the printer's id, the staff cookie, the job's id).
async fn printing_on_mk4(
    app: &TestApp,
    gcode: Vec<u8>,
) -> (virtual_printer::VirtualPrinter, String, String, String) {
    let octoprint = virtual_printer::VirtualPrinter::start().await;
    let mut red = octoprint_printer(app, "MK4", &octoprint);
    red.colour = "Red".into();
    let mk4 = store::add(&app.state.db, &super::staff::staff_session(app).await, red).await.unwrap();
    let cookie = staff_cookie(app).await;
    let id = ready_job(app, &cookie, gcode).await;
    poll_until(app, &cookie, &id, "offered MK4", |page| page["printers"][0]["why_not"] == "").await;
    let sent = act(app, &cookie, &format!("id={id}&action=send_to_printer&printer_id={mk4}")).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
    (octoprint, mk4, cookie, id)
}

pub async fn a_cancelled_print_fails_and_its_reprint_completes(kind: Kind) {
    with_app(kind, |app| async move {
        // A long print: 60 moves with half a second's dwell after each.
        let (octoprint, mk4, cookie, id) = printing_on_mk4(&app, virtual_printer::gcode(60, 500)).await;
        let underway = poll_until(&app, &cookie, &id, "under way", |page| progress(page) > 0.0).await;
        assert!(progress(&underway) < 100.0);
        // The dashboard's printer strip and the printers page show the job on it.
        let queue = call(&app, "staff_queue", "status=Printing", Some(&cookie), None).await.json();
        assert_eq!(queue["printers"][0]["job"][0], id.as_str(), "{queue}");
        let printers = call(&app, "staff_printers", "", Some(&cookie), None).await.json();
        assert_eq!(
            (printers[0]["state"].as_str(), printers[0]["job"][0].as_str()),
            (Some("printing"), Some(id.as_str()))
        );

        // Cancelled at the printer: Print failed, with the printer's reason.
        memoreez::printers::octoprint::OctoPrint::new(&octoprint.url, &octoprint.key).cancel().await.unwrap();
        let failed =
            poll_until(&app, &cookie, &id, "PrintFailed", |page| page["status"] == "PrintFailed").await;
        let reason =
            failed["events"].as_array().unwrap().last().unwrap()["details"].as_str().unwrap().to_string();
        assert!(reason.starts_with("Print failed on MK4: cancelled on the printer at "), "{reason}");
        assert_eq!(mails(&app, "lab_print_failed").await.len(), 1);
        let cancelled = call(&app, "staff_queue", "status=PrintFailed", Some(&cookie), None).await.json();
        assert_eq!(cancelled["jobs"][0]["id"], id.as_str());

        // Reprint: a new job, linked both ways, with its own copy of the files.
        let reprint = act(&app, &cookie, &format!("id={id}&action=reprint&note=Slower+first+layer")).await;
        assert_eq!(reprint.status, StatusCode::OK, "{}", reprint.text());
        let old = page(&app, &cookie, &id).await;
        assert_eq!(old["status"], "PrintFailed", "the failed print stays in the log as it was");
        let new_id = old["replaced_by"].as_str().expect("a reprint").to_string();
        let twice = act(&app, &cookie, &format!("id={id}&action=reprint")).await;
        assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY, "one reprint per failed print");
        let new = page(&app, &cookie, &new_id).await;
        assert_eq!(
            (new["status"].as_str(), new["replaces"].as_str()),
            (Some("ReadyToPrint"), Some(id.as_str()))
        );
        assert_eq!(new["card"]["price_cents"], old["card"]["price_cents"], "the same price");
        assert!(kinds(&old).contains(&("reprint".into(), "staff".into())));
        assert_eq!(kinds(&new), [("reprint_of".to_string(), "staff".to_string())]);
        assert!(new["events"][0]["details"].as_str().unwrap().ends_with("Note: Slower first layer"));
        assert!(mails(&app, "lab_reprinting").await[0].contains(&format!("as job {new_id}")));

        // Re-sliced shorter, sent, and printed to the end.
        use memoreez::platform::model_file::ModelFile;
        let file = ModelFile { file_name: "plate.gcode".into(), bytes: virtual_printer::gcode(20, 0).into() };
        memoreez::lab::sliced::upload(
            &app.state.lab(),
            &super::staff::staff_session(&app).await,
            &new_id,
            file,
        )
        .await
        .unwrap();
        poll_until(&app, &cookie, &new_id, "offered MK4", |page| page["printers"][0]["why_not"] == "").await;
        let sent = act(&app, &cookie, &format!("id={new_id}&action=send_to_printer&printer_id={mk4}")).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        poll_until(&app, &cookie, &new_id, "Completed", |page| page["status"] == "Completed").await;
        // Staff can still turn the failed one down (closing it) — here it was reprinted instead.
        assert_eq!(page(&app, &cookie, &id).await["status"], "PrintFailed");
    })
    .await;
}

/// A Klipper printer through Moonraker, added by the staff form with no key
/// (its Moonraker trusts this machine), and the whole lifecycle on it: a
/// job held on the printer shows its progress, keeps Printing while the
/// server is out of reach, and fails when cancelled there; its reprint
/// stops on a bad line (failed, with Klipper's reason); the next reprint
/// completes. Its camera is read from Moonraker's webcam settings.
pub async fn a_lab_job_prints_on_klipper_through_moonraker(kind: Kind) {
    use klipper_printer::{KlipperPrinter, Run, gcode};
    with_app(kind, |app| async move {
        let camera = format!("{}snap.jpg", super::camera::start_camera().await);
        let klipper = KlipperPrinter::start_with_camera(Some(&camera)).await;
        let cookie = staff_cookie(&app).await;
        let form = format!(
            "form[name]=Voron&form[method]=filament&form[build_x_mm]=300&form[build_y_mm]=300\
             &form[build_z_mm]=280&form[material]=PLA&form[colour]=Red&form[connection]=moonraker\
             &form[server_url]={}&form[api_key_from]=",
            klipper.url
        );
        let added = call(&app, "staff_add_printer", &form, Some(&cookie), None).await;
        assert!(added.status.is_success() || added.status.is_redirection(), "{}", added.text());
        let voron = store::list(&app.state.db).await.unwrap().remove(0);
        assert_eq!(voron.spec.connection, Connection::Moonraker { url: klipper.url.clone(), key: None });
        let card = call(&app, "staff_printers", "", Some(&cookie), None).await.json();
        assert_eq!((card[0]["connection"].as_str(), card[0]["key_from"].as_str()), (Some("moonraker"), None));
        let voron = voron.id;

        // Its camera, as Moonraker's webcam settings name it.
        let read =
            call(&app, "staff_printer_camera", &format!("id={voron}&from_server=true"), Some(&cookie), None)
                .await;
        assert!(read.status.is_success() || read.status.is_redirection(), "{}", read.text());
        let listed = store::list(&app.state.db).await.unwrap();
        assert_eq!(listed[0].snapshot_url.as_deref(), Some(camera.as_str()));

        // Sent: Printing, held halfway on the printer with its progress shown.
        let id = ready_job(&app, &cookie, gcode(Run::Held)).await;
        poll_until(&app, &cookie, &id, "offered the Voron", |page| page["printers"][0]["why_not"] == "")
            .await;
        let sent = act(&app, &cookie, &format!("id={id}&action=send_to_printer&printer_id={voron}")).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        let held = poll_until(&app, &cookie, &id, "under way", |page| progress(page) > 0.0).await;
        assert_eq!(held["status"], "Printing");
        assert!(progress(&held) < 100.0);
        assert_eq!(reading_of(&app.state.db, &voron).await.unwrap().state, PrinterState::Paused);
        let busy = page(&app, &cookie, &ready_job(&app, &cookie, gcode(Run::ToTheEnd)).await).await;
        assert!(busy["printers"][0]["why_not"].as_str().unwrap().starts_with("is busy"), "{busy}");

        // Moonraker out of reach: offline, and the job stays Printing.
        klipper.freeze();
        poll_once(&app.state.lab(), "instance-a", 30_000).await.unwrap();
        let gone = reading_of(&app.state.db, &voron).await.unwrap();
        assert_eq!(gone.state, PrinterState::Offline, "{gone:?}");
        assert!(gone.message.starts_with("Moonraker: "), "{gone:?}");
        assert_eq!(page(&app, &cookie, &id).await["status"], "Printing");
        klipper.thaw();

        // Cancelled on the printer: Print failed, with the printer's words and its picture.
        let server = memoreez::printers::moonraker::Moonraker::new(&klipper.url, None);
        poll_until(&app, &cookie, &id, "read again", |_| true).await;
        server.cancel().await.unwrap();
        let failed =
            poll_until(&app, &cookie, &id, "PrintFailed", |page| page["status"] == "PrintFailed").await;
        let reason =
            failed["events"].as_array().unwrap().last().unwrap()["details"].as_str().unwrap().to_string();
        assert!(reason.starts_with("Print failed on Voron: cancelled on the printer at "), "{reason}");
        assert!(failed["snapshot_url"].as_str().is_some(), "{failed}");

        // Reprinted from a file with a bad line: it stops there, and says why.
        use memoreez::platform::model_file::ModelFile;
        let reprint = |from: String, run: Run| {
            let (app, cookie, voron) = (&app, &cookie, &voron);
            async move {
                let made = act(app, cookie, &format!("id={from}&action=reprint")).await;
                assert_eq!(made.status, StatusCode::OK, "{}", made.text());
                let new_id = page(app, cookie, &from).await["replaced_by"].as_str().unwrap().to_string();
                let file = ModelFile { file_name: "plate.gcode".into(), bytes: gcode(run).into() };
                let staff = super::staff::staff_session(app).await;
                memoreez::lab::sliced::upload(&app.state.lab(), &staff, &new_id, file).await.unwrap();
                poll_until(app, cookie, &new_id, "offered the Voron", |page| {
                    page["printers"][0]["why_not"] == ""
                })
                .await;
                let sent =
                    act(app, cookie, &format!("id={new_id}&action=send_to_printer&printer_id={voron}")).await;
                assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
                new_id
            }
        };
        let bad = reprint(id.clone(), Run::Failing).await;
        let stopped =
            poll_until(&app, &cookie, &bad, "PrintFailed", |page| page["status"] == "PrintFailed").await;
        let reason =
            stopped["events"].as_array().unwrap().last().unwrap()["details"].as_str().unwrap().to_string();
        assert!(reason.starts_with("Print failed on Voron: the print stopped with an error at "), "{reason}");
        assert!(reason.contains("SET_GCODE_OFFSET Z=ten"), "{reason}");
        assert_eq!(reading_of(&app.state.db, &voron).await.unwrap().state, PrinterState::Stopped);

        // The printer is free again at once: the next reprint runs to the end.
        let good = reprint(bad, Run::ToTheEnd).await;
        let done = poll_until(&app, &cookie, &good, "Completed", |page| page["status"] == "Completed").await;
        assert_eq!(progress(&done), 100.0);
        assert_eq!(kinds(&done).last().unwrap(), &("completed".to_string(), "printer".to_string()));
        assert_eq!(mails(&app, "lab_print_failed").await.len(), 2);
        assert_eq!(mails(&app, "lab_ready").await.len(), 1);
    })
    .await;
}

pub async fn a_printer_out_of_reach_mid_print_keeps_its_job(kind: Kind) {
    with_app(kind, |app| async move {
        let (octoprint, mk4, cookie, id) = printing_on_mk4(&app, virtual_printer::gcode(40, 400)).await;
        let before =
            progress(&poll_until(&app, &cookie, &id, "under way", |page| progress(page) > 0.0).await);

        // OctoPrint stops answering: the printer is offline, the job stays Printing.
        octoprint.freeze();
        poll_once(&app.state.lab(), "instance-a", 30_000).await.unwrap();
        let gone = reading_of(&app.state.db, &mk4).await.unwrap();
        assert_eq!(gone.state, PrinterState::Offline, "{gone:?}");
        let held = page(&app, &cookie, &id).await;
        assert_eq!(held["status"], "Printing");
        assert_eq!(progress(&held), before.max(progress(&held)), "no progress is made up");

        // Back: followed again from where it is, to the end.
        octoprint.thaw();
        poll_until(&app, &cookie, &id, "further along", |page| progress(page) > before).await;
        let done = poll_until(&app, &cookie, &id, "Completed", |page| page["status"] == "Completed").await;
        assert!(!kinds(&done).iter().any(|(kind, _)| kind == "print_failed"), "{:?}", kinds(&done));
    })
    .await;
}

pub async fn a_printer_is_changed_and_removed_but_not_from_under_its_print(kind: Kind) {
    with_app(kind, |app| async move {
        let (octoprint, mk4, cookie, id) =
            printing_on_mk4(&app, virtual_printer::gcode(60, 500)).await;
        poll_until(&app, &cookie, &id, "under way", |page| progress(page) > 0.0).await;
        let ender = store::add(&app.state.db, &super::staff::staff_session(&app).await, printer("Ender", Connection::Manual)).await.unwrap();
        let listed = call(&app, "staff_printers", "", Some(&cookie), None).await.json();
        let card = listed.as_array().unwrap().iter().find(|card| card["id"] == mk4.as_str()).unwrap().clone();
        let key_from = card["key_from"].as_str().expect("where its key is read").to_string();
        assert_eq!(key_from, "file:MK4.key");
        assert!(!listed.to_string().contains(&octoprint.key), "the key itself is never shown");
        let form = |name: &str, colour: &str, connection: &str| {
            format!(
                "id={mk4}&form[name]={name}&form[method]=filament&form[build_x_mm]=250&form[build_y_mm]=210\
                 &form[build_z_mm]=220&form[material]=PLA&form[colour]={colour}&form[connection]={connection}\
                 &form[server_url]={}&form[api_key_from]={key_from}",
                octoprint.url
            )
        };
        let edit = |body: String| {
            let (app, cookie) = (&app, &cookie);
            async move { call(app, "staff_edit_printer", &body, Some(cookie), None).await }
        };

        // A spool swapped mid-print: taken, and the print goes on being followed.
        let swapped = edit(form("MK4", "Blue", "octoprint")).await;
        assert_eq!(swapped.status, StatusCode::OK, "{}", swapped.text());
        let spec = store::list(&app.state.db).await.unwrap().into_iter().find(|p| p.id == mk4).unwrap().spec;
        assert_eq!((spec.colour.as_str(), spec.name.as_str()), ("Blue", "MK4"));
        // How it is reached cannot change under a print; nor can it take another's name.
        let manual = edit(form("MK4", "Blue", "manual")).await;
        assert_eq!(manual.status, StatusCode::CONFLICT, "{}", manual.text());
        assert!(manual.text().contains("MK4 is printing "), "{}", manual.text());
        let taken = edit(form("Ender", "Blue", "octoprint")).await;
        assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text());
        let bad = edit(form("MK4", "", "octoprint")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text());
        assert!(bad.text().contains("\"field\":\"colour\""), "{}", bad.text());
        let spec = store::list(&app.state.db).await.unwrap().into_iter().find(|p| p.id == mk4).unwrap().spec;
        assert_eq!((spec.name.as_str(), spec.colour.as_str()), ("MK4", "Blue"), "refused changes change nothing");
        assert!(matches!(spec.connection, Connection::OctoPrint { .. }), "refused changes change nothing");

        // Removed: not while it prints; a free one at once; an unknown one is 404.
        let remove = |printer: String| {
            let (app, cookie) = (&app, &cookie);
            async move { call(app, "staff_remove_printer", &format!("id={printer}"), Some(cookie), None).await }
        };
        let busy = remove(mk4.clone()).await;
        assert_eq!(busy.status, StatusCode::CONFLICT, "{}", busy.text());
        assert_eq!(remove(ender.clone()).await.status, StatusCode::OK);
        assert_eq!(remove(ender).await.status, StatusCode::NOT_FOUND);
        assert_eq!(page(&app, &cookie, &id).await["status"], "Printing", "still followed");

        // Once the print is over, the printer can go; the job keeps its history.
        memoreez::printers::octoprint::OctoPrint::new(&octoprint.url, &octoprint.key).cancel().await.unwrap();
        poll_until(&app, &cookie, &id, "PrintFailed", |page| page["status"] == "PrintFailed").await;
        assert_eq!(remove(mk4).await.status, StatusCode::OK);
        assert!(store::list(&app.state.db).await.unwrap().is_empty());
        let after = page(&app, &cookie, &id).await;
        assert_eq!(after["status"], "PrintFailed");
        assert!(kinds(&after).contains(&("printing".to_string(), "staff".to_string())), "{:?}", kinds(&after));
    })
    .await;
}

pub async fn the_queue_plans_each_job_on_a_fitting_printer_and_staff_move_one_up(kind: Kind) {
    use memoreez::printers::eta::{CHANGEOVER_S, queue_plan};
    with_app(kind, |app| async move {
        let mut ender = printer("Ender", Connection::Manual);
        ender.colour = "Red".into();
        let ender = store::add(&app.state.db, &super::staff::staff_session(&app).await, ender).await.unwrap();
        let cookie = staff_cookie(&app).await;
        // Two red jobs of an hour each (2 g), first come first served.
        let (first, first_link) = ready_job_and_link(&app, &cookie, virtual_printer::gcode(5, 0)).await;
        let second = ready_job(&app, &cookie, virtual_printer::gcode(5, 0)).await;
        let plan = queue_plan(&app.state.lab()).await.unwrap();
        let order: Vec<&str> = plan.jobs.iter().map(|eta| eta.job_id.as_str()).collect();
        assert_eq!(order, [first.as_str(), second.as_str()]);
        let (a, b) = (&plan.jobs[0], &plan.jobs[1]);
        assert_eq!(
            (a.printer_id.as_deref(), b.printer_id.as_deref()),
            (Some(ender.as_str()), Some(ender.as_str()))
        );
        assert_eq!(a.ready_ms.unwrap() - a.start_ms.unwrap(), 3_600_000);
        assert_eq!(b.start_ms.unwrap(), a.ready_ms.unwrap() + CHANGEOVER_S * 1000, "one after the other");
        assert_eq!(plan.printers[&ender].1, 4.0, "the grams the printer's planned jobs need");

        // Staff see each card's place and times; the student sees theirs.
        let queue = call(&app, "staff_queue", "status=ReadyToPrint", Some(&cookie), None).await.json();
        assert_eq!(queue["jobs"][0]["place"], 1);
        assert!(queue["jobs"][1]["eta"].as_str().unwrap().contains(" on Ender, ready around "), "{queue}");
        let student = app.get(&format!("/api/lab/jobs/{first}?t={first_link}"), None).await.json();
        assert_eq!(student["queue_place"], serde_json::json!([1, 2]), "{student}");
        assert!(student["ready_around"].as_str().is_some(), "{student}");
        let printers = call(&app, "staff_printers", "", Some(&cookie), None).await.json();
        assert_eq!(printers[0]["material_needed_g"], 4.0);
        assert!(printers[0]["free_at"].as_str().is_some(), "busy for two hours and more: {printers}");

        // Moved up: the second goes first, and the log says so.
        let moved = act(&app, &cookie, &format!("id={second}&action=move_up")).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
        let plan = queue_plan(&app.state.lab()).await.unwrap();
        assert_eq!(plan.jobs[0].job_id, second);
        let queue = call(&app, "staff_queue", "status=ReadyToPrint", Some(&cookie), None).await.json();
        assert_eq!(queue["jobs"][0]["id"], second.as_str(), "the tab lists the queue's order");
        assert!(kinds(&page(&app, &cookie, &second).await).contains(&("moved_up".into(), "staff".into())));
        let student = app.get(&format!("/api/lab/jobs/{first}?t={first_link}"), None).await.json();
        assert_eq!(student["queue_place"], serde_json::json!([2, 2]));
        // Only a waiting job moves.
        act(&app, &cookie, &format!("id={first}&action=start_printing")).await;
        let late = act(&app, &cookie, &format!("id={first}&action=move_up")).await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

pub async fn a_printer_in_maintenance_is_planned_nothing_and_its_log_says_so(kind: Kind) {
    use memoreez::printers::eta::queue_plan;
    with_app(kind, |app| async move {
        let mut ender = printer("Ender", Connection::Manual);
        ender.colour = "Red".into();
        let ender = store::add(&app.state.db, &super::staff::staff_session(&app).await, ender).await.unwrap();
        let cookie = staff_cookie(&app).await;
        let job = ready_job(&app, &cookie, virtual_printer::gcode(5, 0)).await;
        let planned_on = async |app: &TestApp| {
            let plan = queue_plan(&app.state.lab()).await.unwrap();
            plan.jobs.iter().find(|eta| eta.job_id == job).and_then(|eta| eta.printer_id.clone())
        };
        assert_eq!(planned_on(&app).await.as_deref(), Some(ender.as_str()));
        let maintenance = async |form: String, cookie: Option<String>| {
            call(&app, "staff_printer_maintenance", &form, cookie.as_deref(), None).await
        };

        // Refused, and nothing changes: a note past 300 characters, no such
        // printer, no staff session.
        let long = "x".repeat(301);
        let refused =
            maintenance(format!("id={ender}&in_maintenance=true&note={long}"), Some(cookie.clone())).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert!(refused.text().contains("\"field\":\"note\""), "{}", refused.text());
        let unknown = maintenance("id=nope&in_maintenance=true&note=x".into(), Some(cookie.clone())).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let stranger = maintenance(format!("id={ender}&in_maintenance=true&note=x"), None).await;
        assert!(stranger.status.is_client_error(), "{}", stranger.status);
        assert!(store::list(&app.state.db).await.unwrap()[0].maintenance.is_none());

        // In maintenance: its card says so with the note, the queue plans
        // nothing for it, and its log has the change.
        let put =
            maintenance(format!("id={ender}&in_maintenance=true&note=+New+nozzle+"), Some(cookie.clone()))
                .await;
        assert!(put.status.is_success() || put.status.is_redirection(), "{}", put.text());
        let again =
            maintenance(format!("id={ender}&in_maintenance=true&note=twice"), Some(cookie.clone())).await;
        assert!(again.status.is_success() || again.status.is_redirection(), "asking again changes nothing");
        let printers = call(&app, "staff_printers", "", Some(&cookie), None).await.json();
        assert_eq!(printers[0]["maintenance"], "New nozzle", "{printers}");
        assert_eq!(printers[0]["log"].as_array().unwrap().len(), 1, "{printers}");
        assert_eq!(
            (printers[0]["log"][0]["what"].as_str(), printers[0]["log"][0]["note"].as_str()),
            (Some("Put in maintenance"), Some("New nozzle"))
        );
        assert_eq!(planned_on(&app).await, None, "nothing is planned on a printer in maintenance");
        let queue = call(&app, "staff_queue", "status=ReadyToPrint", Some(&cookie), None).await.json();
        assert!(!queue["jobs"][0]["eta"].as_str().unwrap_or_default().contains("on Ender"), "{queue}");

        // Back in service: planned again, and the log has both, newest first.
        let back = maintenance(format!("id={ender}&in_maintenance=false"), Some(cookie.clone())).await;
        assert!(back.status.is_success() || back.status.is_redirection(), "{}", back.text());
        assert_eq!(planned_on(&app).await.as_deref(), Some(ender.as_str()));
        let printers = call(&app, "staff_printers", "", Some(&cookie), None).await.json();
        assert!(printers[0]["maintenance"].is_null(), "{printers}");
        let whats: Vec<&str> = printers[0]["log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| line["what"].as_str().unwrap())
            .collect();
        assert_eq!(whats, ["Back in service", "Put in maintenance"]);
    })
    .await;
}

pub async fn a_failed_print_gets_its_cause_and_the_overview_counts_it(kind: Kind) {
    with_app(kind, |app| async move {
        let cookie = staff_cookie(&app).await;
        let job = ready_job(&app, &cookie, virtual_printer::gcode(5, 0)).await;
        let started = act(&app, &cookie, &format!("id={job}&action=start_printing&printer=Ender")).await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.text());
        let early = act(&app, &cookie, &format!("id={job}&action=failure_cause&cause=warping")).await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "only a failed print has a cause");
        let failed = act(&app, &cookie, &format!("id={job}&action=fail&reason=Lifted+at+a+corner")).await;
        assert_eq!(failed.status, StatusCode::OK, "{}", failed.text());

        // Refused, and nothing is logged: a cause not on the list, "something else" without a note.
        for (form, field) in [
            (format!("id={job}&action=failure_cause&cause=gremlins"), "cause"),
            (format!("id={job}&action=failure_cause&cause=other"), "note"),
            (format!("id={job}&action=failure_cause&cause=warping&note={}", "x".repeat(301)), "note"),
        ] {
            let refused = act(&app, &cookie, &form).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {}", refused.text());
            assert!(refused.text().contains(&format!("\"field\":\"{field}\"")), "{}", refused.text());
        }
        assert!(!kinds(&page(&app, &cookie, &job).await).iter().any(|(kind, _)| kind == "failure_cause"));

        let given = act(&app, &cookie, &format!("id={job}&action=failure_cause&cause=adhesion")).await;
        assert_eq!(given.status, StatusCode::OK, "{}", given.text());
        // Changed their mind: the last cause given is the one counted.
        let given =
            act(&app, &cookie, &format!("id={job}&action=failure_cause&cause=warping&note=+Corner+lifted+")).await;
        assert_eq!(given.status, StatusCode::OK, "{}", given.text());
        let after = page(&app, &cookie, &job).await;
        assert_eq!(after["status"], "PrintFailed", "a cause does not move the job");
        let logged: Vec<&str> = after["events"].as_array().unwrap().iter().filter_map(|e| e["details"].as_str()).collect();
        assert!(logged.contains(&"Cause: Warping. Corner lifted"), "{logged:?}");

        // The overview counts it by cause and by printer, and so does its CSV.
        let overview = call(&app, "staff_overview", "grain=week&periods=1", Some(&cookie), None).await.json();
        let jobs_for = |cause: &str| {
            overview["failures"].as_array().unwrap().iter().find(|row| row["cause"] == cause).unwrap()["jobs"].clone()
        };
        assert_eq!((jobs_for("warping"), jobs_for("adhesion"), jobs_for("none")), (1.into(), 0.into(), 0.into()));
        assert_eq!(
            overview["printer_failures"],
            serde_json::json!([{ "printer": "No printer named", "prints": 1, "failed": 1, "failed_pct": 100.0 }]),
            "a print run by hand names no printer of the lab's"
        );
        let csv = app.get("/staff/reports/failures.csv?grain=week&periods=1", Some(&cookie)).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.text().contains("warping,Warping,1"), "{}", csv.text());
        let rates = app.get("/staff/reports/printer_failures.csv?grain=week&periods=1", Some(&cookie)).await.text();
        assert!(rates.contains("No printer named,1,1,100.0"), "{rates}");
    })
    .await;
}
