//! Prompt writers: a story → four concept briefs. The embedded composer
//! works offline; a chat model (any OpenAI-compatible `/chat/completions`,
//! or Cloudflare Workers AI's Llama) can write the titles and image prompts
//! instead. Its answer is read defensively: anything that is not four usable
//! concepts is asked for once more, then the composer's briefs stand.

use app::creation::CreationKind;
use app::story::Story;
use serde_json::{Value, json};

use super::brief::PRINTABILITY;
use super::service::{Endpoint, Service};
use super::{Brief, PER_BATCH, compose_briefs};

#[async_trait::async_trait]
pub trait PromptWriter: Send + Sync + std::fmt::Debug {
    /// Batch `batch` of the briefs for a story, or for an object's
    /// description (`kind`). Never fails: a writer that cannot write falls
    /// back to the embedded composer.
    async fn briefs(&self, story: &Story, kind: CreationKind, batch: usize) -> Vec<Brief>;
}

/// The embedded writer.
#[derive(Debug)]
pub struct Composer;

#[async_trait::async_trait]
impl PromptWriter for Composer {
    async fn briefs(&self, story: &Story, _kind: CreationKind, batch: usize) -> Vec<Brief> {
        // An object's short name stands as its one hobby, so the motifs follow the object.
        compose_briefs(story, batch)
    }
}

#[derive(Debug)]
pub struct ChatWriter {
    endpoint: Endpoint,
    calls: Service,
}

/// How many times a chat model is asked before the composer's briefs stand.
const ASKS: usize = 2;
const TITLE_CHARS: usize = 60;
const PROMPT_CHARS: usize = 800;

impl ChatWriter {
    pub fn new(endpoint: Endpoint, calls: Service) -> ChatWriter {
        ChatWriter { endpoint, calls }
    }

    async fn ask(&self, story: &Story, kind: CreationKind, batch: usize) -> Result<String, String> {
        let messages = json!([
            { "role": "system", "content": SYSTEM },
            { "role": "user", "content": request_for(story, kind, batch) },
        ]);
        let body = match &self.endpoint {
            Endpoint::OpenAi { model, .. } => {
                json!({ "model": model, "messages": messages, "temperature": 0.9,
                    "response_format": { "type": "json_object" } })
            }
            Endpoint::Cloudflare { .. } => json!({ "messages": messages, "max_tokens": 1200 }),
        };
        let url = self.endpoint.url("chat/completions");
        let answer = self
            .calls
            .post_json(&url, self.endpoint.token(), &body)
            .await
            .map_err(|e| format!("the prompt service {e}"))?;
        let text = match &self.endpoint {
            Endpoint::OpenAi { .. } => answer.pointer("/choices/0/message/content"),
            Endpoint::Cloudflare { .. } => answer.pointer("/result/response"),
        };
        text.and_then(Value::as_str).map(str::to_string).ok_or_else(|| "no text in the answer".into())
    }
}

#[async_trait::async_trait]
impl PromptWriter for ChatWriter {
    async fn briefs(&self, story: &Story, kind: CreationKind, batch: usize) -> Vec<Brief> {
        let mut briefs = compose_briefs(story, batch);
        for ask in 1..=ASKS {
            let problem = match self.ask(story, kind, batch).await {
                Ok(text) => match read_concepts(&text) {
                    Some(written) => {
                        for (brief, (title, prompt)) in briefs.iter_mut().zip(written) {
                            brief.title = title;
                            // The rules are ours to keep, whatever the model wrote.
                            brief.prompt = format!("{prompt} {PRINTABILITY}");
                        }
                        return briefs;
                    }
                    None => "an answer that was not four concepts".to_string(),
                },
                Err(error) => error,
            };
            tracing::warn!(%problem, ask, "the prompt writer failed");
        }
        tracing::warn!("using the embedded composer's briefs instead");
        briefs.truncate(PER_BATCH);
        briefs
    }
}

const SYSTEM: &str = "You design small 3D-printed keepsakes. Answer with JSON only: \
    {\"concepts\": [{\"title\": \"…\", \"prompt\": \"…\"}, …]} with exactly four concepts. \
    A title is at most 6 words. A prompt describes one picture for an image model: a single solid \
    object on a broad flat base, no thin, loose or floating parts, centred on a plain white \
    background; any people are fully clothed. The four must differ from each other.";

/// What the chat model is asked for: keepsakes for a person, from their
/// hobbies and facts; or four takes on one described object.
fn request_for(story: &Story, kind: CreationKind, batch: usize) -> String {
    let mut text = match kind {
        CreationKind::Object => format!(
            "The object: {}. Design four different keepsakes of this object itself \
             (different poses, styles or bases), not of a person.",
            story.facts.trim()
        ),
        CreationKind::Story | CreationKind::Upload => {
            let mut text = format!("Hobbies: {}.", story.hobbies.join(", "));
            if !story.facts.trim().is_empty() {
                text.push_str(&format!(" About them: {}", story.facts.trim()));
            }
            text
        }
    };
    if batch > 0 {
        text.push_str(&format!(" This is round {} of ideas: avoid the obvious first ones.", batch + 1));
    }
    text
}

/// Four (title, prompt) pairs from a chat model's answer, or `None`. Takes
/// the JSON out of code fences or surrounding words; accepts
/// `{"concepts": [...]}` or a bare list.
pub fn read_concepts(text: &str) -> Option<Vec<(String, String)>> {
    let start = text.find(['{', '['])?;
    let end = text.rfind(['}', ']'])?;
    let value: Value = serde_json::from_str(text.get(start..=end)?).ok()?;
    let list = value.get("concepts").unwrap_or(&value).as_array()?;
    let concepts: Vec<(String, String)> = list
        .iter()
        .filter_map(|item| {
            let title = item.get("title")?.as_str()?.trim();
            let prompt = item.get("prompt")?.as_str()?.trim();
            let fits = |s: &str, max: usize| !s.is_empty() && s.chars().count() <= max;
            (fits(title, TITLE_CHARS) && fits(prompt, PROMPT_CHARS))
                .then(|| (title.to_string(), prompt.to_string()))
        })
        .take(PER_BATCH)
        .collect();
    (concepts.len() == PER_BATCH).then_some(concepts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_defensively() {
        let four = r#"{"title": "Sea medallion", "prompt": "A medallion with a sailboat."}"#;
        let list = format!("[{four}, {four}, {four}, {four}]");
        let fenced = format!("Sure! Here you go:\n```json\n{{\"concepts\": {list}}}\n```\nEnjoy.");
        assert_eq!(read_concepts(&fenced).unwrap().len(), 4);
        assert_eq!(read_concepts(&list).unwrap()[0].0, "Sea medallion");
        for bad in [
            "I cannot help with that.".to_string(),
            format!("[{four}, {four}, {four}]"),
            format!("[{four}, {four}, {four}, {{\"title\": \"\", \"prompt\": \"x\"}}]"),
            format!("[{four}, {four}, {four}, {{\"title\": 7, \"prompt\": \"x\"}}]"),
            format!("[{four}, {four}, {four}, {{\"title\": \"{}\", \"prompt\": \"x\"}}]", "long ".repeat(20)),
            "{\"concepts\": [".to_string(),
        ] {
            assert_eq!(read_concepts(&bad), None, "{bad}");
        }
    }
}
