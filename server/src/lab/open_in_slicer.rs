//! "Open in slicer": `memoreez open-in-slicer <link>` opens the file a
//! `3dprint://` link names (see `slicing::open_link`) in the configured
//! slicer, and `memoreez protocol install` registers it with the desktop.
//!
//! A link is a command to a staff computer, so before the handler opens
//! anything it checks the link: that it names a file the staff pages link
//! ([`staff_file`]: our rewritten mesh, a sliced file, a shop order's
//! keepsake — never a student's 3MF with its slicer settings), that it has
//! not expired, and that the site signed it (it asks the site, which alone
//! holds the secret: [`check_with_site`]). Only then does it ask the person
//! at the computer, and it tells the site what it did: the site writes each
//! opening and refusal into the job's event log ([`record`]) as a staff
//! computer's report, in the site's own words (the report names a reason
//! from a fixed list, never free text).

use std::path::{Path, PathBuf};

pub use slicing::open_link::{LinkError, SCHEME, link, parse, resolve};

use crate::lab::LabContext;

#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum OpenError {
    #[error(transparent)]
    Link(#[from] LinkError),
    /// Not a link a staff page gives, or not one of the files they link.
    #[error("not opened: {0}")]
    NotStaffs(String),
    #[error("not opened: the link has expired; open it again from the job's page")]
    Expired,
    /// The site did not confirm the link, or could not be asked.
    #[error("not opened: {0}")]
    NotConfirmed(String),
    #[error("the slicer {0} could not be started: {1}")]
    Slicer(String, String),
    #[error("not opened: {0}")]
    Declined(String),
}

impl OpenError {
    /// What the site is told of it: a word from a fixed list.
    fn reason(&self) -> &'static str {
        match self {
            OpenError::Declined(_) => "declined",
            OpenError::Slicer(..) => "slicer_failed",
            OpenError::Expired => "expired",
            OpenError::Link(_) | OpenError::NotStaffs(_) | OpenError::NotConfirmed(_) => "link_refused",
        }
    }
}

/// What a reported reason says in the job's log.
fn reason_words(reason: &str) -> &'static str {
    match reason {
        "declined" => "the person at the computer said no",
        "slicer_failed" => "the slicer could not be started there",
        "expired" => "the link had expired",
        _ => "the computer refused the link",
    }
}

/// Whether `relative` is a file the staff pages open: the bare mesh we
/// write for a lab job, a sliced file, or a shop order's keepsake (our STL).
/// A student's own upload (a 3MF can carry post-processing scripts the
/// slicer would run) is a download only, never opened.
pub fn staff_file(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or_default();
    let lab_file = relative.starts_with("lab/")
        && (name.ends_with(".mesh.stl")
            || name.rsplit_once(".sliced.").is_some_and(|(_, ext)| {
                matches!(ext, "gcode" | "bgcode" | "sl1" | "sl1s" | "3mf" | "ctb" | "goo")
            }));
    let order_file = relative.starts_with("orders/") && relative.ends_with("/keepsake.stl");
    lab_file || order_file
}

/// How long a staff page's slicer link works.
const LINK_HOURS: i64 = 12;

/// What a link's signature covers: the job and the file.
fn signed_text(job_id: &str, relative: &str) -> String {
    format!("3dprint:{job_id}:{relative}")
}

/// The link with which a staff page opens `relative` for print job `job_id`.
pub fn job_link(cx: &LabContext, job_id: &str, relative: &str) -> String {
    let exp = crate::platform::time::now_ms() / 1000 + LINK_HOURS * 3600;
    let sig = cx.links.signature(&signed_text(job_id, relative), exp);
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
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
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

/// The link's job and file when this site signed it, it has not expired
/// and it names a file staff open.
pub fn verify(cx: &LabContext, link: &str) -> Option<(String, String)> {
    let (Ok(relative), Some(job_id), Some(exp), Some(sig)) = (
        parse(link),
        param(link, "job"),
        param(link, "exp").and_then(|exp| exp.parse::<i64>().ok()),
        param(link, "sig"),
    ) else {
        return None;
    };
    let now_s = crate::platform::time::now_ms() / 1000;
    (staff_file(&relative) && cx.links.verify(&signed_text(&job_id, &relative), exp, &sig, now_s))
        .then_some((job_id, relative))
}

/// Writes a reported opening or refusal into the job's event log; `false`
/// (nothing written) when the site did not sign the link, it has expired or
/// the job is gone.
pub async fn record(cx: &LabContext, opening: &Opening) -> sqlx::Result<bool> {
    let Some((job_id, relative)) = verify(cx, &opening.link) else {
        return Ok(false);
    };
    let now = crate::platform::time::now_ms();
    let mut tx = cx.db.begin_write().await?;
    let Some(status): Option<String> = sqlx::query_scalar("SELECT status FROM print_jobs WHERE id = $1")
        .bind(&job_id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(false);
    };
    let file = relative.rsplit('/').next().unwrap_or_default();
    // A computer's name, as a host name goes: nothing else of the caller's reaches the log.
    let computer: String = opening
        .computer
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .take(64)
        .collect();
    let computer = if computer.is_empty() { "a staff computer".to_string() } else { computer };
    let (kind, details) = match opening.opened {
        true => ("slicer_opened", format!("Opened {file} in the slicer on {computer}.")),
        false => (
            "slicer_refused",
            format!("Did not open {file} in the slicer on {computer}: {}.", reason_words(&opening.reason)),
        ),
    };
    // A report changes no status: from and to are where the job is.
    let Some(status) = app::print_job::PrintJobStatus::parse(&status) else {
        return Ok(false);
    };
    crate::lab::events::add_event(
        &mut tx,
        &job_id,
        now,
        ("staff computer", kind),
        (Some(status), status),
        &details,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Opens the file a link names in `slicer` (a program on PATH or a path),
/// without waiting for it to close: only a staff file ([`staff_file`]) of a
/// link that has not expired and that `confirm` (the site) says it signed,
/// and once `ask` says yes.
pub fn open(
    root: &Path,
    slicer: &Path,
    link: &str,
    confirm: impl FnOnce(&str) -> Result<(), String>,
    ask: impl FnOnce(&Path) -> bool,
) -> Result<PathBuf, OpenError> {
    let relative = parse(link)?;
    let exp = match (param(link, "job"), param(link, "exp"), param(link, "sig")) {
        (Some(_), Some(exp), Some(_)) => exp.parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| OpenError::NotStaffs("this is not a link from a job's page on the staff site".into()))?;
    if !staff_file(&relative) {
        return Err(OpenError::NotStaffs(format!("{relative} is not a file the staff pages open")));
    }
    if exp <= crate::platform::time::now_ms() / 1000 {
        return Err(OpenError::Expired);
    }
    confirm(link).map_err(OpenError::NotConfirmed)?;
    let file = resolve(root, &relative)?;
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

/// Asks the site (`public_url`) whether it signed `link` and it still
/// holds: only the site has the secret it was signed with.
pub fn check_with_site(public_url: &str, link: &str) -> Result<(), String> {
    let url = format!("{}/api/lab/slicer-links/check", public_url.trim_end_matches('/'));
    post(&url, &serde_json::json!({ "link": link }), |status| match status {
        204 => Ok(()),
        404 => Err(format!(
            "the site at {public_url} did not recognise the link (expired, or not made by the site)"
        )),
        status => Err(format!("the site at {public_url} could not check the link (HTTP {status})")),
    })
    .map_err(|error| format!("the link could not be checked with the site: {error}"))?
}

/// POSTs `body` as JSON to `url` (from a command, so on a runtime of its
/// own) and reads the answer's status with `answer`.
fn post<T>(url: &str, body: &serde_json::Value, answer: impl FnOnce(u16) -> T) -> Result<T, String> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let reply = reqwest::Client::new()
            .post(url)
            .timeout(std::time::Duration::from_secs(10))
            .json(body)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        Ok(answer(reply.status().as_u16()))
    })
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
        reason: outcome.as_ref().err().map(|error| error.reason().to_string()).unwrap_or_default(),
        computer,
    };
    let url = format!("{}/api/lab/slicer-openings", public_url.trim_end_matches('/'));
    let body = serde_json::to_value(&opening).map_err(|e| e.to_string())?;
    post(&url, &body, |status| match status {
        204 => Ok(()),
        404 => Err(format!("{url} did not recognise the link (expired, or not made by the site)")),
        status => Err(format!("{url} answered {status}")),
    })?
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_files_staff_pages_link_are_opened() {
        for ours in [
            "lab/Uploaded/2026-12-03 Ada Lovelace bracket/2026-12-03 Ada Lovelace bracket.mesh.stl",
            "lab/Printing/2026-12-03 Ada/2026-12-03 Ada.sliced.gcode",
            "lab/Printing/2026-12-03 Ada/2026-12-03 Ada.sliced.bgcode",
            "orders/ord_123/keepsake.stl",
        ] {
            assert!(staff_file(ours), "{ours}");
        }
        for theirs in [
            "lab/Uploaded/2026-12-03 Ada/Bracket.3mf",
            "lab/Uploaded/2026-12-03 Ada/Bracket.stl",
            "lab/Uploaded/2026-12-03 Ada/x.sliced.sh",
            "models/abc/model.stl",
            "orders/ord_123/thumbnail.png",
            "outbox/x.eml",
        ] {
            assert!(!staff_file(theirs), "{theirs}");
        }
    }

    #[test]
    fn a_link_is_checked_before_anyone_is_asked() {
        let root = tempfile::tempdir().unwrap();
        let never_asked = |_: &Path| -> bool { panic!("asked about a link that should have been refused") };
        let confirmed = |_: &str| -> Result<(), String> { Ok(()) };
        let slicer = Path::new("/bin/true");
        let file = "orders/o1/keepsake.stl";
        let later = crate::platform::time::now_ms() / 1000 + 3600;
        let signed = |relative: &str, exp: i64| format!("{}&job=j1&exp={exp}&sig=s", link(relative));

        let bare = open(root.path(), slicer, &link(file), confirmed, never_asked).unwrap_err();
        assert!(matches!(bare, OpenError::NotStaffs(_)), "{bare}");
        let raw = signed("lab/Uploaded/x/Bracket.3mf", later);
        assert!(matches!(
            open(root.path(), slicer, &raw, confirmed, never_asked),
            Err(OpenError::NotStaffs(_))
        ));
        let expired = signed(file, 1_000_000);
        assert_eq!(open(root.path(), slicer, &expired, confirmed, never_asked), Err(OpenError::Expired));
        let refused = |_: &str| -> Result<(), String> { Err("the site did not recognise the link".into()) };
        let forged = open(root.path(), slicer, &signed(file, later), refused, never_asked).unwrap_err();
        assert_eq!(forged, OpenError::NotConfirmed("the site did not recognise the link".into()));
        assert_eq!(forged.reason(), "link_refused");
    }
}
