//! Finds where a path (`metrics.ltv12.params.margin`) starts in a spec's JSON text, so an error
//! found after parsing still names its line and column. The text is known to be valid JSON.

/// 1-based (line, column) of the value at `path` (`$` = the whole document).
pub(super) fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let segments: Vec<&str> = if path == "$" {
        Vec::new()
    } else {
        path.split('.').collect()
    };
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    for seg in segments {
        match b.get(i)? {
            b'{' => i = find_key(b, i, seg)?,
            b'[' => i = find_index(b, i, seg.parse().ok()?)?,
            _ => return None,
        }
    }
    Some(line_col(text, i))
}

fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// End (exclusive) of the string starting at `i` (a `"`), and its decoded text.
fn string_at(b: &[u8], i: usize) -> Option<(usize, String)> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => {
                let raw = std::str::from_utf8(b.get(i..=j)?).ok()?;
                let s: String = serde_json::from_str(raw).ok()?;
                return Some((j + 1, s));
            }
            _ => j += 1,
        }
    }
    None
}

/// End (exclusive) of the value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_at(b, i).map(|(e, _)| e),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_at(b, j)?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace()
            {
                j += 1;
            }
            Some(j)
        }
    }
}

/// Start of the value of `key` in the object starting at `i`. With a repeated key, JSON
/// readers keep the last, so this does too.
fn find_key(b: &[u8], i: usize, key: &str) -> Option<usize> {
    let mut j = skip_ws(b, i + 1);
    let mut found = None;
    while j < b.len() && b[j] != b'}' {
        let (end, k) = string_at(b, j)?;
        j = skip_ws(b, end);
        if b.get(j) != Some(&b':') {
            return None;
        }
        j = skip_ws(b, j + 1);
        if k == key {
            found = Some(j);
        }
        j = skip_ws(b, skip_value(b, j)?);
        if b.get(j) == Some(&b',') {
            j = skip_ws(b, j + 1);
        }
    }
    found
}

fn find_index(b: &[u8], i: usize, index: usize) -> Option<usize> {
    let mut j = skip_ws(b, i + 1);
    let mut n = 0;
    while j < b.len() && b[j] != b']' {
        if n == index {
            return Some(j);
        }
        j = skip_ws(b, skip_value(b, j)?);
        if b.get(j) == Some(&b',') {
            j = skip_ws(b, j + 1);
        }
        n += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn finds_nested_values() {
        let text = "{\n  \"a\": 1,\n  \"metrics\": {\n    \"x\": { \"params\": { \"margin\": 2 } }\n  },\n  \"l\": [0, {\"k\": true}]\n}";
        assert_eq!(locate(text, "metrics.x.params.margin"), Some((4, 34)));
        assert_eq!(locate(text, "a"), Some((2, 8)));
        assert_eq!(locate(text, "l.1.k"), Some((6, 18)));
        assert_eq!(locate(text, "$"), Some((1, 1)));
        assert_eq!(locate(text, "metrics.y"), None);
    }
}
