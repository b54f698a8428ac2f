//! A real OctoPrint (PyPI `octoprint`, with its Virtual Printer plugin) for
//! the tests that drive a printer. `./dev test` installs it in a virtualenv
//! and names its executable in `MEMOREEZ_TEST_OCTOPRINT`.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A real OctoPrint on a free port with a virtual printer connected, and
/// an API key made the way a lab makes one (an app key, after a login).
pub struct VirtualPrinter {
    server: Child,
    pub url: String,
    pub key: String,
    _base: tempfile::TempDir,
}

impl Drop for VirtualPrinter {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

const USER: &str = "labstaff";
const PASSWORD: &str = "a-lab-password-1";

impl VirtualPrinter {
    pub async fn start() -> VirtualPrinter {
        VirtualPrinter::start_with_camera(None).await
    }

    /// [`VirtualPrinter::start`], with a webcam whose still picture is at
    /// `snapshot`: the `webcam.snapshot` setting, which OctoPrint moves into
    /// its classic webcam plugin on start (setting the plugin's own key in a
    /// fresh config is overwritten by that move).
    pub async fn start_with_camera(snapshot: Option<&str>) -> VirtualPrinter {
        let octoprint = std::env::var("MEMOREEZ_TEST_OCTOPRINT").unwrap_or_else(|_| {
            panic!(
                "MEMOREEZ_TEST_OCTOPRINT names no OctoPrint: run `./dev test`, which installs one \
                 (PyPI `octoprint` in a virtualenv), or set it to an `octoprint` executable"
            )
        });
        let base = tempfile::tempdir().unwrap();
        let camera = snapshot.map(|url| format!("webcam:\n  snapshot: '{url}'\n")).unwrap_or_default();
        // Tests run as root: OctoPrint wants to be told that is meant.
        std::fs::write(
            base.path().join("config.yaml"),
            camera
                + "plugins:\n  virtual_printer:\n    enabled: true\n  tracking:\n    enabled: false\n  \
             announcements:\n    enabled: false\n  errortracking:\n    enabled: false\n  \
             softwareupdate:\n    check_providers: {}\n  pluginmanager:\n    repository: ''\n\
             server:\n  onlineCheck:\n    enabled: false\n  pluginBlacklist:\n    enabled: false\n  \
             firstRun: false\n  seenWizards:\n    corewizard: 4\n\
             serial:\n  port: VIRTUAL\n  baudrate: 0\n  autoconnect: true\n",
        )
        .unwrap();
        let basedir = base.path().to_str().unwrap().to_string();
        let added = Command::new(&octoprint)
            .args(["--basedir", &basedir, "--iknowwhatimdoing", "user", "add", "--password", PASSWORD])
            .args(["--admin", USER])
            .output()
            .expect("octoprint runs");
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let server = Command::new(&octoprint)
            .args(["serve", "--basedir", &basedir, "--iknowwhatimdoing", "--host", "127.0.0.1"])
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("octoprint serve starts");
        let url = format!("http://127.0.0.1:{port}");
        let mut printer = VirtualPrinter { server, url, key: String::new(), _base: base };
        printer.key = printer.app_key(port).await;
        printer
    }

    /// Logs in (with the CSRF token OctoPrint sets as a cookie) and asks
    /// the app-keys plugin for a key, as OctoPrint's settings page does.
    async fn app_key(&mut self, port: u16) -> String {
        let http = reqwest::Client::new();
        // It answers before it is ready: wait for the page that sets the CSRF cookie.
        let csrf_name = format!("csrf_token_P{port}");
        let started = Instant::now();
        let (mut cookies, csrf) = loop {
            assert!(self.server.try_wait().unwrap().is_none(), "octoprint serve stopped");
            assert!(started.elapsed() < Duration::from_secs(120), "OctoPrint did not start within 2 minutes");
            if let Ok(front) = http.get(&self.url).send().await {
                let cookies = cookies_of(&front);
                let csrf =
                    cookies.iter().find_map(|(name, value)| (*name == csrf_name).then(|| value.clone()));
                if let Some(csrf) = csrf {
                    break (cookies, csrf);
                }
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        let login = http
            .post(format!("{}/api/login", self.url))
            .header("X-CSRF-Token", &csrf)
            .header("Cookie", cookie_header(&cookies))
            .json(&serde_json::json!({ "user": USER, "pass": PASSWORD, "remember": false }))
            .send()
            .await
            .unwrap();
        assert!(login.status().is_success(), "login: {}", login.status());
        // The login sets a session and may rotate the CSRF token: the newest of each counts.
        for (name, value) in cookies_of(&login) {
            cookies.retain(|(kept, _)| *kept != name);
            cookies.push((name, value));
        }
        let csrf = cookies
            .iter()
            .find_map(|(name, value)| (*name == csrf_name).then(|| value.clone()))
            .unwrap_or(csrf);
        let generated: serde_json::Value = http
            .post(format!("{}/api/plugin/appkeys", self.url))
            .header("X-CSRF-Token", &csrf)
            .header("Cookie", cookie_header(&cookies))
            .json(&serde_json::json!({ "command": "generate", "app": "memoreez-tests" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        generated["api_key"].as_str().unwrap_or_else(|| panic!("an app key: {generated}")).to_string()
    }

    /// Freezes the OctoPrint process (SIGSTOP): it stops answering, as a
    /// printer server that hangs or drops off the network, and its print
    /// waits where it is.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Lets it run on (SIGCONT), print and all.
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let sent = Command::new("kill").args([signal, &self.server.id().to_string()]).status().unwrap();
        assert!(sent.success(), "kill {signal}");
    }
}

/// A G-code of `moves` moves, each followed by a dwell of `dwell_ms`: the
/// virtual printer takes about that long to print it. With the footer a
/// slicer writes, so the lab takes it as a sliced file (2 g, 1 h).
pub fn gcode(moves: u32, dwell_ms: u32) -> Vec<u8> {
    let mut lines = vec!["G28".to_string(), "G90".to_string()];
    for n in 0..moves {
        lines.push(format!("G1 X{} Y10 F3000", 10 + n));
        if dwell_ms > 0 {
            lines.push(format!("G4 P{dwell_ms}"));
        }
    }
    lines.push("; total filament used [g] = 2.00".into());
    lines.push("; estimated printing time (normal mode) = 1h 0m 0s".into());
    (lines.join("\n") + "\n").into_bytes()
}

fn cookies_of(response: &reqwest::Response) -> Vec<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next()?.split_once('='))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect()
}

fn cookie_header(cookies: &[(String, String)]) -> String {
    cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
}
