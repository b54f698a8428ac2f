//! A real Klipper printer behind a real Moonraker (both from PyPI) for the
//! tests that drive a Klipper printer: Klipper runs in its file-output mode
//! with no microcontroller (its commands go to /dev/null, its clock is
//! simulated, so prints finish at once), the way Moonraker's own test suite
//! runs it. `./dev test` installs both in virtualenvs and names them in
//! `MEMOREEZ_TEST_KLIPPY`, `MEMOREEZ_TEST_MOONRAKER` and
//! `MEMOREEZ_TEST_KLIPPER_DICT` (the microcontroller's data dictionary).

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Klipper and Moonraker on a free port, Klipper ready.
pub struct KlipperPrinter {
    klippy: Child,
    moonraker: Child,
    /// Moonraker's address.
    pub url: String,
    base: tempfile::TempDir,
}

impl Drop for KlipperPrinter {
    fn drop(&mut self) {
        for child in [&mut self.moonraker, &mut self.klippy] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn named(variable: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| {
        panic!(
            "{variable} is not set: run `./dev test`, which installs Klipper and Moonraker (PyPI) \
             in virtualenvs and sets it"
        )
    })
}

/// The printer Klipper drives: no motion system (moves are taken and go
/// nowhere), an SD card Moonraker fills, and PAUSE/RESUME/CANCEL_PRINT.
const PRINTER_CFG: &str = "[mcu]\nserial: /dev/null\n\n\
    [printer]\nkinematics: none\nmax_velocity: 300\nmax_accel: 3000\n\n\
    [virtual_sdcard]\npath: {gcodes}\n\n\
    [pause_resume]\n\n[display_status]\n";

/// Moonraker trusting this machine (no key needed, a wrong one refused),
/// without its system integrations, with a camera when one is given.
const MOONRAKER_CONF: &str = "[server]\nhost: 127.0.0.1\nport: {port}\nklippy_uds_address: {socket}\n\n\
    [machine]\nprovider: none\nvalidate_service: False\n\n\
    [authorization]\ntrusted_clients:\n  127.0.0.0/8\n\n\
    [file_manager]\nenable_object_processing: False\n";

impl KlipperPrinter {
    pub async fn start() -> KlipperPrinter {
        KlipperPrinter::start_with_camera(None).await
    }

    /// [`KlipperPrinter::start`], with a webcam in Moonraker's settings
    /// whose still picture is at `snapshot`.
    pub async fn start_with_camera(snapshot: Option<&str>) -> KlipperPrinter {
        let (klippy, moonraker, dict) = (
            named("MEMOREEZ_TEST_KLIPPY"),
            named("MEMOREEZ_TEST_MOONRAKER"),
            named("MEMOREEZ_TEST_KLIPPER_DICT"),
        );
        let base = tempfile::tempdir().unwrap();
        let root = base.path();
        // Moonraker's data folder: its config, database, logs, and the G-code
        // files Klipper's SD card reads.
        let data = root.join("data");
        for folder in ["config", "gcodes", "logs", "database"] {
            std::fs::create_dir_all(data.join(folder)).unwrap();
        }
        // A unix socket's path is short (108 bytes): the temporary folder's is.
        let socket = root.join("klippy.sock");
        let printer_cfg = root.join("printer.cfg");
        std::fs::write(&printer_cfg, PRINTER_CFG.replace("{gcodes}", &path(&data.join("gcodes")))).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let camera = snapshot
            .map(|url| {
                format!("\n[webcam lab]\nservice: mjpegstreamer\nsnapshot_url: {url}\nstream_url: {url}\n")
            })
            .unwrap_or_default();
        std::fs::write(
            data.join("config/moonraker.conf"),
            MOONRAKER_CONF.replace("{port}", &port.to_string()).replace("{socket}", &path(&socket)) + &camera,
        )
        .unwrap();
        let log = |name: &str| std::fs::File::create(root.join(name)).unwrap();
        let klippy = Command::new(&klippy)
            .arg(&printer_cfg)
            .args([
                "-o",
                "/dev/null",
                "-d",
                &dict,
                "-a",
                &path(&socket),
                "-I",
                &path(&root.join("klippy.pty")),
            ])
            .args(["-l", &path(&root.join("klippy.log"))])
            .stdout(Stdio::null())
            .stderr(log("klippy.err"))
            .spawn()
            .expect("klippy starts");
        let moonraker = Command::new(&moonraker)
            .args(["-d", &path(&data), "-n"])
            .stdout(Stdio::null())
            .stderr(log("moonraker.err"))
            .spawn()
            .expect("moonraker starts");
        let url = format!("http://127.0.0.1:{port}");
        let mut printer = KlipperPrinter { klippy, moonraker, url, base };
        printer.wait_until_ready().await;
        printer
    }

    /// Waits for Moonraker to answer and Klipper to say it is ready (a minute at most).
    async fn wait_until_ready(&mut self) {
        let http = reqwest::Client::new();
        let started = Instant::now();
        let mut last = String::new();
        loop {
            for (name, child) in [("klippy", &mut self.klippy), ("moonraker", &mut self.moonraker)] {
                if let Some(status) = child.try_wait().unwrap() {
                    let log = std::fs::read_to_string(self.base.path().join(format!("{name}.err")));
                    panic!("{name} stopped ({status}): {}", log.unwrap_or_default());
                }
            }
            let query = format!("{}/printer/objects/query?webhooks", self.url);
            if let Ok(answer) = http.get(&query).send().await {
                last = answer.text().await.unwrap_or_default();
                if last.contains("\"state\":\"ready\"") || last.contains("\"state\": \"ready\"") {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "Klipper was not ready within a minute; Moonraker's last answer: {last}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Moonraker's API key (asked as a trusted client, as its own web UIs do).
    pub async fn api_key(&self) -> String {
        let answer: serde_json::Value =
            reqwest::get(format!("{}/access/api_key", self.url)).await.unwrap().json().await.unwrap();
        answer["result"].as_str().unwrap_or_else(|| panic!("an API key: {answer}")).to_string()
    }

    /// Stops Klipper, leaving Moonraker up: a printer host whose Klipper
    /// crashed or is restarting.
    pub fn stop_klipper(&mut self) {
        let _ = self.klippy.kill();
        let _ = self.klippy.wait();
    }

    /// Freezes Moonraker (SIGSTOP): it stops answering, as a printer server
    /// that hangs or drops off the network.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Lets it run on (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let sent = Command::new("kill").args([signal, &self.moonraker.id().to_string()]).status().unwrap();
        assert!(sent.success(), "kill {signal}");
    }
}

fn path(path: &Path) -> String {
    path.to_str().unwrap().to_string()
}

/// How a test print goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Run {
    /// Printed to the end (at once: Klipper's clock is simulated here).
    ToTheEnd,
    /// Holds halfway with a PAUSE until it is cancelled (or resumed).
    Held,
    /// Stops halfway on a line Klipper refuses.
    Failing,
}

/// A G-code of a few moves that runs as `run` says, with the footer a
/// slicer writes, so the lab takes it as a sliced file (2 g, 1 h).
pub fn gcode(run: Run) -> Vec<u8> {
    let mut lines = vec!["G28".to_string(), "G90".to_string()];
    for n in 0..20 {
        lines.push(format!("G1 X{} Y10 F3000", 10 + n));
        if n == 10 {
            match run {
                Run::ToTheEnd => {}
                Run::Held => lines.push("PAUSE".into()),
                // A number Klipper cannot read: an error, as a bad file gives.
                Run::Failing => lines.push("SET_GCODE_OFFSET Z=ten".into()),
            }
        }
    }
    lines.push("; total filament used [g] = 2.00".into());
    lines.push("; estimated printing time (normal mode) = 1h 0m 0s".into());
    (lines.join("\n") + "\n").into_bytes()
}
