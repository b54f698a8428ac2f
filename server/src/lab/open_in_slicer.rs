//! "Open in slicer": `memoreez open-in-slicer <link>` opens the file a
//! `3dprint://` link names (see `slicing::open_link`) in the configured
//! slicer, and `memoreez protocol install` registers it with the desktop.
//!
//! A link is a command to a staff computer, so the handler asks before it
//! opens anything, and tells the site what it did: the staff pages' links
//! carry the print job and a signature ([`job_link`]), and the site writes
//! each opening and each refusal into that job's event log ([`record`]).
//! The files the staff pages link are the site's own (a student's model is
//! rewritten as a bare mesh, see `lab_files::slicer_model_file`), never a
//! student's 3MF with its slicer settings.

use std::path::{Path, PathBuf};

pub use slicing::open_link::{LinkError, SCHEME, link, parse, resolve};
use sqlx::Row;

use crate::state::AppState;

#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum OpenError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("the slicer {0} could not be started: {1}")]
    Slicer(String, String),
    #[error("not opened: {0}")]
    Declined(String),
}

/// How long a staff page's slicer link works.
const LINK_HOURS: i64 = 12;

/// What a link's signature covers: the job and the file.
fn signed_text(job_id: &str, relative: &str) -> String {
    format!("3dprint:{job_id}:{relative}")
}

/// The link with which a staff page opens `relative` for print job `job_id`.
pub fn job_link(state: &AppState, job_id: &str, relative: &str) -> String {
    let exp = crate::platform::time::now_ms() / 1000 + LINK_HOURS * 3600;
    let sig = state.links.signature(&signed_text(job_id, relative), exp);
    let job: String = url::form_urlencoded::byte_serialize(job_id.as_bytes()).collect();
    format!("{}&job={job}&exp={exp}&sig={sig}", link(relative))
}

/// A link's `name=` value, if it has exactly one.
fn param(link: &str, name: &str) -> Option<String> {
    let query = link.split_once('?')?.1;
    let mut values = url::form_urlencoded::parse(query.as_bytes()).filter(|(key, _)| key == name);
    match (values.next(), values.next()) {
        (Some((_, value)), None) => Some(value.into_owned()),
        _ => None,
    }
}

/// What a staff computer did with a link, as it reports it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Opening {
    pub link: String,
    pub opened: bool,
    /// Why not, when not opened.
    #[serde(default)]
    pub reason: String,
    /// The computer's name.
    #[serde(default)]
    pub computer: String,
}

/// Writes a reported opening or refusal into the job's event log; `false`
/// (nothing written) when the site did not sign the link, it has expired or
/// the job is gone.
pub async fn record(state: &AppState, opening: &Opening) -> sqlx::Result<bool> {
    let (Ok(relative), Some(job_id), Some(exp), Some(sig)) = (
        parse(&opening.link),
        param(&opening.link, "job"),
        param(&opening.link, "exp").and_then(|exp| exp.parse::<i64>().ok()),
        param(&opening.link, "sig"),
    ) else {
        return Ok(false);
    };
    let now = crate::platform::time::now_ms();
    if !state.links.verify(&signed_text(&job_id, &relative), exp, &sig, now / 1000) {
        return Ok(false);
    }
    let mut tx = state.db.begin_write().await?;
    let Some(row) = sqlx::query("SELECT status FROM print_jobs WHERE id = $1")
        .bind(&job_id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(false);
    };
    let status: String = row.try_get("status")?;
    let file = relative.rsplit('/').next().unwrap_or_default();
    let short =
        |text: &str, most: usize| text.chars().filter(|c| !c.is_control()).take(most).collect::<String>();
    let computer = match short(&opening.computer, 64) {
        name if name.trim().is_empty() => "a staff computer".to_string(),
        name => name,
    };
    let (kind, details) = match opening.opened {
        true => ("slicer_opened", format!("Opened {file} in the slicer on {computer}.")),
        false => (
            "slicer_refused",
            format!("Did not open {file} in the slicer on {computer}: {}.", short(&opening.reason, 200)),
        ),
    };
    sqlx::query(
        "INSERT INTO print_job_events (job_id, at, actor, kind, from_status, to_status, details) \
         VALUES ($1, $2, 'staff', $3, $4, $4, $5)",
    )
    .bind(&job_id)
    .bind(now)
    .bind(kind)
    .bind(&status)
    .bind(&details)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Opens the file a link names in `slicer` (a program on PATH or a path),
/// without waiting for it to close, once `ask` says yes.
pub fn open(
    root: &Path,
    slicer: &Path,
    link: &str,
    ask: impl FnOnce(&Path) -> bool,
) -> Result<PathBuf, OpenError> {
    let file = resolve(root, &parse(link)?)?;
    if !ask(&file) {
        return Err(OpenError::Declined("the person at this computer said no".into()));
    }
    std::process::Command::new(slicer)
        .arg(&file)
        .stdin(std::process::Stdio::null())
        .spawn()
        .map_err(|e| OpenError::Slicer(slicer.display().to_string(), e.to_string()))?;
    Ok(file)
}

/// Asks the person at this computer whether to open `file`: a desktop
/// dialog (zenity) when there is a desktop and zenity, otherwise a line on
/// standard input. No answer (no dialog, input closed) is a no.
pub fn ask_at_this_computer(file: &Path) -> bool {
    let question = format!("Open {} in the slicer?", file.display());
    let desktop = ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|name| std::env::var_os(name).is_some());
    if desktop
        && let Ok(status) = std::process::Command::new("zenity")
            .args(["--question", "--title=Memoreez", &format!("--text={question}")])
            .status()
    {
        return status.success();
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    match std::io::stdin().read_line(&mut answer) {
        Ok(_) => matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"),
        Err(_) => false,
    }
}

/// Tells the site (`public_url`) what became of a link, for the job's
/// event log. A link without a job (typed by hand) is not reported; a site
/// that cannot be reached is a warning, not a reason to stop.
pub fn report(public_url: &str, link: &str, outcome: &Result<PathBuf, OpenError>) -> Result<(), String> {
    if param(link, "job").is_none() {
        return Ok(());
    }
    let computer = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_default();
    let opening = Opening {
        link: link.to_string(),
        opened: outcome.is_ok(),
        reason: outcome.as_ref().err().map(ToString::to_string).unwrap_or_default(),
        computer,
    };
    let url = format!("{}/api/lab/slicer-openings", public_url.trim_end_matches('/'));
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let reply = reqwest::Client::new()
            .post(&url)
            .timeout(std::time::Duration::from_secs(10))
            .json(&opening)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        match reply.status().as_u16() {
            204 => Ok(()),
            404 => Err(format!("{url} did not recognise the link (expired, or not made by the site)")),
            status => Err(format!("{url} answered {status}")),
        }
    })
}

/// Registers `memoreez open-in-slicer` for `3dprint://` links with the
/// desktop (freedesktop: a .desktop file and `xdg-mime`); what it did, line by line.
pub fn install(data_home: &Path, program: &Path) -> Result<Vec<String>, String> {
    let folder = data_home.join("applications");
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let file = folder.join("memoreez-3dprint.desktop");
    let desktop = format!(
        "[Desktop Entry]\nType=Application\nName=Memoreez: open in slicer\nExec=\"{}\" open-in-slicer %u\n\
         NoDisplay=true\nMimeType=x-scheme-handler/{SCHEME};\n",
        program.display()
    );
    std::fs::write(&file, desktop).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut said = vec![format!("wrote {}", file.display())];
    let registered = std::process::Command::new("xdg-mime")
        .args(["default", "memoreez-3dprint.desktop", &format!("x-scheme-handler/{SCHEME}")])
        .status();
    said.push(match registered {
        Ok(status) if status.success() => format!("registered it for {SCHEME}:// links (xdg-mime)"),
        Ok(status) => format!("xdg-mime failed ({status}): register it by hand"),
        Err(_) => {
            "xdg-mime is not installed (Debian: xdg-utils): the desktop will not know the link yet".into()
        }
    });
    Ok(said)
}
