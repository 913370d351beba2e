//! What the server says to a person, in their language: Chinese first, English second.
//!
//! A refusal is made where its rule lives (a policy, a state machine, the database layer), but
//! the language it is read in is the reader's, known only to the HTTP layer (the request's
//! `Accept-Language`) or the shell (both, Chinese first). So a refusal carries a [`Message`]:
//! a [`Phrase`] of the catalogue ([`super::phrases`], keyed by a stable `code`, one sentence
//! per language with `{name}` placeholders) and the values for its placeholders, rendered only
//! when the language is known ([`Message::render`]).
//!
//! Messages not yet in the catalogue are [`Message::English`]: a Chinese reader gets a
//! general Chinese sentence for their kind of refusal with the English words after it, so
//! nothing is lost while the catalogue grows. The catalogue's test walks every phrase: each
//! has both languages, Chinese in the Chinese one, the same placeholders in both
//! (`catalogue.rs`).

use std::borrow::Cow;
use std::fmt;

/// The reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文: the default, for readers who name no language or Chinese first.
    Zh,
    /// English, for readers whose first acceptable language is English.
    En,
}

impl Lang {
    /// The language an `Accept-Language` header asks for (RFC 9110 §12.5.4): the acceptable
    /// language with the highest weight (the first of equals) that is Chinese or English;
    /// Chinese when the header is absent, unreadable or names neither.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let Some(header) = accept_language else {
            return Lang::Zh;
        };
        let mut best: Option<(f32, Lang)> = None;
        for range in header.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = if tag == "zh" || tag.starts_with("zh-") {
                Lang::Zh
            } else if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else {
                continue;
            };
            if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::Zh, |(_, lang)| lang)
    }

    /// The `Content-Language` value of an answer in this language.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// One entry of the catalogue: a stable code for programs, and the sentence in each language,
/// with `{name}` where a value goes.
#[derive(Debug, PartialEq, Eq)]
pub struct Phrase {
    /// `area.what`, e.g. `auth.wrong_credentials`: stable, never shown instead of a sentence.
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl Phrase {
    /// The phrase with no values (for a sentence without placeholders).
    pub fn message(&'static self) -> Message {
        Message::Phrase(self, Vec::new())
    }

    /// The phrase with a value for its placeholder `name`.
    pub fn with(&'static self, name: &'static str, value: impl fmt::Display) -> Message {
        self.message().with(name, value)
    }
}

/// The value of a placeholder: the same text in every language (a name, a number), words
/// of the vocabulary with their own Chinese and English (a state: 进行中 / in progress), or a
/// whole message (why a line of a file was refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Words { zh: &'static str, en: &'static str },
    Said(Box<Message>),
}

impl Value {
    fn in_lang(&self, lang: Lang) -> Cow<'_, str> {
        match (self, lang) {
            (Value::Text(text), _) => Cow::Borrowed(text),
            (Value::Words { zh, .. }, Lang::Zh) => Cow::Borrowed(zh),
            (Value::Words { en, .. }, Lang::En) => Cow::Borrowed(en),
            (Value::Said(message), lang) => {
                Cow::Owned(message.render(lang).unwrap_or_else(|| message.to_string()))
            }
        }
    }
}

/// What a refusal says: a catalogued phrase with its values, or English words not yet in the
/// catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Phrase(&'static Phrase, Vec<(&'static str, Value)>),
    English(Cow<'static, str>),
}

impl Message {
    /// Adds the value of one more placeholder.
    pub fn with(self, name: &'static str, value: impl fmt::Display) -> Message {
        self.with_value(name, Value::Text(value.to_string()))
    }

    /// Adds the value of one more placeholder in each language (`zh` and `en`).
    pub fn with_words(self, name: &'static str, zh: &'static str, en: &'static str) -> Message {
        self.with_value(name, Value::Words { zh, en })
    }

    /// Adds a placeholder whose value is itself a message, said in the same language.
    pub fn with_message(self, name: &'static str, message: Message) -> Message {
        self.with_value(name, Value::Said(Box::new(message)))
    }

    fn with_value(self, name: &'static str, value: Value) -> Message {
        match self {
            Message::Phrase(phrase, mut values) => {
                values.push((name, value));
                Message::Phrase(phrase, values)
            }
            english => english,
        }
    }

    /// The catalogue code, when the message is catalogued.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Message::Phrase(phrase, _) => Some(phrase.code),
            Message::English(_) => None,
        }
    }

    /// The sentence in `lang`; `None` for English words read in Chinese, which the caller
    /// then puts after a general sentence of its own ([`Message::render_or`]).
    pub fn render(&self, lang: Lang) -> Option<String> {
        match (self, lang) {
            (Message::Phrase(phrase, values), Lang::Zh) => Some(fill(phrase.zh, values, lang)),
            (Message::Phrase(phrase, values), Lang::En) => Some(fill(phrase.en, values, lang)),
            (Message::English(words), Lang::En) => Some(words.to_string()),
            (Message::English(_), Lang::Zh) => None,
        }
    }

    /// The sentence in `lang`; English words read in Chinese come after `general`, the
    /// Chinese sentence for this kind of refusal: `general（words）`.
    pub fn render_or(&self, lang: Lang, general: &str) -> String {
        self.render(lang).unwrap_or_else(|| match self {
            Message::English(words) => format!("{general}（{words}）"),
            Message::Phrase(..) => unreachable!("a phrase renders in every language"),
        })
    }

    /// Both languages, Chinese first (`中文 / English`): for the shell and the logs' readers.
    pub fn bilingual(&self) -> String {
        match self {
            Message::Phrase(phrase, values) => {
                format!(
                    "{} / {}",
                    fill(phrase.zh, values, Lang::Zh),
                    fill(phrase.en, values, Lang::En)
                )
            }
            Message::English(words) => words.to_string(),
        }
    }
}

/// English, as in logs and in tests that read the words.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Phrase(phrase, values) => f.write_str(&fill(phrase.en, values, Lang::En)),
            Message::English(words) => f.write_str(words),
        }
    }
}

impl From<String> for Message {
    fn from(words: String) -> Message {
        Message::English(Cow::Owned(words))
    }
}

impl From<&'static str> for Message {
    fn from(words: &'static str) -> Message {
        Message::English(Cow::Borrowed(words))
    }
}

impl From<&'static Phrase> for Message {
    fn from(phrase: &'static Phrase) -> Message {
        phrase.message()
    }
}

/// `template` with each `{name}` replaced by its value in `lang`; a placeholder without one
/// stays.
fn fill(template: &str, values: &[(&'static str, Value)], lang: Lang) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), &value.in_lang(lang));
    }
    out
}

/// The `{name}` placeholders of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        names.push(&after[..end]);
        rest = &after[end + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_s_language_is_the_best_weighted_of_chinese_and_english() {
        for (header, lang) in [
            (None, Lang::Zh),
            (Some(""), Lang::Zh),
            (Some("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh),
            (Some("en-US,en;q=0.9"), Lang::En),
            (Some("en"), Lang::En),
            (Some("fr-FR, en;q=0.5, zh;q=0.7"), Lang::Zh),
            (Some("de, en;q=0.3"), Lang::En),
            (Some("de"), Lang::Zh),
            (Some("en;q=0, zh-TW"), Lang::Zh),
            (Some("en;q=garbage"), Lang::En),
        ] {
            assert_eq!(Lang::negotiate(header), lang, "{header:?}");
        }
    }

    #[test]
    fn a_phrase_renders_with_its_values_in_each_language() {
        static HELLO: Phrase = Phrase {
            code: "test.hello",
            zh: "你好，{name}：{n} 条",
            en: "hello {name}: {n}",
        };
        let message = HELLO.with("name", "张三").with("n", 3);

        assert_eq!(message.render(Lang::Zh).unwrap(), "你好，张三：3 条");
        assert_eq!(message.render(Lang::En).unwrap(), "hello 张三: 3");
        assert_eq!(message.to_string(), "hello 张三: 3");
        assert_eq!(message.bilingual(), "你好，张三：3 条 / hello 张三: 3");
        assert_eq!(message.code(), Some("test.hello"));
    }

    #[test]
    fn words_of_the_vocabulary_render_in_the_reader_s_language() {
        static NOW: Phrase = Phrase {
            code: "test.now",
            zh: "不能开始（当前为{now}）",
            en: "cannot start; it is now {now}",
        };
        let message = NOW.message().with_words("now", "已结束", "ended");

        assert_eq!(
            message.render(Lang::Zh).unwrap(),
            "不能开始（当前为已结束）"
        );
        assert_eq!(
            message.render(Lang::En).unwrap(),
            "cannot start; it is now ended"
        );
    }

    #[test]
    fn english_words_read_in_chinese_follow_a_general_chinese_sentence() {
        let message = Message::from("no such thing");

        assert_eq!(message.render(Lang::Zh), None);
        assert_eq!(
            message.render_or(Lang::Zh, "未找到"),
            "未找到（no such thing）"
        );
        assert_eq!(message.render_or(Lang::En, "未找到"), "no such thing");
        assert_eq!(message.code(), None);
    }
}
