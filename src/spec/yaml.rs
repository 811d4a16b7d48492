//! A spec written in YAML: read with `yaml-rust2`'s event parser into the same JSON value a
//! JSON spec gives, with the line and column of every value so errors found later still point
//! into the file.
//!
//! The YAML 1.2 core schema decides what a plain scalar is: `null`, `~` or nothing is null,
//! `true` / `false` are booleans, numbers are decimal (`0.30`, `1e3`, `+5`, `.5`), `0x…` or
//! `0o…` integers; everything else, and every quoted or block scalar, is text. `.inf` and `.nan`
//! are refused (a spec's numbers are finite), as are aliases (`*name`: a spec says each value
//! once), tags other than `!!str`, keys that are not text, repeated keys and a second document.

use super::{MAX_DEPTH, MAX_STRING};
use crate::error::{Error, Result};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A spec's YAML text as JSON, with the (line, column) of each value by spec path.
pub(super) struct Located {
    pub(super) value: Value,
    pub(super) marks: HashMap<String, (usize, usize)>,
}

enum Frame {
    Seq(Vec<Value>, String),
    /// Entries, the mapping's path, the key waiting for its value.
    Map(Map<String, Value>, String, Option<String>),
}

fn at(mark: &Marker) -> (usize, usize) {
    (mark.line(), mark.col() + 1)
}

fn fail(path: &str, mark: &Marker, message: impl Into<String>) -> Error {
    let (line, col) = at(mark);
    Error::InSpec {
        path: path.into(),
        line,
        col,
        inner: Box::new(Error::BadSpec {
            message: message.into(),
        }),
    }
}

fn child(parent: &str, key: &str) -> String {
    if parent == "$" {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// True for a YAML 1.2 core-schema float or decimal integer: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_decimal(s: &str) -> bool {
    let b = s.trim_start_matches(['-', '+']).as_bytes();
    if s.len() - b.len() > 1 {
        return false;
    }
    let digits = |b: &[u8], i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let mut i = 0;
    let whole = digits(b, &mut i);
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(b, &mut i) == 0 && whole == 0 {
            return false;
        }
    } else if whole == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(b, &mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A plain scalar under the core schema.
fn plain(s: &str, path: &str, mark: &Marker) -> Result<Value> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        _ => {}
    }
    let lower = s.to_ascii_lowercase();
    if matches!(lower.trim_start_matches(['-', '+']), ".inf" | ".nan") {
        return Err(fail(path, mark, format!("{s} is not a finite number")));
    }
    let radix = |digits: &str, r: u32| u64::from_str_radix(digits, r).ok().map(Value::from);
    if let Some(h) = s.strip_prefix("0x") {
        if let Some(v) = radix(h, 16) {
            return Ok(v);
        }
    }
    if let Some(o) = s.strip_prefix("0o") {
        if let Some(v) = radix(o, 8) {
            return Ok(v);
        }
    }
    if is_decimal(s) {
        let t = s.trim_start_matches('+');
        if let Ok(n) = t.parse::<i64>() {
            return Ok(Value::from(n));
        }
        if let Some(n) = t.parse::<f64>().ok().and_then(Number::from_f64) {
            return Ok(Value::Number(n));
        }
        return Err(fail(path, mark, format!("{s} is not a finite number")));
    }
    Ok(Value::String(s.to_string()))
}

/// Reads `text` as one YAML document.
pub(super) fn read(text: &str) -> Result<Located> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut marks = HashMap::new();
    let mut root: Option<Value> = None;
    let mut documents = 0;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            fail(
                "$",
                e.marker(),
                format!("not valid JSON or YAML: {}", e.info()),
            )
        })?;
        // Where a value starting here goes: its path, or a mapping key.
        let place = |stack: &mut Vec<Frame>| -> Option<String> {
            match stack.last() {
                None => Some("$".to_string()),
                Some(Frame::Seq(items, path)) => Some(child(path, &items.len().to_string())),
                Some(Frame::Map(_, path, Some(key))) => Some(child(path, key)),
                Some(Frame::Map(_, _, None)) => None,
            }
        };
        let parent_path = |stack: &Vec<Frame>| match stack.last() {
            Some(Frame::Seq(_, p)) | Some(Frame::Map(_, p, _)) => p.clone(),
            None => "$".into(),
        };
        let finished: Option<Value> = match event {
            Event::StreamStart | Event::Nothing => None,
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(fail(
                        "$",
                        &mark,
                        "a spec is one YAML document; found a second (---)",
                    ));
                }
                None
            }
            Event::DocumentEnd => None,
            Event::Alias(_) => {
                let path = place(&mut stack).unwrap_or_else(|| parent_path(&stack));
                return Err(fail(
                    &path,
                    &mark,
                    "YAML aliases (*name) are not accepted in a spec: write the value out",
                ));
            }
            Event::Scalar(s, style, _, tag) => {
                if s.chars().count() > MAX_STRING {
                    return Err(Error::TooLarge {
                        what: "spec string (characters)".into(),
                        size: s.chars().count(),
                        limit: MAX_STRING,
                    }
                    .at_spec_path(parent_path(&stack)));
                }
                let text_tag = match &tag {
                    None => false,
                    Some(t)
                        if (t.handle == "!!" || t.handle == "tag:yaml.org,2002:")
                            && t.suffix == "str" =>
                    {
                        true
                    }
                    Some(t) => {
                        return Err(fail(
                            &parent_path(&stack),
                            &mark,
                            format!(
                                "YAML tag {}{} is not accepted in a spec (only !!str)",
                                t.handle, t.suffix
                            ),
                        ))
                    }
                };
                match place(&mut stack) {
                    None => {
                        // A key of the mapping on top.
                        if let Some(Frame::Map(map, path, key)) = stack.last_mut() {
                            if map.contains_key(&s) {
                                return Err(fail(
                                    &child(path, &s),
                                    &mark,
                                    format!("key '{}' appears twice", super::truncate(&s)),
                                ));
                            }
                            *key = Some(s);
                        }
                        None
                    }
                    Some(path) => {
                        let v = if style == TScalarStyle::Plain && !text_tag {
                            plain(&s, &path, &mark)?
                        } else {
                            Value::String(s)
                        };
                        marks.insert(path, at(&mark));
                        Some(v)
                    }
                }
            }
            Event::SequenceStart(_, _) | Event::MappingStart(_, _) => {
                let Some(path) = place(&mut stack) else {
                    return Err(fail(
                        &parent_path(&stack),
                        &mark,
                        "a mapping key must be text, not a list or a mapping",
                    ));
                };
                if stack.len() >= MAX_DEPTH {
                    return Err(Error::TooLarge {
                        what: "spec nesting depth".into(),
                        size: stack.len() + 1,
                        limit: MAX_DEPTH,
                    }
                    .at_spec_path("$"));
                }
                marks.insert(path.clone(), at(&mark));
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new(), path)
                } else {
                    Frame::Map(Map::new(), path, None)
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, _)) => Some(Value::Array(items)),
                _ => return Err(fail("$", &mark, "unbalanced YAML sequence")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(map, _, _)) => Some(Value::Object(map)),
                _ => return Err(fail("$", &mark, "unbalanced YAML mapping")),
            },
        };
        if let Some(v) = finished {
            match stack.last_mut() {
                None => root = Some(v),
                Some(Frame::Seq(items, _)) => items.push(v),
                Some(Frame::Map(map, _, key)) => {
                    if let Some(k) = key.take() {
                        map.insert(k, v);
                    }
                }
            }
        }
    }
    Ok(Located {
        value: root.unwrap_or(Value::Null),
        marks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_scalars() {
        let l = read(
            "a: 0.30\nb: 12\nc: true\nd: ~\ne: '12'\nf: 0x1F\ng: +5\nh: .5\ni: text here\nj: 1e3\n",
        )
        .unwrap();
        let v = l.value;
        assert_eq!(v["a"].as_f64(), Some(0.3));
        assert_eq!(v["b"], Value::from(12));
        assert_eq!(v["c"], Value::Bool(true));
        assert_eq!(v["d"], Value::Null);
        assert_eq!(v["e"], Value::String("12".into()));
        assert_eq!(v["f"], Value::from(31));
        assert_eq!(v["g"], Value::from(5));
        assert_eq!(v["h"].as_f64(), Some(0.5));
        assert_eq!(v["i"], Value::String("text here".into()));
        assert_eq!(v["j"].as_f64(), Some(1000.0));
        assert_eq!(l.marks["c"], (3, 4));
    }

    #[test]
    fn refusals() {
        for (text, path) in [
            ("a: .inf\n", "a"),
            ("a: &x 1\nb: *x\n", "b"),
            ("a: !!int 1\n", "$"),
            ("a: 1\na: 2\n", "a"),
            ("? [1]\n: 2\n", "$"),
            ("a: 1\n---\nb: 2\n", "$"),
            ("a: [1, 2\n", "$"),
        ] {
            let e = read(text).err().unwrap_or_else(|| panic!("{text}"));
            assert_eq!(e.code(), "E_BAD_SPEC", "{text}");
            assert_eq!(e.path(), Some(path), "{text}");
            assert!(e.position().is_some(), "{text}");
        }
    }
}
