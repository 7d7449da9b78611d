//! One language setting for everything a student reads, and messages kept
//! in both of the workspace's languages: English and Brazilian Portuguese
//! (the lecture note's).
//!
//! A message is a [`Text`]: both languages side by side, with `{name}`
//! placeholders that [`Text::with`] fills. Each program keeps its messages
//! in tables declared with [`texts!`], so that a test can go through every
//! one ([`problems`]) and fail if a language is missing or the two versions
//! do not take the same placeholders.
//!
//! The language is chosen once per run ([`set_lang`]): a program's
//! `--lang pt` or `--lang en`, else the environment as gettext reads it
//! (`LANGUAGE`, then `LC_ALL`, `LC_MESSAGES`, `LANG`: `pt_BR.UTF-8` speaks
//! Portuguese), else English. Until a program chooses, [`lang`] reads the
//! environment, so a program that has no `--lang` follows the locale too.
//! The wire's own strings (the note's "Hello, N!", a status message a
//! server sent) are never translated: they are what other languages'
//! programs check.

use std::{fmt, sync::OnceLock};

/// A language the workspace speaks.
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
        ErrorKind::AddrInUse => os::OS_ADDR_IN_USE,
        ErrorKind::AddrNotAvailable => os::OS_ADDR_NOT_AVAILABLE,
        ErrorKind::ConnectionRefused => os::OS_CONNECTION_REFUSED,
        ErrorKind::ConnectionReset => os::OS_CONNECTION_RESET,
        ErrorKind::PermissionDenied => os::OS_PERMISSION_DENIED,
        ErrorKind::NotFound => os::OS_NOT_FOUND,
        ErrorKind::TimedOut => os::OS_TIMED_OUT,
        _ => return error.to_string(),
    };
    match error.raw_os_error() {
        Some(code) => format!("{words} (os error {code})"),
        None => words.to_string(),
    }
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
/// with its English text, and `ALL`, the whole table, for the tests
/// ([`problems`]).
///
/// ```
/// lang::texts! {
///     GREETING: "hello, {name}" "olá, {name}";
/// }
/// assert_eq!(GREETING.en, "hello, {name}");
/// ```
#[macro_export]
macro_rules! texts {
    ($($name:ident: $en:literal $pt:literal;)*) => {
        $(
            #[doc = concat!("\"", $en, "\"")]
            pub const $name: $crate::Text = $crate::Text { en: $en, pt: $pt };
        )*
        /// Every message of this table, by name: the tests read them all.
        pub const ALL: &[(&str, $crate::Text)] = &[$((stringify!($name), $name)),*];
    };
}

/// The words for the errors of the system a student meets.
pub mod os {
    crate::texts! {
        OS_ADDR_IN_USE:
            "address already in use"
            "endereço já em uso";
        OS_ADDR_NOT_AVAILABLE:
            "address not available on this machine"
            "endereço não disponível nesta máquina";
        OS_CONNECTION_REFUSED:
            "connection refused"
            "conexão recusada";
        OS_CONNECTION_RESET:
            "connection reset by the other side"
            "conexão encerrada pelo outro lado";
        OS_PERMISSION_DENIED:
            "permission denied"
            "permissão negada";
        OS_NOT_FOUND:
            "no such file or directory"
            "arquivo ou diretório inexistente";
        OS_TIMED_OUT:
            "timed out"
            "tempo esgotado";
    }
}

/// What is wrong with a table of messages: a language missing, the two
/// versions the same (unless the name is in `same_in_both`: a label that is
/// code, say), or not taking the same placeholders. Empty when all is well.
pub fn problems(table: &[(&str, Text)], same_in_both: &[&str]) -> Vec<String> {
    let mut wrong = Vec::new();
    for (name, text) in table {
        if text.en.trim().is_empty() {
            wrong.push(format!("{name}: no English"));
        }
        if text.pt.trim().is_empty() {
            wrong.push(format!("{name}: no Portuguese"));
        }
        if text.en == text.pt && !same_in_both.contains(name) {
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
    wrong
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_systems_words_are_in_both_languages() {
        let wrong = problems(os::ALL, &[]);
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
