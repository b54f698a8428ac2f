//! How every message looks: a heading, the keepsake's picture when there is
//! one, the words, the figures (a price breakdown, as on the quote), a
//! button to the page the message is about, and who it is from — as HTML
//! that mail programs show alike (tables and inline styles, no stylesheet),
//! and the same as plain text.

use crate::mail::outbox::html_escape;

/// One message's parts.
#[derive(Clone, Debug, Default)]
pub struct Letter {
    /// Who it is from, above the heading ("Memoreez", "The print lab").
    pub from: &'static str,
    pub heading: String,
    /// The picture's address and what it shows.
    pub picture: Option<(String, String)>,
    pub paragraphs: Vec<String>,
    /// (what, how much) rows; the last is the total when `total_last`.
    pub figures: Vec<(String, String)>,
    pub total_last: bool,
    /// The page the message is about: (what the button says, its address).
    pub button: Option<(String, String)>,
    /// More links after the button: (what, address).
    pub links: Vec<(String, String)>,
    /// Words after the button (e.g. keep this link to yourself).
    pub after: Vec<String>,
    pub sign_off: &'static str,
}

const INK: &str = "#1f2a2a";
const MUTED: &str = "#5b6666";
const ACCENT: &str = "#2f5d50";
const LINE: &str = "#e4ddd3";

impl Letter {
    /// The message as (plain text, HTML).
    pub fn render(&self) -> (String, String) {
        (self.text(), self.html())
    }

    fn text(&self) -> String {
        let mut parts = vec![self.heading.clone()];
        parts.extend(self.paragraphs.iter().cloned());
        if !self.figures.is_empty() {
            parts.push(
                self.figures
                    .iter()
                    .map(|(what, much)| format!("{what}: {much}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        if let Some((label, url)) = &self.button {
            parts.push(format!("{label}:\n{url}"));
        }
        for (label, url) in &self.links {
            parts.push(format!("{label}: {url}"));
        }
        parts.extend(self.after.iter().cloned());
        parts.push(self.sign_off.to_string());
        parts.join("\n\n") + "\n"
    }

    fn html(&self) -> String {
        let p = |text: &str, colour: &str| {
            format!(
                "<p style=\"margin:0 0 14px;line-height:1.5;color:{colour}\">{}</p>",
                html_escape(text).replace('\n', "<br>")
            )
        };
        let mut body = format!(
            "<p style=\"margin:0 0 6px;font-size:13px;letter-spacing:0.08em;text-transform:uppercase;color:{ACCENT}\">{}</p>\
             <h1 style=\"margin:0 0 18px;font-size:22px;line-height:1.3;color:{INK}\">{}</h1>",
            html_escape(self.from),
            html_escape(&self.heading)
        );
        if let Some((src, alt)) = &self.picture {
            body.push_str(&format!(
                "<img src=\"{}\" alt=\"{}\" width=\"192\" height=\"192\" style=\"display:block;margin:0 0 18px;border-radius:10px;border:1px solid {LINE}\">",
                html_escape(src),
                html_escape(alt)
            ));
        }
        for paragraph in &self.paragraphs {
            body.push_str(&p(paragraph, INK));
        }
        if !self.figures.is_empty() {
            body.push_str(
                "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;margin:4px 0 18px\">",
            );
            let last = self.figures.len() - 1;
            for (i, (what, much)) in self.figures.iter().enumerate() {
                let weight = if self.total_last && i == last { "font-weight:bold;" } else { "" };
                let border = if self.total_last && i == last {
                    format!("border-top:2px solid {INK};")
                } else {
                    format!("border-top:1px solid {LINE};")
                };
                body.push_str(&format!(
                    "<tr><td style=\"padding:8px 0;{border}{weight}\">{}</td><td align=\"right\" style=\"padding:8px 0;{border}{weight}white-space:nowrap\">{}</td></tr>",
                    html_escape(what),
                    html_escape(much)
                ));
            }
            body.push_str("</table>");
        }
        if let Some((label, url)) = &self.button {
            body.push_str(&format!(
                "<p style=\"margin:6px 0 18px\"><a href=\"{}\" style=\"display:inline-block;background:{ACCENT};color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 22px;border-radius:10px\">{}</a></p>",
                html_escape(url),
                html_escape(label)
            ));
        }
        if !self.links.is_empty() {
            body.push_str("<p style=\"margin:0 0 14px;line-height:1.7\">");
            for (label, url) in &self.links {
                body.push_str(&format!(
                    "<a href=\"{}\" style=\"color:{ACCENT}\">{}</a><br>",
                    html_escape(url),
                    html_escape(label)
                ));
            }
            body.push_str("</p>");
        }
        for paragraph in &self.after {
            body.push_str(&p(paragraph, MUTED));
        }
        body.push_str(&p(self.sign_off, MUTED));
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{}</title></head>\
             <body style=\"margin:0;padding:0;background:#f7f3ee;font-family:Helvetica,Arial,sans-serif;color:{INK}\">\
             <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td align=\"center\" style=\"padding:24px 12px\">\
             <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:560px;background:#ffffff;border:1px solid {LINE};border-radius:14px\">\
             <tr><td style=\"padding:28px 28px 14px\">{body}</td></tr></table></td></tr></table></body></html>",
            html_escape(&self.heading)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_letter_has_its_parts_in_both_forms_and_escapes_what_people_typed() {
        let letter = Letter {
            from: "Memoreez",
            heading: "Thank you, <b>Bob</b>".into(),
            picture: Some(("https://x.example/p.png?t=1&u=2".into(), "A \"keepsake\"".into())),
            paragraphs: vec!["Hello Bob & co,".into()],
            figures: vec![("2 × Keepsake".into(), "24.00 USD".into()), ("Total".into(), "33.00 USD".into())],
            total_last: true,
            button: Some(("See your order".into(), "https://x.example/orders/1?t=a&b".into())),
            links: vec![("Model (STL)".into(), "https://x.example/m.stl".into())],
            after: vec!["Keep this link to yourself.".into()],
            sign_off: "— Memoreez",
        };
        let (text, html) = letter.render();
        for part in [
            "Thank you, <b>Bob</b>",
            "Hello Bob & co,",
            "Total: 33.00 USD",
            "See your order:\nhttps://x.example/orders/1?t=a&b",
            "Model (STL): https://x.example/m.stl",
            "— Memoreez",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        assert!(html.contains("<h1") && html.contains("Thank you, &lt;b&gt;Bob&lt;/b&gt;"), "{html}");
        assert!(html.contains("<a href=\"https://x.example/orders/1?t=a&amp;b\""), "a real link: {html}");
        assert!(
            html.contains("<img src=\"https://x.example/p.png?t=1&amp;u=2\" alt=\"A &quot;keepsake&quot;\"")
        );
        assert!(html.contains("font-weight:bold;\">Total</td>"), "the total stands out: {html}");
        assert!(!html.contains("<b>Bob"));
    }
}
