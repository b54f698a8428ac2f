//! Where a printer server's API key is read from: only an environment
//! variable named `MEMOREEZ_PRINTER_KEY_…` or a file in the printer keys
//! folder, so a staff sign-in cannot name the server's own secrets (a
//! printer's key is sent to an address staff type).

/// The environment variables a printer's key may be read from start so:
/// `env:MEMOREEZ_STRIPE_SECRET_KEY` must not send the shop's Stripe key to
/// an address a staff member typed.
pub const KEY_VARIABLE_PREFIX: &str = "MEMOREEZ_PRINTER_KEY_";

/// Where a printer server's API key is read from. The key itself is
/// never stored, shown or logged; only variables with
/// [`KEY_VARIABLE_PREFIX`] and files in the printer keys folder
/// (`MEMOREEZ_PRINTER_KEYS_DIR`) can be named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `env:MEMOREEZ_PRINTER_KEY_…`: an environment variable of the server.
    Env(String),
    /// `file:NAME`: a file in the printer keys folder (its first line).
    File(String),
    /// A stored source that is no longer allowed (written before the rule):
    /// it reads as an error until staff name an allowed one.
    Unusable(String),
}

/// How a source is named, for the form's error.
pub const KEY_SOURCE_HELP: &str = "Say where the server reads the API key: env:MEMOREEZ_PRINTER_KEY_NAME \
     (an environment variable) or file:NAME (a file in the printer keys folder), never the key itself.";

impl KeySource {
    pub fn parse(text: &str) -> Option<KeySource> {
        let text = text.trim();
        if let Some(name) = text.strip_prefix("env:") {
            let rest = name.strip_prefix(KEY_VARIABLE_PREFIX)?;
            let good = !rest.is_empty()
                && name.len() <= 100
                && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            return good.then(|| KeySource::Env(name.to_string()));
        }
        // A plain file name: no folders, no `..`, no hidden files.
        let name = text.strip_prefix("file:")?;
        let good = !name.is_empty()
            && name.len() <= 100
            && !name.starts_with('.')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        good.then(|| KeySource::File(name.to_string()))
    }

    /// A stored source: as [`parse`](Self::parse), or [`KeySource::Unusable`].
    pub(crate) fn stored(text: &str) -> KeySource {
        KeySource::parse(text).unwrap_or_else(|| KeySource::Unusable(text.chars().take(120).collect()))
    }

    pub fn as_text(&self) -> String {
        match self {
            KeySource::Env(name) => format!("env:{name}"),
            KeySource::File(name) => format!("file:{name}"),
            KeySource::Unusable(text) => text.clone(),
        }
    }

    /// The key, or why it cannot be had (naming the source, never the key;
    /// the same words whether a file is missing or unreadable).
    pub fn read(&self, keys_dir: &std::path::Path) -> Result<String, String> {
        let key = match self {
            KeySource::Env(name) => std::env::var(name).map_err(|_| format!("{name} is not set"))?,
            KeySource::File(name) => std::fs::read_to_string(keys_dir.join(name))
                .map_err(|_| format!("the printer keys folder has no readable file {name}"))?
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
            KeySource::Unusable(_) => {
                return Err(format!(
                    "{} is no longer allowed; name env:{KEY_VARIABLE_PREFIX}… or file:NAME",
                    self.as_text()
                ));
            }
        };
        let key = key.trim().to_string();
        if key.is_empty() { Err(format!("{} holds no key", self.as_text())) } else { Ok(key) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_read_only_from_a_printer_variable_or_the_keys_folder() {
        assert_eq!(
            KeySource::parse("env:MEMOREEZ_PRINTER_KEY_P1"),
            Some(KeySource::Env("MEMOREEZ_PRINTER_KEY_P1".into()))
        );
        assert_eq!(KeySource::parse("file:p1.key"), Some(KeySource::File("p1.key".into())));
        for bad in [
            "",
            "env:",
            "env:MEMOREEZ_PRINTER_KEY_",
            "env:MEMOREEZ_PRINTER_KEY_A B",
            // The server's own secrets, and any other variable.
            "env:MEMOREEZ_STRIPE_SECRET_KEY",
            "env:MEMOREEZ_SLANT3D_API_KEY",
            "env:HOME",
            "env:PRINTER_KEY",
            // Any file but one in the keys folder.
            "file:/etc/memoreez/p1.key",
            "file:/proc/self/environ",
            "file:../memoreez.db",
            "file:keys/p1.key",
            "file:.hidden",
            "file:",
            "the-key-itself",
        ] {
            assert_eq!(KeySource::parse(bad), None, "{bad}");
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("p1.key"), "s3cr3t-key\nignored\n").unwrap();
        assert_eq!(KeySource::File("p1.key".into()).read(dir.path()).unwrap(), "s3cr3t-key");
        // A missing file and an unreadable one (a folder) say the same.
        std::fs::create_dir(dir.path().join("folder.key")).unwrap();
        assert_eq!(
            KeySource::File("missing.key".into()).read(dir.path()).unwrap_err(),
            "the printer keys folder has no readable file missing.key"
        );
        assert_eq!(
            KeySource::File("folder.key".into()).read(dir.path()).unwrap_err(),
            "the printer keys folder has no readable file folder.key"
        );
        let missing = KeySource::Env("MEMOREEZ_PRINTER_KEY_NO_SUCH".into()).read(dir.path()).unwrap_err();
        assert_eq!(missing, "MEMOREEZ_PRINTER_KEY_NO_SUCH is not set");
        std::fs::write(dir.path().join("p1.key"), "\n").unwrap();
        assert!(KeySource::File("p1.key".into()).read(dir.path()).unwrap_err().ends_with("holds no key"));
        // A source stored before the rule reads as an error, never as the secret.
        let old = KeySource::stored("env:MEMOREEZ_STRIPE_SECRET_KEY");
        assert_eq!(old, KeySource::Unusable("env:MEMOREEZ_STRIPE_SECRET_KEY".into()));
        assert!(old.read(dir.path()).unwrap_err().contains("no longer allowed"));
    }
}
