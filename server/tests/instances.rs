//! Two machines, one lab: two `memoreez serve` processes on different ports,
//! one PostgreSQL database and one storage folder, as two staff computers
//! (or two web instances behind a proxy) run them. A submission through
//! instance A reaches a dashboard connected to instance B, and a staff step
//! taken on B reaches a dashboard on A, by PostgreSQL's LISTEN/NOTIFY; and
//! background jobs queued through both are each run exactly once by the
//! workers of both (leases with `FOR UPDATE SKIP LOCKED`); a staff session
//! and the sign-in limit hold on both.
//!
//! The tests are under `postgres::`, so `./dev test` skips them (and says so)
//! on a machine without PostgreSQL.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use memoreez::platform::db::Db;

const PASSWORD: &str = "correct-horse-battery";

fn admin_url() -> String {
    std::env::var("MEMOREEZ_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fresh database on the test server, dropped at the end.
struct Database {
    name: String,
    url: String,
}

impl Database {
    async fn create() -> Database {
        use sqlx::Connection;
        let name = format!("memoreez_two_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(&admin_url()).await.expect("the test PostgreSQL answers");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let base = admin_url().rsplit_once('/').unwrap().0.to_string();
        Database { url: format!("{base}/{name}"), name }
    }

    /// A fresh, migrated database, its pool, and the storage folder the instances share.
    async fn migrated() -> (Database, Db, tempfile::TempDir) {
        let database = Database::create().await;
        let db = Db::connect(&database.url).await.unwrap();
        db.migrate().await.unwrap();
        (database, db, tempfile::tempdir().unwrap())
    }

    /// Closes `db` and drops the database.
    async fn finish(self, db: Db) {
        db.close().await;
        self.drop_it().await;
    }

    async fn drop_it(self) {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&admin_url()).await.unwrap();
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut admin).await;
    }
}

/// One `memoreez serve`, killed on drop.
struct Instance {
    child: Child,
    url: String,
}

impl Instance {
    async fn start(database_url: &str, files: &std::path::Path) -> Instance {
        Instance::start_with(database_url, files, &[]).await
    }

    /// Two instances on one database and folder, started one after the other.
    async fn pair(database_url: &str, files: &std::path::Path) -> (Instance, Instance) {
        let a = Instance::start(database_url, files).await;
        (a, Instance::start(database_url, files).await)
    }

    /// An instance with settings of its own (`MEMOREEZ_…` environment variables).
    async fn start_with(database_url: &str, files: &std::path::Path, settings: &[(&str, &str)]) -> Instance {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_memoreez"))
            .arg("serve")
            .envs(settings.iter().copied())
            .env("MEMOREEZ_ADDR", format!("127.0.0.1:{port}"))
            .env("MEMOREEZ_DATABASE_URL", database_url)
            .env("MEMOREEZ_FILES_DIR", files)
            // No memoreez.toml there: the settings are these.
            .current_dir(files)
            .env("MEMOREEZ_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("memoreez serve starts");
        let instance = Instance { child, url: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            // Ready, and listening for the other instance's changes.
            if let Ok(ready) = client.get(format!("{}/readyz", instance.url)).send().await
                && ready.status().is_success()
                && ready.json::<serde_json::Value>().await.is_ok_and(|body| body["live_updates"] == "notify")
            {
                return instance;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("memoreez serve on {} did not become ready", instance.url);
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A live page's event stream (a staff dashboard's `/api/staff/events`, an order page's).
struct Feed {
    response: reqwest::Response,
    buffer: String,
}

impl Feed {
    /// A staff dashboard's feed on `instance`.
    async fn dashboard(instance: &Instance, cookie: &str) -> Feed {
        Feed::open(&format!("{}/api/staff/events", instance.url), Some(cookie)).await.0
    }

    /// Any event stream; its first event (where it starts) is read.
    async fn open(url: &str, cookie: Option<&str>) -> (Feed, serde_json::Value) {
        let mut request = reqwest::Client::new().get(url);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{url}: {}", response.status());
        let mut feed = Feed { response, buffer: String::new() };
        let first = feed.next().await;
        (feed, first)
    }

    /// The next event's data.
    async fn next(&mut self) -> serde_json::Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|line| line.strip_prefix("data:")) {
                    return serde_json::from_str(data.trim()).unwrap();
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the feed stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// A 10 mm cube as binary STL.
fn cube_stl() -> Vec<u8> {
    let cube = geometry::shapes::cuboid([0.0; 3], [10.0, 10.0, 10.0]);
    let triangles: Vec<_> = cube.triangle_corners().collect();
    let mut stl = vec![0u8; 80];
    stl.extend_from_slice(&(triangles.len() as u32).to_le_bytes());
    for corners in triangles {
        stl.extend_from_slice(&[0u8; 12]);
        for corner in corners {
            for value in corner {
                stl.extend_from_slice(&(value as f32).to_le_bytes());
            }
        }
        stl.extend_from_slice(&[0u8; 2]);
    }
    stl
}

/// A multipart POST of `fields` and a 10 mm cube as `file` to `path` on `instance`.
fn cube_request(instance: &Instance, path: &str, fields: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let boundary = "memoreez-two-instances";
    let mut body = Vec::new();
    for (field, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cube.stl\"\r\n\
             Content-Type: model/stl\r\n\r\n"
        )
        .bytes(),
    );
    body.extend(cube_stl());
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    reqwest::Client::new()
        .post(format!("{}{path}", instance.url))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
}

/// Posts `fields` and a 10 mm cube as `file` (multipart) to `path` on
/// `instance`, expecting `status`; the JSON answer.
async fn post_with_cube(
    instance: &Instance,
    path: &str,
    fields: &[(&str, &str)],
    status: u16,
) -> serde_json::Value {
    let reply = cube_request(instance, path, fields).send().await.unwrap();
    let answered = reply.status();
    let json: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(answered, status, "{path}: {json}");
    json
}

/// A student's submission form, for `name`.
fn submission(name: &str) -> [(&str, &str); 7] {
    [
        ("name", name),
        ("email", "student@example.edu"),
        ("discipline", "Physics"),
        ("class_number", "PHYS 2211"),
        ("method", "filament"),
        ("color", "Red"),
        ("acknowledged", "true"),
    ]
}

/// Submits a student's model through `instance`; the job's id.
async fn submit(instance: &Instance, name: &str) -> String {
    let json = post_with_cube(instance, "/api/lab/submissions", &submission(name), 201).await;
    json["id"].as_str().unwrap().to_string()
}

/// Every file under `folder`, as paths relative to it (unfinished writes included).
fn stored(folder: &std::path::Path) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(at) = folders.pop() {
        for entry in std::fs::read_dir(&at).unwrap().flatten() {
            match entry.file_type().unwrap().is_dir() {
                true => folders.push(entry.path()),
                false => {
                    found.insert(entry.path().strip_prefix(folder).unwrap().display().to_string());
                }
            }
        }
    }
    found
}

/// Signs staff in on the shared database; the session cookie.
async fn staff_cookie(db: &Db) -> String {
    memoreez::staff::sign_in::set_password(db, PASSWORD, PASSWORD).await.unwrap();
    let token = memoreez::staff::sign_in::sign_in(db, "test", PASSWORD, false).await.unwrap();
    format!("{}={token}", memoreez::staff::sign_in::COOKIE_NAME)
}

/// Takes staff step `form` (`id=…&action=…`) on `instance`.
async fn staff_step(instance: &Instance, cookie: &str, form: String) {
    let reply = reqwest::Client::new()
        .post(format!("{}/api/staff_job_action", instance.url))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{}", reply.text().await.unwrap());
}

/// Queues a price quote through `instance`, made by a background worker; the job's id.
async fn queue_quote(instance: &Instance) -> String {
    let json = post_with_cube(instance, "/api/quotes", &[("wait", "false")], 202).await;
    json["job_id"].as_str().unwrap().to_string()
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_queued_through_two_instances_each_run_once() {
        use sqlx::Row;
        let database = Database::create().await;
        let files = tempfile::tempdir().unwrap();
        // Both start at once on the empty database: each migrates it at
        // start-up, one after the other (sqlx holds an advisory lock).
        let (a, b) = tokio::join!(
            Instance::start(&database.url, files.path()),
            Instance::start(&database.url, files.path())
        );
        let db = Db::connect(&database.url).await.unwrap();

        // N quotes (each a real PrusaSlicer run), queued alternately through A and B.
        const N: usize = 8;
        let mut ids = Vec::new();
        for n in 0..N {
            ids.push(queue_quote(if n % 2 == 0 { &a } else { &b }).await);
        }
        let started = Instant::now();
        let rows = loop {
            let rows = sqlx::query("SELECT id, status, attempts, result FROM jobs WHERE kind = 'quote'")
                .fetch_all(db.pool())
                .await
                .unwrap();
            let done = rows.iter().filter(|row| row.get::<String, _>("status") == "done").count();
            if done == N {
                break rows;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "{done} of {N} done after 2 minutes");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };

        // N jobs, N results: each ran once, and each made its own quote.
        assert_eq!(rows.len(), N);
        let mut quotes = std::collections::BTreeSet::new();
        for row in &rows {
            assert_eq!(
                row.get::<i64, _>("attempts"),
                1,
                "job {} ran more than once",
                row.get::<String, _>("id")
            );
            let result: serde_json::Value = serde_json::from_str(&row.get::<String, _>("result")).unwrap();
            quotes.insert(result["quote_id"].as_str().unwrap().to_string());
            assert_ne!(result["quote"]["engine"], "estimate", "sliced, not estimated: {result}");
        }
        let saved: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM quotes").fetch_one(db.pool()).await.unwrap().get("n");
        assert_eq!((quotes.len(), saved), (N, N as i64));
        println!(
            "{N} quotes queued through two instances ran once each in {:.1} s",
            started.elapsed().as_secs_f64()
        );

        drop((a, b));
        database.finish(db).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_instances_share_one_live_lab() {
        let (database, db, files) = Database::migrated().await;
        let cookie = staff_cookie(&db).await;
        let (a, b) = Instance::pair(&database.url, files.path()).await;
        let mut on_a = Feed::dashboard(&a, &cookie).await;
        let mut on_b = Feed::dashboard(&b, &cookie).await;

        // A student submits through A; the dashboard on B hears of it, with the chime.
        let sent = Instant::now();
        let id = submit(&a, "Lise Meitner").await;
        let heard = on_b.next().await;
        let latency = sent.elapsed();
        assert_eq!(heard["new_submissions"], 1, "{heard}");
        println!("a submission through A reached B's dashboard {} ms after it was sent", latency.as_millis());
        // Well inside the fallback re-read (2 s): the news came by NOTIFY.
        assert!(latency < Duration::from_millis(1500), "{latency:?}");
        let version = heard["version"].as_i64().unwrap();
        assert_eq!(on_a.next().await["version"], version);

        // Staff approve it on B; the dashboard on A hears of it.
        let acted = Instant::now();
        staff_step(&b, &cookie, format!("id={id}&action=approve&weight_g=12&print_hours=1")).await;
        let heard = on_a.next().await;
        let latency = acted.elapsed();
        assert!(heard["version"].as_i64().unwrap() > version, "{heard}");
        assert_eq!(heard["new_submissions"], 0);
        println!("a staff step on B reached A's dashboard {} ms after it was taken", latency.as_millis());
        assert!(latency < Duration::from_millis(1500), "{latency:?}");

        // Both see the same job, and its folder moved once, in the shared storage.
        let page = |instance: &Instance| {
            reqwest::Client::new()
                .post(format!("{}/api/staff_job", instance.url))
                .header("cookie", &cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("id={id}"))
                .send()
        };
        let (on_a_page, on_b_page): (serde_json::Value, serde_json::Value) =
            (page(&a).await.unwrap().json().await.unwrap(), page(&b).await.unwrap().json().await.unwrap());
        assert_eq!((&on_a_page["status"], &on_b_page["status"]), (&"Pending".into(), &"Pending".into()));
        assert_eq!(on_a_page["events"], on_b_page["events"]);
        // A download link signed by A works on B (one link secret, in the database).
        let model_url = on_a_page["files"][0]["url"].as_str().unwrap();
        let model = reqwest::get(format!("{}{model_url}", b.url)).await.unwrap();
        assert_eq!(model.status(), 200);
        assert_eq!(model.bytes().await.unwrap(), cube_stl());
        let pending = files.path().join("lab/Pending");
        assert_eq!(std::fs::read_dir(&pending).unwrap().count(), 1, "{}", pending.display());
        assert!(!files.path().join("lab/Uploaded").read_dir().is_ok_and(|mut d| d.next().is_some()));

        drop((on_a, on_b, a, b));
        database.finish(db).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_order_page_on_one_instance_follows_a_step_on_the_other() {
        use sqlx::Row;
        let (database, db, files) = Database::migrated().await;
        let cookie = staff_cookie(&db).await;
        let (a, b) = Instance::pair(&database.url, files.path()).await;

        // A customer prices a model through A and orders it for pickup.
        let quote = queue_quote(&a).await;
        let progress =
            reqwest::get(format!("{}/api/jobs/{quote}/events", a.url)).await.unwrap().text().await.unwrap();
        assert!(progress.contains("event: done"), "{progress}");
        let order = serde_json::json!({ "quote_job": quote, "name": "Ada Lovelace", "email": "ada@example.com",
                                        "delivery": "pickup", "quantity": 1 });
        let placed =
            reqwest::Client::new().post(format!("{}/api/orders", a.url)).json(&order).send().await.unwrap();
        let status = placed.status();
        let placed: serde_json::Value = placed.json().await.unwrap();
        assert_eq!(status, 201, "{placed}");
        let (path, token) = placed["order_url"].as_str().unwrap().split_once('?').unwrap();

        // Its page streams from A; staff start printing it on B.
        let (mut page, first) = Feed::open(&format!("{}/api{path}/events?{token}", a.url), None).await;
        assert_ne!(first["status"], "printing", "{first}");
        let job: String = sqlx::query("SELECT id FROM print_jobs WHERE order_id = $1")
            .bind(placed["id"].as_str().unwrap())
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get("id");
        let acted = Instant::now();
        staff_step(&b, &cookie, format!("id={job}&action=start_printing&printer=MK4")).await;
        let heard = page.next().await;
        let latency = acted.elapsed();
        assert_eq!(heard["status"], "printing", "{heard}");
        println!(
            "a step on B reached the order page streaming from A {} ms after it was taken",
            latency.as_millis()
        );
        assert!(latency < Duration::from_millis(1500), "{latency:?}");

        drop((page, a, b));
        database.finish(db).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sign_in_sessions_and_limits_hold_across_instances() {
        let (database, db, files) = Database::migrated().await;
        memoreez::staff::sign_in::set_password(&db, PASSWORD, PASSWORD).await.unwrap();
        let (a, b) = Instance::pair(&database.url, files.path()).await;
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let call = |instance: &Instance, name: &str, form: String, cookie: Option<&str>| {
            let mut request = client
                .post(format!("{}/api/{name}", instance.url))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form);
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie.to_string());
            }
            request.send()
        };

        // Signed in through A, the session works on B; signed out on B, it is gone on A.
        let signed_in = call(&a, "staff_sign_in", format!("password={PASSWORD}"), None).await.unwrap();
        let cookie = signed_in
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .expect("a session cookie")
            .to_string();
        let status = |instance: &Instance| {
            let cookie = cookie.clone();
            let request = call(instance, "staff_status", String::new(), Some(&cookie));
            async move { request.await.unwrap().json::<serde_json::Value>().await.unwrap()["signed_in"].clone() }
        };
        assert_eq!(status(&b).await, true);
        call(&b, "staff_sign_out", String::new(), Some(&cookie)).await.unwrap();
        assert_eq!(status(&a).await, false);

        // Wrong passwords count on both: three on A and two on B, then even the right one waits.
        for n in 0..5 {
            let instance = if n < 3 { &a } else { &b };
            let wrong =
                call(instance, "staff_sign_in", "password=wrong-password-here".into(), None).await.unwrap();
            assert!(wrong.text().await.unwrap().contains("not the staff password"));
        }
        let limited = call(&a, "staff_sign_in", format!("password={PASSWORD}"), None).await.unwrap();
        assert!(limited.text().await.unwrap().contains("Too many wrong passwords"));

        drop((a, b));
        database.finish(db).await;
    }

    /// Every kind of change an open page follows is announced under the
    /// topic its stream waits for (`lab:`, `job:`, `order:`, `creation:`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_change_a_page_follows_is_announced() {
        let (database, db, files) = Database::migrated().await;
        let mut listener = sqlx::postgres::PgListener::connect(&database.url).await.unwrap();
        listener.listen(memoreez::platform::changes::CHANNEL).await.unwrap();
        let heard = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
        let hearing = heard.clone();
        let listening = tokio::spawn(async move {
            while let Ok(notification) = listener.recv().await {
                hearing.lock().unwrap().insert(notification.payload().to_string());
            }
        });
        let a = Instance::start(&database.url, files.path()).await;

        let submission = submit(&a, "Marie Curie").await;
        let quote = queue_quote(&a).await;
        let progress =
            reqwest::get(format!("{}/api/jobs/{quote}/events", a.url)).await.unwrap().text().await.unwrap();
        assert!(progress.contains("event: done"), "{progress}");
        let order = serde_json::json!({ "quote_job": quote, "name": "Ada Lovelace", "email": "ada@example.com",
                                        "delivery": "pickup", "quantity": 1 });
        let placed: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/orders", a.url))
            .json(&order)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let story = serde_json::json!({ "hobbies": ["sailing"], "facts": "Owns a beagle called Pip." });
        let created: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/creations", a.url))
            .json(&story)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();

        let expected = [
            memoreez::platform::changes::topic("lab", &submission),
            memoreez::platform::changes::topic("job", &quote),
            memoreez::platform::changes::topic("order", placed["id"].as_str().unwrap()),
            memoreez::platform::changes::topic("creation", created["id"].as_str().unwrap()),
        ];
        let started = Instant::now();
        while !expected.iter().all(|topic| heard.lock().unwrap().contains(topic)) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "heard {:?}, expected {expected:?}",
                heard.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        listening.abort();
        drop(a);
        database.finish(db).await;
    }

    /// A `memoreez worker` killed with SIGKILL in the middle of a mesh job
    /// (its 3D service never answers): the job's lease runs out, another
    /// worker takes it and finishes it, once, and the customer gets the model.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_killed_mid_job_leaves_it_to_another() {
        use sqlx::Row;
        let (database, db, files) = Database::migrated().await;
        let server =
            Instance::start_with(&database.url, files.path(), &[("MEMOREEZ_REMOTE_MESH_WORKERS", "true")])
                .await;
        let token = memoreez::jobs::worker_tokens::create(&db, "gpu").await.unwrap();

        // A 3D service that takes the request and never answers.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent_url = format!("http://{}", silent.local_addr().unwrap());
        let (asked, mut was_asked) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                held.push(socket);
                let _ = asked.send(());
            }
        });

        // A customer picks a design: a mesh job for the remote workers.
        let client = reqwest::Client::new();
        let created = client
            .post(format!("{}/api/creations", server.url))
            .json(&serde_json::json!({ "hobbies": ["sailing"], "facts": "Owns a beagle called Pip." }))
            .send()
            .await
            .unwrap();
        let cookie = created
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|value| value.to_str().unwrap().split(';').next().unwrap().to_string())
            .find(|cookie| cookie.starts_with("memoreez_visitor="))
            .expect("a visitor cookie");
        let id = created.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let started = Instant::now();
        while sqlx::query("SELECT 1 FROM concepts WHERE creation_id = $1 AND idx = 0 AND status = 'ready'")
            .bind(&id)
            .fetch_optional(db.pool())
            .await
            .unwrap()
            .is_none()
        {
            assert!(started.elapsed() < Duration::from_secs(60), "the first design was never drawn");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let picked = client
            .post(format!("{}/api/creations/{id}/select", server.url))
            .header("cookie", &cookie)
            .json(&serde_json::json!({ "concept": 0 }))
            .send()
            .await
            .unwrap();
        assert!(picked.status().is_success(), "{}", picked.text().await.unwrap());

        let worker = |provider: &str, name: &str| {
            Command::new(env!("CARGO_BIN_EXE_memoreez"))
                .args(["worker", "--server", &server.url, "--mesh-provider", provider, "--lease-s", "5"])
                .args(["--worker-id", name])
                .env("MEMOREEZ_WORKER_TOKEN", &token)
                .env("MEMOREEZ_LOG", "warn")
                .current_dir(files.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("memoreez worker starts")
        };
        let mut doomed = worker(&format!("hunyuan3d={silent_url}"), "doomed");
        tokio::time::timeout(Duration::from_secs(30), was_asked.recv())
            .await
            .expect("the worker took the job");
        let owner: String = sqlx::query("SELECT lease_owner FROM jobs WHERE kind = 'mesh'")
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get("lease_owner");
        assert_eq!(owner, "remote:gpu:doomed");
        doomed.kill().unwrap(); // SIGKILL: no goodbye, no failure reported
        doomed.wait().unwrap();
        let killed_at = Instant::now();

        let mut rescuer = worker("embedded", "rescuer");
        let job = loop {
            let job = sqlx::query("SELECT status, attempts, lease_owner FROM jobs WHERE kind = 'mesh'")
                .fetch_one(db.pool())
                .await
                .unwrap();
            if job.get::<String, _>("status") == "done" {
                break job;
            }
            assert!(killed_at.elapsed() < Duration::from_secs(60), "the job was not taken over");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let _ = rescuer.kill();
        let _ = rescuer.wait();
        println!(
            "a killed worker's job was finished by another {:.1} s later",
            killed_at.elapsed().as_secs_f64()
        );
        assert_eq!(job.get::<i64, _>("attempts"), 2, "taken twice, finished once");
        let model = client
            .get(format!("{}/media/models/{id}/model.stl", server.url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(model.status(), 200);
        let mesh =
            geometry::io::read(geometry::io::Format::Stl, &model.bytes().await.unwrap(), &Default::default())
                .unwrap();
        assert!(geometry::analysis::analyse(&mesh, &Default::default()).watertight);

        drop(server);
        database.finish(db).await;
    }

    /// `memoreez serve` killed with SIGKILL after it stored two uploads'
    /// files and before it recorded them (the test holds the tables locked,
    /// as a stalled database would): no row points at a missing file, and
    /// `memoreez admin sweep-files` removes exactly the files no row names,
    /// keeping those of the uploads that finished. The server runs the same
    /// sweep by itself every half MEMOREEZ_ORPHAN_GRACE_MINUTES.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_server_killed_during_an_upload_leaves_no_file_for_long() {
        let (database, db, files) = Database::migrated().await;
        let mut server = Instance::start(&database.url, files.path()).await;
        let kept_job = submit(&server, "Grace Hopper").await;
        let upload = post_with_cube(&server, "/api/creations/upload", &[], 201).await;
        let model_job = upload["job_id"].as_str().unwrap();
        let started = Instant::now();
        // The finished upload's model is made in the background; wait for it,
        // so that every file written from here on is one of the killed uploads'.
        while sqlx::query_scalar::<_, String>("SELECT status FROM jobs WHERE id = $1")
            .bind(model_job)
            .fetch_one(db.pool())
            .await
            .unwrap()
            != "done"
        {
            assert!(started.elapsed() < Duration::from_secs(60), "the uploaded model was never made");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let before = stored(files.path());

        let mut lock = db.pool().begin().await.unwrap();
        sqlx::query("LOCK TABLE print_jobs, creations IN EXCLUSIVE MODE").execute(&mut *lock).await.unwrap();
        let held = [
            tokio::spawn(cube_request(&server, "/api/lab/submissions", &submission("Alan Turing")).send()),
            tokio::spawn(cube_request(&server, "/api/creations/upload", &[]).send()),
        ];
        let started = Instant::now();
        let written = loop {
            let new: Vec<String> = stored(files.path()).difference(&before).cloned().collect();
            let lab_model = new.iter().any(|path| path.starts_with("lab/") && path.ends_with(".stl"));
            if lab_model && new.iter().any(|path| path.ends_with("/upload.stl")) {
                break new;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "the uploads' files never came: {new:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        server.child.kill().unwrap(); // SIGKILL, between the file and its row
        server.child.wait().unwrap();
        for request in held {
            assert!(request.await.unwrap().is_err(), "an upload was answered by a killed server");
        }
        lock.rollback().await.unwrap();

        // Only the finished uploads' rows, and each names a file that is there.
        let pool = db.pool();
        let strings = |sql: &'static str| async move {
            sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await.unwrap()
        };
        assert_eq!(strings("SELECT id FROM print_jobs").await, [kept_job]);
        let creations = strings("SELECT id FROM creations").await;
        assert_eq!(creations.len(), 1, "{creations:?}");
        for key in strings("SELECT file_key FROM print_jobs")
            .await
            .into_iter()
            .chain(creations.iter().map(|id| format!("models/{id}/upload.stl")))
        {
            assert!(files.path().join(&key).is_file(), "{key} is named by a row but missing");
        }
        let orphans = stored(files.path()).difference(&before).cloned().collect::<Vec<_>>();
        assert!(orphans.len() >= written.len(), "{orphans:?}");

        // The sweep a restarted lab runs (0 minutes: no server is running).
        let swept = Command::new(env!("CARGO_BIN_EXE_memoreez"))
            .args(["admin", "sweep-files", "--older-than-minutes", "0"])
            .env("MEMOREEZ_DATABASE_URL", &database.url)
            .env("MEMOREEZ_FILES_DIR", files.path())
            .env("MEMOREEZ_LOG", "warn")
            .current_dir(files.path())
            .output()
            .unwrap();
        let said =
            String::from_utf8_lossy(&swept.stdout).to_string() + &String::from_utf8_lossy(&swept.stderr);
        assert!(swept.status.success(), "{said}");
        let mut removed: Vec<String> =
            said.lines().filter_map(|line| line.strip_prefix("removed ")).map(str::to_string).collect();
        removed.sort();
        assert_eq!(removed, orphans, "{said}");
        assert_eq!(stored(files.path()), before, "the finished uploads' files are all kept");
        let killed_folder =
            orphans.iter().find(|path| path.starts_with("lab/")).unwrap().rsplit_once('/').unwrap().0;
        assert!(!files.path().join(killed_folder).exists(), "its empty folder goes too");
        println!("the sweep removed {} files a killed upload left: {removed:?}", removed.len());
        database.finish(db).await;
    }
}
