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
//! else English. The mechanism is the workspace's one, the `lang` crate,
//! which the lesson programs use too: one setting for all a student reads.

pub mod checks;
pub mod ui;

pub(crate) use lang::texts;
pub use lang::{Lang, Text, fill, lang, os_error, placeholders, set_lang};

/// What is wrong with an address (plumbing's reading of HOST:PORT), in
/// this run's language, for the workshop's cases (`call --addr` and
/// `progress --share`): the lesson programs' words, except where their
/// advice names a flag the workshop does not have (`--tls`, a unix socket).
pub fn address_problem(problem: plumbing::addr::AddrProblem) -> String {
    use plumbing::addr::AddrProblem;
    match problem {
        AddrProblem::Scheme => ui::ADDR_SCHEME.to_string(),
        AddrProblem::UnixWithoutPath => ui::ADDR_UNIX.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages that are the same in both languages on purpose: labels
    /// that are code or a term both use.
    const SAME_IN_BOTH: &[&str] = &["checks::OK"];

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
        let messages = every_message();
        let all: Vec<(&str, Text)> = (messages.iter())
            .map(|(name, text)| (name.as_str(), *text))
            .collect();
        let wrong = lang::problems(&all, SAME_IN_BOTH);
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
}
