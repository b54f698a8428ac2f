//! Reading the forms that carry a model file (multipart): the quote form
//! (`file`, and optionally `profile`, `material`, `engine`, `wait`) and the
//! keepsake upload form (`file` alone). The JSON API and the pages' server
//! functions all take them, so all read them here, with the same limits and
//! messages.

use app::error::AppError;
use futures_util::Stream;
use slicing::material::Material;
use slicing::quote::Engine;

use crate::platform::config::Config;
use crate::platform::model_file::ModelFile;
use crate::shop::quotes::QuoteRequest;

/// A short field (a name, a choice) is never longer than this.
const TEXT_FIELD_MAX: usize = 1024;
/// More parts than any of our forms has (the lab's has eleven): a form with more
/// is refused instead of read on.
const PARTS_MAX: usize = 32;

pub struct QuoteForm {
    pub request: QuoteRequest,
    /// `false`: answer at once and slice in the background (the API's `wait=false`).
    pub wait: bool,
}

#[derive(thiserror::Error, Debug)]
pub enum FormError {
    /// A field's value cannot be used; `field` names it.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("The file is larger than the {0} MB limit.")]
    TooLarge(u64),
    #[error("The form could not be read: {0}")]
    Malformed(String),
}

impl From<FormError> for AppError {
    fn from(error: FormError) -> Self {
        let message = error.to_string();
        match error {
            FormError::Invalid { field, .. } => AppError::Invalid { field: field.into(), message },
            FormError::TooLarge(_) => AppError::TooLarge { field: "file".into(), message },
            FormError::Malformed(_) => AppError::Malformed { field: "file".into(), message },
        }
    }
}

/// The quote form in the multipart body `stream` with this `boundary`.
pub async fn read<S, O, E>(stream: S, boundary: String, config: &Config) -> Result<QuoteForm, FormError>
where
    S: Stream<Item = Result<O, E>> + Send + 'static,
    O: Into<bytes::Bytes> + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    read_fields(multer::Multipart::new(stream, boundary), config).await
}

/// The quote form, from a form already opened (the server function's).
pub async fn read_fields(form: multer::Multipart<'_>, config: &Config) -> Result<QuoteForm, FormError> {
    let (file, fields) = read_parts(form, config).await?;
    let (mut profile, mut material, mut engine, mut wait) =
        ("shop".to_string(), Material::Pla, Engine::Auto, true);
    for (name, value) in fields {
        match name.as_str() {
            "wait" => wait = value.parse().map_err(|_| invalid("wait", "expected true or false"))?,
            "profile" if config.price_book(&value).is_some() => profile = value,
            "profile" => return Err(invalid("profile", "expected shop or lab")),
            "material" => material = value.parse().map_err(|e: String| invalid("material", e))?,
            "engine" => engine = value.parse().map_err(|e: String| invalid("engine", e))?,
            _ => return Err(unknown(&name)),
        }
    }
    let ModelFile { file_name, bytes } = file;
    let book = config.price_book(&profile).expect("the profile was checked");
    Ok(QuoteForm { request: QuoteRequest { file_name, bytes, book, material, engine }, wait })
}

/// The keepsake upload form (`file` alone), from a form already opened.
pub async fn read_model_fields(form: multer::Multipart<'_>, config: &Config) -> Result<ModelFile, FormError> {
    let (file, fields) = read_parts(form, config).await?;
    match fields.first() {
        Some((name, _)) => Err(unknown(name)),
        None => Ok(file),
    }
}

/// The print lab's submission form: the student's details and `file`.
pub async fn read_lab_fields(
    form: multer::Multipart<'_>,
    config: &Config,
) -> Result<(ModelFile, app::lab::Submission), FormError> {
    let (file, fields) = read_parts(form, config).await?;
    let mut submission = app::lab::Submission::default();
    for (name, value) in fields {
        if !submission.set(&name, value) {
            return Err(unknown(&name));
        }
    }
    Ok((file, submission))
}

/// The lab's estimate form: `file`, `method` and optional `copies` (1 when absent or empty).
pub async fn read_estimate_fields(
    form: multer::Multipart<'_>,
    config: &Config,
) -> Result<(ModelFile, app::lab::PrintMethod, u32), FormError> {
    let (file, fields) = read_parts(form, config).await?;
    let (mut method, mut copies) = (None, 1);
    for (name, value) in fields {
        match name.as_str() {
            "method" => {
                method = Some(
                    app::lab::PrintMethod::parse(&value)
                        .ok_or_else(|| invalid("method", "expected filament or resin"))?,
                )
            }
            // The submission form's own rule: empty is one, 1 to 20.
            "copies" => {
                copies = app::lab::copies(&value).map_err(|error| invalid("copies", error.to_string()))?
            }
            _ => return Err(unknown(&name)),
        }
    }
    Ok((file, method.ok_or_else(|| invalid("method", "expected filament or resin"))?, copies))
}

/// Staff's sliced-file form: the job's `id` and its `file` (G-code or 3MF,
/// up to the model size limit); the name is checked by the caller.
pub async fn read_sliced_fields(
    form: multer::Multipart<'_>,
    config: &Config,
) -> Result<(String, ModelFile), FormError> {
    let (file, fields) = read_parts_as(form, config, false).await?;
    match fields.as_slice() {
        [(name, id)] if name == "id" => Ok((id.clone(), file)),
        _ => Err(invalid("form", "expected the job's id and the file")),
    }
}

/// The lab's submission form in the multipart body `stream` (the API's).
pub async fn read_lab<S, O, E>(
    stream: S,
    boundary: String,
    config: &Config,
) -> Result<(ModelFile, app::lab::Submission), FormError>
where
    S: Stream<Item = Result<O, E>> + Send + 'static,
    O: Into<bytes::Bytes> + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    read_lab_fields(multer::Multipart::new(stream, boundary), config).await
}

/// The keepsake upload form in the multipart body `stream`.
pub async fn read_model<S, O, E>(stream: S, boundary: String, config: &Config) -> Result<ModelFile, FormError>
where
    S: Stream<Item = Result<O, E>> + Send + 'static,
    O: Into<bytes::Bytes> + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    read_model_fields(multer::Multipart::new(stream, boundary), config).await
}

/// The form's model file (checked to be one by its name) and its other
/// fields as trimmed text. The file is read in chunks and refused as soon
/// as it passes the configured size, so an oversized upload is never held
/// whole.
async fn read_parts(
    form: multer::Multipart<'_>,
    config: &Config,
) -> Result<(ModelFile, Vec<(String, String)>), FormError> {
    read_parts_as(form, config, true).await
}

/// [`read_parts`]; `model`: the file must be named as a model file (STL, OBJ, 3MF).
async fn read_parts_as(
    mut form: multer::Multipart<'_>,
    config: &Config,
    model: bool,
) -> Result<(ModelFile, Vec<(String, String)>), FormError> {
    let max_file = config.max_model_mb * 1024 * 1024;
    let (mut file, mut fields) = (None, Vec::new());
    let mut parts = 0;
    while let Some(mut field) = form.next_field().await.map_err(malformed)? {
        parts += 1;
        if parts > PARTS_MAX {
            return Err(invalid("form", format!("the form has more than {PARTS_MAX} parts")));
        }
        let name = field.name().unwrap_or_default().to_string();
        let limit = if name == "file" { max_file as usize } else { TEXT_FIELD_MAX };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if bytes.len() + chunk.len() > limit {
                return Err(match name.as_str() {
                    "file" => FormError::TooLarge(config.max_model_mb),
                    _ => invalid("form", format!("the field {name:?} is too long")),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            // A form sent with no file chosen has an empty, nameless part.
            if !(file_name.is_empty() && bytes.is_empty()) {
                file = Some((file_name, bytes));
            }
            continue;
        }
        let value = String::from_utf8(bytes).map_err(|_| invalid("form", format!("{name:?} is not text")))?;
        fields.push((name, value.trim().to_string()));
    }
    // The browser checks the same before sending.
    let (file_name, bytes) = file.unwrap_or_default();
    if !model && file_name.is_empty() {
        return Err(invalid("file", "Choose the sliced file."));
    }
    if let (true, Err(app::error::AppError::Invalid { message, .. })) =
        (model, app::quote::check_model_file_name(&file_name))
    {
        return Err(invalid("file", message));
    }
    Ok((ModelFile { file_name, bytes: bytes.into() }, fields))
}

fn unknown(name: &str) -> FormError {
    invalid("form", format!("unknown field {name:?}"))
}

fn invalid(field: &'static str, message: impl Into<String>) -> FormError {
    FormError::Invalid { field, message: message.into() }
}

fn malformed(error: multer::Error) -> FormError {
    FormError::Malformed(error.to_string())
}

/// The multipart boundary of a form carrying a model file.
pub fn boundary(headers: &http::HeaderMap) -> Result<String, crate::http::error::ApiError> {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| multer::parse_boundary(value).ok())
        .ok_or_else(|| crate::http::error::ApiError::Body {
            status: http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "Expected a multipart/form-data body with the model as `file`.".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDARY: &str = "b0undary";

    /// A multipart body; each part is (name, file name, bytes).
    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, file_name, bytes) in parts {
            body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").bytes());
            if let Some(file_name) = file_name {
                body.extend(format!("; filename=\"{file_name}\"").bytes());
            }
            body.extend(b"\r\n\r\n");
            body.extend(*bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{BOUNDARY}--\r\n").bytes());
        body
    }

    async fn read_body(body: Vec<u8>, config: &Config) -> Result<QuoteForm, FormError> {
        // In 64 KiB pieces, as a network would deliver it.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
        read(futures_util::stream::iter(chunks), BOUNDARY.into(), config).await
    }

    fn refused(outcome: Result<QuoteForm, FormError>) -> (String, String) {
        match outcome {
            Ok(_) => panic!("accepted"),
            Err(FormError::Invalid { field, message }) => (field.to_string(), message),
            Err(other) => (String::new(), other.to_string()),
        }
    }

    #[tokio::test]
    async fn a_full_form_is_read_into_a_request() {
        let config = Config::default();
        let form = read_body(
            body(&[
                ("file", Some("Bust.STL"), b"solid x"),
                ("profile", None, b"lab"),
                ("material", None, b"petg"),
                ("engine", None, b"estimate"),
                ("wait", None, b"false"),
            ]),
            &config,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let QuoteRequest { file_name, bytes, book, material, engine } = form.request;
        assert_eq!((file_name.as_str(), &bytes[..]), ("Bust.STL", &b"solid x"[..]));
        assert_eq!((book.0, material, engine, form.wait), ("lab", Material::Petg, Engine::Estimate, false));
    }

    #[tokio::test]
    async fn every_bad_form_is_refused_with_its_field() {
        let config = Config { max_model_mb: 1, ..Config::default() };
        let big = vec![7u8; 1024 * 1024 + 1];
        let many: Vec<(&str, Option<&str>, &[u8])> = vec![("wait", None, b"false"); 40];
        let cases: [(Vec<u8>, &str, &str); 9] = [
            (body(&[("material", None, b"pla")]), "file", "Choose a model file"),
            (body(&[("file", Some(""), b"")]), "file", "Choose a model file"),
            (body(&[("file", Some("photo.png"), b"x")]), "file", "not a model file"),
            (
                body(&[("file", Some("a.stl"), b"x"), ("colour", None, b"red")]),
                "form",
                "unknown field \"colour\"",
            ),
            (body(&[("file", Some("a.stl"), b"x"), ("profile", None, b"vip")]), "profile", "shop or lab"),
            (body(&[("file", Some("a.stl"), b"x"), ("notes", None, &[b'n'; 2000])]), "form", "too long"),
            (body(&[("file", Some("big.stl"), &big)]), "", "larger than the 1 MB limit"),
            (body(&[("file", Some("a.stl"), b"x")])[..40].to_vec(), "", "could not be read"),
            (body(&many), "form", "more than 32 parts"),
        ];
        for (body, field, words) in cases {
            let (got_field, message) = refused(read_body(body, &config).await);
            assert_eq!(got_field, field, "{message}");
            assert!(message.contains(words), "{field}: {message}");
        }
    }

    #[tokio::test]
    async fn the_upload_form_takes_a_model_file_and_nothing_else() {
        let config = Config::default();
        let read = |body: Vec<u8>| {
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(body)];
            read_model(futures_util::stream::iter(chunks), BOUNDARY.into(), &config)
        };
        let file =
            read(body(&[("file", Some("Pip.obj"), b"v 0 0 0")])).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((file.file_name.as_str(), &file.bytes[..]), ("Pip.obj", &b"v 0 0 0"[..]));
        for (body, words) in [
            (
                body(&[("file", Some("Pip.obj"), b"v"), ("profile", None, b"lab")]),
                "unknown field \"profile\"",
            ),
            (body(&[("file", Some("Pip.jpg"), b"v")]), "not a model file"),
            (body(&[]), "Choose a model file"),
        ] {
            match read(body).await {
                Err(FormError::Invalid { message, .. }) => assert!(message.contains(words), "{message}"),
                Err(other) => panic!("{other}"),
                Ok(_) => panic!("accepted {words}"),
            }
        }
    }
}
