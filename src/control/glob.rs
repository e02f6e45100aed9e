//! Path globs for fault rules and journal filters: `*` stands for any run of characters, `?`
//! for one, everything else for itself.
//!
//! A glob is compiled once, when the rule is added or the query parsed, into a regular
//! expression of the `regex` crate, whose searches take time linear in the path: a pattern
//! such as `*aaaa…b` against a long path cannot make it backtrack, as a hand-written matcher
//! did (85 ms a request, holding the lock every request waited on).

use regex::{Regex, RegexBuilder};

/// The longest glob accepted, in bytes: far beyond any vendor path, and it keeps the compiled
/// expression small.
pub const MAX_GLOB_LEN: usize = 512;

/// A compiled expression may take at most this much memory; a glob within [`MAX_GLOB_LEN`]
/// needs a small fraction of it.
const COMPILED_SIZE_LIMIT: usize = 1 << 20;

/// Why a glob was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GlobError {
    #[error("must be at most {MAX_GLOB_LEN} bytes")]
    TooLong,
    #[error("cannot be compiled: {0}")]
    Uncompilable(String),
}

/// A glob, compiled.
#[derive(Debug, Clone)]
pub struct Glob {
    regex: Regex,
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Self, GlobError> {
        if pattern.len() > MAX_GLOB_LEN {
            return Err(GlobError::TooLong);
        }
        let regex = RegexBuilder::new(&to_regex(pattern))
            .size_limit(COMPILED_SIZE_LIMIT)
            .build()
            .map_err(|error| GlobError::Uncompilable(error.to_string()))?;
        Ok(Self { regex })
    }

    /// Whether the whole of `text` matches.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// The regular expression the glob compiled to.
    pub fn compiled(&self) -> &str {
        self.regex.as_str()
    }
}

/// The expression for `pattern`: anchored at both ends, `.` matching any character (newlines
/// too), runs of `*` collapsed into one `.*`.
fn to_regex(pattern: &str) -> String {
    let mut source = String::with_capacity(pattern.len() * 2 + 8);
    source.push_str("^(?s:");
    let mut previous = None;
    for ch in pattern.chars() {
        match ch {
            '*' if previous == Some('*') => {}
            '*' => source.push_str(".*"),
            '?' => source.push('.'),
            literal => source.push_str(&regex::escape(literal.encode_utf8(&mut [0; 4]))),
        }
        previous = Some(ch);
    }
    source.push_str(")$");
    source
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        Glob::new(pattern).expect("compiles").is_match(text)
    }

    #[test]
    fn stars_match_runs_and_question_marks_one_character() {
        assert!(matches("/api/v1/contacts*", "/api/v1/contacts/tags"));
        assert!(matches("*", ""));
        assert!(matches("/contacts/?", "/contacts/7"));
        assert!(matches("/contacts/?", "/contacts/é"));
        assert!(matches("*/tags", "/api/v1/contacts/tags"));
        assert!(!matches("/contacts/?", "/contacts/77"));
        assert!(!matches("/api", "/api/v1"));
        assert!(!matches("/api/v1", "/x/api/v1"), "anchored at the start");
    }

    #[test]
    fn everything_else_is_literal() {
        assert!(matches("/a.b+c(d)[e]{2}|^$\\", "/a.b+c(d)[e]{2}|^$\\"));
        assert!(!matches("/a.b", "/axb"));
        assert!(!matches("/a+", "/aa"));
    }

    #[test]
    fn a_glob_compiles_to_an_anchored_expression_with_runs_of_stars_collapsed() {
        let glob = Glob::new("/a**?.b*").expect("compiles");
        assert_eq!(glob.compiled(), r"^(?s:/a.*.\.b.*)$");
    }

    #[test]
    fn a_pathological_glob_is_decided_correctly_on_a_long_path() {
        let pattern = format!("*{}b", "a".repeat(MAX_GLOB_LEN - 2));
        let glob = Glob::new(&pattern).expect("compiles");
        assert_eq!(glob.compiled(), format!("^(?s:.*{}b)$", "a".repeat(510)));
        let long = format!("/{}", "a".repeat(100_000));
        assert!(!glob.is_match(&long));
        assert!(glob.is_match(&format!("{long}b")));
    }

    #[test]
    fn a_glob_longer_than_the_limit_is_refused() {
        assert_eq!(
            Glob::new(&"*".repeat(MAX_GLOB_LEN + 1)).unwrap_err(),
            GlobError::TooLong
        );
        assert!(Glob::new(&"*".repeat(MAX_GLOB_LEN)).is_ok());
    }
}
