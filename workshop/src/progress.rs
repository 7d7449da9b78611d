//! `progress`: the line a student pastes for the instructor, and its JSON
//! twin for a script that collects a whole class's.

use crate::text::{Lang, ui};

/// `done: 1 2 3 5; next: 4` (in `lang`): the exercises whose checks pass,
/// and the next one to do.
pub fn line(lang: Lang, done: &[u8], next: Option<u8>) -> String {
    let none = ui::PROGRESS_NONE.get(lang);
    let done = if done.is_empty() {
        none.to_owned()
    } else {
        numbers(done, " ")
    };
    let next = next.map_or_else(|| none.to_owned(), |next| next.to_string());
    crate::text::fill(
        ui::PROGRESS_LINE.get(lang),
        &[("done", &done), ("next", &next)],
    )
}

/// `{"compiles":true,"done":[1,2,3,5],"next":4}`: the same, for a script.
/// `next` is `null` when every exercise is done.
pub fn json(done: &[u8], next: Option<u8>) -> String {
    let next = next.map_or_else(|| "null".to_owned(), |next| next.to_string());
    format!(
        "{{\"compiles\":true,\"done\":[{}],\"next\":{next}}}",
        numbers(done, ",")
    )
}

/// The exercises done and the next, read back from what [`json`] wrote:
/// how the `workshop` program learns them from the check program's
/// output (`progress --share`). `None` for anything else.
pub fn parse_json(line: &str) -> Option<(Vec<u8>, Option<u8>)> {
    let rest = line.trim().strip_prefix("{\"compiles\":true,\"done\":[")?;
    let (done, rest) = rest.split_once("],\"next\":")?;
    let next = rest.strip_suffix('}')?;
    let done = if done.is_empty() {
        Vec::new()
    } else {
        done.split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?
    };
    let next = match next {
        "null" => None,
        number => Some(number.parse().ok()?),
    };
    Some((done, next))
}

/// What `progress --json` prints when the exercises do not compile: then
/// nothing can be checked, so nothing is known done.
pub const JSON_DOES_NOT_COMPILE: &str = "{\"compiles\":false,\"done\":null,\"next\":null}";

/// `numbers` joined by `separator`.
fn numbers(numbers: &[u8], separator: &str) -> String {
    let numbers: Vec<String> = numbers.iter().map(u8::to_string).collect();
    numbers.join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_what_is_done_and_what_is_next() {
        assert_eq!(
            line(Lang::En, &[1, 2, 3, 5], Some(4)),
            "done: 1 2 3 5; next: 4"
        );
        assert_eq!(line(Lang::En, &[], Some(1)), "done: none; next: 1");
        assert_eq!(
            line(Lang::Pt, &[1, 2, 3, 5], Some(4)),
            "feitos: 1 2 3 5; próximo: 4"
        );
        assert_eq!(line(Lang::Pt, &[1], None), "feitos: 1; próximo: nenhum");
    }

    #[test]
    fn the_json_is_what_a_script_expects() {
        assert_eq!(
            json(&[1, 2, 3, 5], Some(4)),
            r#"{"compiles":true,"done":[1,2,3,5],"next":4}"#
        );
        assert_eq!(
            json(&[], Some(1)),
            r#"{"compiles":true,"done":[],"next":1}"#
        );
        assert_eq!(
            json(&(1..=10).collect::<Vec<u8>>(), None),
            r#"{"compiles":true,"done":[1,2,3,4,5,6,7,8,9,10],"next":null}"#
        );
    }

    #[test]
    fn the_json_reads_back_as_it_was_written() {
        let all: Vec<u8> = (1..=10).collect();
        for (done, next) in [(vec![1, 2, 3, 5], Some(4)), (vec![], Some(1)), (all, None)] {
            let line = format!("{}\n", json(&done, next));
            assert_eq!(parse_json(&line), Some((done, next)));
        }
        assert_eq!(parse_json(JSON_DOES_NOT_COMPILE), None);
        assert_eq!(parse_json("done: 1; next: 2"), None);
        assert_eq!(
            parse_json(r#"{"compiles":true,"done":[1,x],"next":2}"#),
            None
        );
    }
}
