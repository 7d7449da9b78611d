//! Every sentence the workshop prints, in English and in Brazilian
//! Portuguese, and the choice between them.
//!
//! A message is a [`Text`]: both languages side by side, with `{name}`
//! placeholders that [`Text::with`] fills. The messages live in tables
//! ([`ui`] for the commands, [`checks`] for what the checks say, and the
//! exercises' titles, goals and hints in [`crate::catalog`]), so that a
//! test can go through every one and fail if a language is missing or the
//! two versions do not take the same placeholders.
//!
//! The language is chosen once per run ([`set_lang`]): `--lang pt` or
//! `--lang en`, else the locale (`LANG=pt_BR.UTF-8` speaks Portuguese),
//! else English.

pub mod checks;
pub mod ui;

use std::{fmt, sync::OnceLock};

/// A language the workshop speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English: the default.
    En,
    /// Brazilian Portuguese, the lecture note's language.
    Pt,
}

impl Lang {
    /// `en`, `pt`, `pt-BR`, `pt_BR.UTF-8`...: the language a `--lang` value
    /// or a locale names, if it is one of ours.
    pub fn parse(name: &str) -> Option<Lang> {
        let name = name.trim().to_ascii_lowercase();
        if name.starts_with("pt") {
            Some(Lang::Pt)
        } else if name.starts_with("en") || name == "c" || name == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language of the environment, as gettext reads it: `LANGUAGE`
    /// first (a list, `pt_BR:en`, whose first language we speak wins),
    /// then the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is set;
    /// Portuguese if that names Portuguese, English otherwise.
    pub fn from_locale() -> Lang {
        Lang::from_env(|name| std::env::var(name).ok())
    }

    /// [`Lang::from_locale`], reading the environment through `var`.
    fn from_env(var: impl Fn(&str) -> Option<String>) -> Lang {
        let listed = var("LANGUAGE").and_then(|list| list.split(':').find_map(Lang::parse));
        let locale = || {
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .into_iter()
                .filter_map(&var)
                .find(|value| !value.is_empty())
                .and_then(|value| Lang::parse(&value))
        };
        listed.or_else(locale).unwrap_or(Lang::En)
    }

    /// The value of `--lang` that selects this language.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Pt => "pt",
        }
    }
}

/// An error of the system (a file, a socket) in this run's language: the
/// ones a student meets (an address in use, a connection refused, a
/// permission denied, a file not found) in words of the sentence's
/// language, with the system's own number for searching; others as the
/// system says them.
pub fn os_error(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let words = match error.kind() {
        ErrorKind::AddrInUse => ui::OS_ADDR_IN_USE,
        ErrorKind::AddrNotAvailable => ui::OS_ADDR_NOT_AVAILABLE,
        ErrorKind::ConnectionRefused => ui::OS_CONNECTION_REFUSED,
        ErrorKind::ConnectionReset => ui::OS_CONNECTION_RESET,
        ErrorKind::PermissionDenied => ui::OS_PERMISSION_DENIED,
        ErrorKind::NotFound => ui::OS_NOT_FOUND,
        ErrorKind::TimedOut => ui::OS_TIMED_OUT,
        _ => return error.to_string(),
    };
    match error.raw_os_error() {
        Some(code) => format!("{words} (os error {code})"),
        None => words.to_string(),
    }
}

/// What is wrong with an address (plumbing's reading of HOST:PORT), in
/// this run's language: for `call --addr` and `progress --share`.
pub fn address_problem(problem: plumbing::addr::AddrProblem) -> String {
    use plumbing::addr::AddrProblem;
    let words = match problem {
        AddrProblem::NoPort => ui::ADDR_NO_PORT,
        AddrProblem::Semicolon => ui::ADDR_SEMICOLON,
        AddrProblem::NoHost => ui::ADDR_NO_HOST,
        AddrProblem::Ipv6WithoutBrackets => ui::ADDR_IPV6,
        AddrProblem::BadPort | AddrProblem::PortZero => ui::ADDR_BAD_PORT,
        AddrProblem::Scheme => ui::ADDR_SCHEME,
        AddrProblem::UnixWithoutPath => ui::ADDR_UNIX,
        AddrProblem::Other(why) => return why.to_owned(),
    };
    words.to_string()
}

/// The language of this run, once chosen.
static LANG: OnceLock<Lang> = OnceLock::new();

/// Chooses the language of this run; the first choice stays.
pub fn set_lang(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The language of this run: English until [`set_lang`] says otherwise.
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::En)
}

/// One message, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// In English.
    pub en: &'static str,
    /// In Brazilian Portuguese.
    pub pt: &'static str,
}

impl Text {
    /// The message in `lang`, placeholders unfilled.
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Pt => self.pt,
        }
    }

    /// The message in this run's language, each `{name}` replaced by the
    /// value given for `name`.
    pub fn with(&self, values: &[(&str, &dyn fmt::Display)]) -> String {
        fill(self.get(lang()), values)
    }
}

/// Prints the message in this run's language, placeholders unfilled: for
/// messages that have none.
impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get(lang()))
    }
}

/// `template` with each `{name}` replaced by its value in `values`; a name
/// without a value stays as it is, braces and all, so that it shows.
pub fn fill(template: &str, values: &[(&str, &dyn fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name = after.find('}').map(|close| &after[..close]);
        match name.and_then(|name| values.iter().find(|(key, _)| *key == name)) {
            Some((name, value)) => {
                out.push_str(&value.to_string());
                rest = &after[name.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of `template`, sorted, once each.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names: Vec<&str> = template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .filter(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Declares a table of messages: each a `pub const NAME: Text`, documented
/// with its English text, and `ALL`, the whole table, for the tests.
///
/// ```text
/// texts! {
///     GREETING: "hello, {name}" "olá, {name}";
/// }
/// ```
macro_rules! texts {
    ($($name:ident: $en:literal $pt:literal;)*) => {
        $(
            #[doc = concat!("\"", $en, "\"")]
            pub const $name: crate::text::Text = crate::text::Text { en: $en, pt: $pt };
        )*
        /// Every message of this table, by name: the tests read them all.
        pub const ALL: &[(&str, crate::text::Text)] = &[$((stringify!($name), $name)),*];
    };
}
pub(crate) use texts;

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages that are the same in both languages on purpose: labels
    /// that are code or a term both use.
    const SAME_IN_BOTH: &[&str] = &["OK"];

    /// Every message of the workshop, named by its table.
    fn every_message() -> Vec<(String, Text)> {
        let tables = [("ui", ui::ALL), ("checks", checks::ALL)];
        let mut all: Vec<(String, Text)> = tables
            .iter()
            .flat_map(|(table, texts)| {
                texts
                    .iter()
                    .map(move |(name, text)| (format!("{table}::{name}"), *text))
            })
            .collect();
        for exercise in &crate::catalog::EXERCISES {
            let n = exercise.number;
            all.push((format!("exercise {n} title"), exercise.title));
            all.push((format!("exercise {n} goal"), exercise.goal));
            all.push((format!("exercise {n} hint"), exercise.hint));
            all.push((format!("exercise {n} call_args"), exercise.call_args));
        }
        all
    }

    #[test]
    fn every_message_is_in_both_languages_with_the_same_placeholders() {
        let mut wrong = Vec::new();
        for (name, text) in every_message() {
            if text.en.trim().is_empty() {
                wrong.push(format!("{name}: no English"));
            }
            if text.pt.trim().is_empty() {
                wrong.push(format!("{name}: no Portuguese"));
            }
            let short = name.rsplit("::").next().unwrap_or_default();
            if text.en == text.pt && !SAME_IN_BOTH.contains(&short) {
                wrong.push(format!("{name}: the Portuguese is the English"));
            }
            if placeholders(text.en) != placeholders(text.pt) {
                wrong.push(format!(
                    "{name}: placeholders {:?} in English, {:?} in Portuguese",
                    placeholders(text.en),
                    placeholders(text.pt)
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn message_names_are_unique() {
        let mut names: Vec<String> = every_message().into_iter().map(|(name, _)| name).collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    #[test]
    fn placeholders_are_filled_by_name_and_unknown_ones_show() {
        let text = fill(
            "{who} sent {n} of {total}, {oops}",
            &[("who", &"ana"), ("n", &3), ("total", &10)],
        );
        assert_eq!(text, "ana sent 3 of 10, {oops}");
        assert_eq!(fill("a {b} {{c}}", &[("c", &1)]), "a {b} {1}");
        assert_eq!(
            placeholders("{b} and {a} and {b} but not { x } nor {}"),
            ["a", "b"]
        );
    }

    #[test]
    fn language_comes_first_then_lc_all_lc_messages_lang() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                (pairs.iter())
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        assert_eq!(Lang::from_env(env(&[])), Lang::En);
        assert_eq!(Lang::from_env(env(&[("LANG", "pt_BR.UTF-8")])), Lang::Pt);
        assert_eq!(
            Lang::from_env(env(&[("LANGUAGE", "pt_BR:en"), ("LANG", "C.UTF-8")])),
            Lang::Pt
        );
        assert_eq!(
            Lang::from_env(env(&[("LANGUAGE", "de:en"), ("LANG", "pt_BR.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_env(env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "pt_BR.UTF-8")])),
            Lang::En
        );
    }

    #[test]
    fn errors_students_meet_are_said_in_the_sentences_language() {
        let in_use = std::io::Error::from_raw_os_error(if cfg!(windows) { 10048 } else { 98 });
        let said = os_error(&in_use);
        if cfg!(target_os = "linux") {
            assert_eq!(said, "address already in use (os error 98)");
        }
        assert_eq!(
            os_error(&std::io::Error::other("odd")),
            "odd",
            "an error we have no words for is the system's"
        );
    }

    #[test]
    fn languages_come_from_flags_and_locales() {
        assert_eq!(Lang::parse("pt"), Some(Lang::Pt));
        assert_eq!(Lang::parse("pt_BR.UTF-8"), Some(Lang::Pt));
        assert_eq!(Lang::parse("pt-BR"), Some(Lang::Pt));
        assert_eq!(Lang::parse("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("C.UTF-8"), None);
        assert_eq!(Lang::parse("C"), Some(Lang::En));
        assert_eq!(Lang::parse("de_DE"), None);
    }
}
