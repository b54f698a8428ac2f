//! The person's words for the designs, found in the story's facts: their
//! name or title ("Grandpa Joe"), an age or a year ("Happy 80th",
//! "Since 1975") and a short phrase; and captions that always fit a banner
//! whole — a long one goes on two lines, and a word is never cut: words
//! that do not fit are left off.
//!
//! Whatever the facts hold (markup, emoji, letters the font lacks, a
//! 600-character "name"), what comes out is clean: tags dropped, letters the
//! embedded font cannot write left out, every word short enough to print.

use geometry::text::Font;

/// The most characters on a banner (two lines of at most [`LINE_CHARS`]).
pub const CAPTION_CHARS: usize = 32;
/// The most characters on one line of a banner.
pub const LINE_CHARS: usize = 18;
/// A word longer than this is no name and no caption word.
const WORD_CHARS: usize = 16;

/// What the facts say that belongs on a keepsake.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Words {
    /// "Grandpa Joe", "Rosa Martinez", "Grandma".
    pub name: Option<String>,
    /// "Happy 80th", "80 years", "Since 1975", "1975".
    pub number: Option<String>,
    /// The first clause of the facts, if it fits a banner whole.
    pub phrase: Option<String>,
}

/// Family and other titles that name a person ("Grandpa", "Coach").
const TITLES: &[&str] = &[
    "grandpa",
    "grandma",
    "granddad",
    "grandad",
    "gramps",
    "granny",
    "grandmother",
    "grandfather",
    "nana",
    "nanna",
    "nan",
    "papa",
    "pop",
    "pops",
    "mama",
    "mom",
    "mum",
    "mother",
    "dad",
    "daddy",
    "father",
    "uncle",
    "aunt",
    "auntie",
    "brother",
    "sister",
    "cousin",
    "coach",
    "captain",
    "doctor",
    "dr",
    "mr",
    "mrs",
    "ms",
    "miss",
    "professor",
    "pastor",
    "grandpapa",
    "grandmama",
    "opa",
    "oma",
    "abuela",
    "abuelo",
];

/// Capitalised words that are not names.
const NOT_NAMES: &[&str] = &[
    "i",
    "the",
    "a",
    "an",
    "he",
    "she",
    "they",
    "his",
    "her",
    "their",
    "we",
    "our",
    "my",
    "in",
    "on",
    "at",
    "and",
    "but",
    "or",
    "for",
    "to",
    "of",
    "it",
    "its",
    "this",
    "that",
    "loves",
    "love",
    "happy",
    "birthday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "christmas",
    "easter",
    "mother's",
    "father's",
    "day",
    "retired",
    "best",
    "world",
    "ever",
    "since",
    "born",
    "every",
    "when",
    "who",
    "after",
    "before",
    "once",
];

/// Words after a sentence's first word that say it was a name ("Joe turns 80").
const NAME_VERBS: &[&str] = &[
    "is", "was", "turns", "turned", "turning", "loves", "loved", "likes", "liked", "has", "had", "enjoys",
    "will", "and", "who", "can", "still", "always", "never", "lives", "lived", "plays", "played", "makes",
];

/// The words on a keepsake that `facts` give.
pub fn from_facts(facts: &str) -> Words {
    let font = Font::embedded();
    let text = clean(facts, &font);
    Words { name: name(&text), number: number(&text), phrase: phrase(&text) }
}

/// `text` without markup, letters the font lacks, or runs of spaces.
pub fn clean(text: &str, font: &Font) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    let mut in_tag = false;
    for c in text.chars().take(4096) {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c if c.is_whitespace() => out.push(' '),
            c if font.writes(c) => out.push(c),
            _ => {}
        }
    }
    out.split(' ').filter(|word| !word.is_empty()).collect::<Vec<_>>().join(" ")
}

/// A word as it stands in a sentence, without the punctuation around it.
fn bare(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric()).trim_end_matches("'s").trim_end_matches("’s")
}

fn capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
        && word.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'')
        && word.chars().count() <= WORD_CHARS
        && word.chars().count() >= 2
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect())
        .unwrap_or_default()
}

/// The person's name or title: a title and the name after it ("Grandpa
/// Joe"), or a capitalised name with its surname ("Rosa Martinez").
fn name(text: &str) -> Option<String> {
    for sentence in text.split(['.', '!', '?', ';', '\n']) {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        for (i, word) in words.iter().enumerate() {
            let word = bare(word);
            if TITLES.contains(&word.to_lowercase().as_str()) {
                let title = title_case(word);
                let after = words.get(i + 1).map(|next| bare(next)).filter(|next| is_name(next));
                return Some(match after {
                    Some(name) => format!("{title} {name}"),
                    None => title,
                });
            }
        }
    }
    for sentence in text.split(['.', '!', '?', ';', '\n']) {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        for (i, raw) in words.iter().enumerate() {
            let word = bare(raw);
            if !is_name(word) {
                continue;
            }
            // A sentence's first word is capitalised anyway: a name only if
            // what follows says so ("Joe turns 80", not "Retired teacher").
            let next = words.get(i + 1).map(|next| bare(next));
            let surname = next.filter(|next| is_name(next) && !raw.ends_with(','));
            if i == 0 && surname.is_none() && !next.is_some_and(|next| NAME_VERBS.contains(&next)) {
                continue;
            }
            return Some(match surname {
                Some(surname) => format!("{word} {surname}"),
                None => word.to_string(),
            });
        }
    }
    None
}

fn is_name(word: &str) -> bool {
    capitalised(word) && !NOT_NAMES.contains(&word.to_lowercase().as_str())
}

/// An age ("turns 80" → "Happy 80th"; "80 years" → "80 years") or a year
/// ("since 1975" → "Since 1975").
fn number(text: &str) -> Option<String> {
    let words: Vec<String> = text.split_whitespace().map(|word| bare(word).to_lowercase()).collect();
    let before = |i: usize| if i == 0 { "" } else { words[i - 1].as_str() };
    for (i, word) in words.iter().enumerate() {
        let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
        let rest = &word[digits.len()..];
        let Ok(n) = digits.parse::<u32>() else { continue };
        let after = words.get(i + 1).map(String::as_str).unwrap_or("");
        if (1..=120).contains(&n) {
            if ["turns", "turning", "turned"].contains(&before(i)) || ["th", "st", "nd", "rd"].contains(&rest)
            {
                return Some(format!("Happy {}", ordinal(n)));
            }
            if rest.is_empty() && ["years", "year", "yrs"].contains(&after) {
                return Some(format!("{n} years"));
            }
        }
    }
    for (i, word) in words.iter().enumerate() {
        if word.len() == 4
            && let Ok(year) = word.parse::<u32>()
            && (1900..=2100).contains(&year)
        {
            return Some(match before(i) {
                "since" => format!("Since {year}"),
                "in" if i >= 2 && ["born", "married", "met"].contains(&words[i - 2].as_str()) => {
                    format!("{} {year}", title_case(&words[i - 2]))
                }
                _ => year.to_string(),
            });
        }
    }
    None
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The first clause of the facts, if it fits a banner whole (a clause cut
/// short reads wrong: "Retired music").
fn phrase(text: &str) -> Option<String> {
    let first = text.split(['.', ',', ';', '!', '?']).map(str::trim).find(|p| !p.is_empty())?;
    let fits = first.chars().count() <= CAPTION_CHARS
        && first.split_whitespace().all(|word| word.chars().count() <= WORD_CHARS);
    fits.then(|| first.to_string())
}

/// `text` cut to at most `chars` characters at a word boundary; a word that
/// does not fit is left off, never cut (so a single over-long word gives "").
pub fn fit(text: &str, chars: usize) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if word.chars().count() > WORD_CHARS.max(chars.min(LINE_CHARS)) {
            break;
        }
        let next = if out.is_empty() { word.to_string() } else { format!("{out} {word}") };
        if next.chars().count() > chars {
            break;
        }
        out = next;
    }
    out
}

/// As many whole `items` as fit in `chars`, joined by " · " ("Chess ·
/// Sourdough", never "Chess · Sourdough ·").
pub fn fit_list(items: &[String], chars: usize) -> String {
    let mut out = String::new();
    for item in items {
        let item = fit(item, chars);
        if item.is_empty() {
            continue;
        }
        let next = if out.is_empty() { item } else { format!("{out} · {item}") };
        if next.chars().count() > chars {
            break;
        }
        out = next;
    }
    out
}

/// A caption as the banner's lines: one, or two split at the space nearest
/// the middle when it is longer than a line holds.
pub fn lines(caption: &str) -> Vec<String> {
    let caption = caption.trim();
    if caption.chars().count() <= LINE_CHARS {
        return vec![caption.to_string()];
    }
    let middle = caption.len() / 2;
    let split = caption.match_indices(' ').map(|(at, _)| at).min_by_key(|at| at.abs_diff(middle));
    match split {
        Some(at) => {
            let (first, second) = caption.split_at(at);
            // A separator ends the first line, not starts the second.
            let second = second.trim();
            match second.strip_prefix("· ") {
                Some(rest) => vec![format!("{} ·", first.trim()), rest.to_string()],
                None => vec![first.trim().to_string(), second.to_string()],
            }
        }
        None => vec![caption.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ages_and_years_are_found() {
        let words = from_facts("Grandpa Joe turns 80 in June");
        assert_eq!(words.name.as_deref(), Some("Grandpa Joe"));
        assert_eq!(words.number.as_deref(), Some("Happy 80th"));
        assert_eq!(
            from_facts("Our grandma Rosa has gardened since 1975.").name.as_deref(),
            Some("Grandma Rosa")
        );
        assert_eq!(
            from_facts("Our grandma Rosa has gardened since 1975.").number.as_deref(),
            Some("Since 1975")
        );
        assert_eq!(from_facts("Joe turns 80 in June").name.as_deref(), Some("Joe"));
        assert_eq!(from_facts("Retired music teacher, sails every summer.").name, None);
        assert_eq!(from_facts("She met Rosa Martinez in 1962").name.as_deref(), Some("Rosa Martinez"));
        assert_eq!(from_facts("Married in 1962, four grandchildren").number.as_deref(), Some("Married 1962"));
        assert_eq!(from_facts("My dad, 61 years young").name.as_deref(), Some("Dad"));
        assert_eq!(from_facts("celebrating her 21st").number.as_deref(), Some("Happy 21st"));
        assert_eq!(from_facts("Loves the sea").phrase.as_deref(), Some("Loves the sea"));
        assert_eq!(from_facts("").name, None);
    }

    #[test]
    fn hostile_facts_give_clean_words_or_none() {
        let long = "A".repeat(600);
        for facts in [
            format!("{long} turns 80"),
            "<script>alert(1)</script> Grandma 🎉🎂 Rosa".to_string(),
            "宝宝 生日快乐 🎉".to_string(),
            "\u{0}\u{7}\u{202e}Joe".to_string(),
            "x ".repeat(3000),
        ] {
            let words = from_facts(&facts);
            for word in [&words.name, &words.number, &words.phrase].into_iter().flatten() {
                assert!(word.chars().count() <= CAPTION_CHARS, "{word}");
                assert!(!word.contains('<') && !word.contains('🎉') && !word.contains('\u{0}'), "{word:?}");
            }
        }
        assert_eq!(from_facts("<b>Grandma</b> 🎉 Rosa").name.as_deref(), Some("Grandma Rosa"));
    }

    #[test]
    fn captions_fit_whole_words_on_one_or_two_lines() {
        assert_eq!(fit("Retired music teacher", 18), "Retired music");
        assert_eq!(fit("Supercalifragilisticexpialidocious", 10), "", "a word is left off, not cut");
        let hobbies: Vec<String> =
            ["Chess", "Sourdough Baking", "Birdwatching"].iter().map(|h| h.to_string()).collect();
        let list = fit_list(&hobbies, CAPTION_CHARS);
        assert_eq!(list, "Chess · Sourdough Baking");
        assert!(!list.ends_with('·'));
        assert_eq!(lines("Grandpa Joe"), vec!["Grandpa Joe"]);
        assert_eq!(lines("Chess · Sourdough Baking"), vec!["Chess ·", "Sourdough Baking"]);
        for caption in
            ["Grandpa Joe · Happy 80th", "Chess · Sourdough Baking", "Loves the sea and his garden"]
        {
            let lines = lines(caption);
            assert!(
                lines.len() <= 2 && lines.iter().all(|line| line.chars().count() <= LINE_CHARS),
                "{lines:?}"
            );
        }
    }
}
