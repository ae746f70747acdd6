//! JDBC's LIKE patterns: matching names, and what a pattern asks of Athena
//! (an exact name, or ListTableMetadata's `Expression` filter).

/// JDBC's LIKE patterns: `%` any run, `_` one character, `\` escapes (a
/// trailing lone `\` is a literal backslash). Literals compare without regard
/// to ASCII case. None matches all.
///
/// Greedy, with backtracking to the latest `%` only: an earlier `%` never has
/// to take more, since the latest one can absorb whatever it would. So the
/// work is at most |pattern| × |value| steps, and no recursion: metadata calls
/// run on the calling Java thread's stack.
pub fn like(pattern: Option<&str>, value: &str) -> bool {
    let Some(pattern) = pattern else { return true };
    let p = pieces(pattern);
    let v: Vec<char> = value.chars().collect();
    let (mut pi, mut vi) = (0, 0);
    // After the latest `%`: the piece that follows it, and the value position
    // from which that piece is tried next.
    let mut retry: Option<(usize, usize)> = None;
    while let Some(&c) = v.get(vi) {
        match p.get(pi) {
            Some(Piece::AnyRun) => {
                pi += 1;
                retry = Some((pi, vi));
            }
            Some(Piece::AnyOne) => {
                pi += 1;
                vi += 1;
            }
            Some(Piece::Literal(l)) if l.eq_ignore_ascii_case(&c) => {
                pi += 1;
                vi += 1;
            }
            // A mismatch, or the pattern ran out before the value.
            _ => match retry {
                Some((after_run, from)) => {
                    pi = after_run;
                    vi = from + 1;
                    retry = Some((after_run, from + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|piece| matches!(piece, Piece::AnyRun)))
}

/// One element of a JDBC LIKE pattern, its `\\` escapes resolved.
enum Piece {
    /// `%`
    AnyRun,
    /// `_`
    AnyOne,
    Literal(char),
}

fn pieces(pattern: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        pieces.push(match c {
            '%' => Piece::AnyRun,
            '_' => Piece::AnyOne,
            '\\' => Piece::Literal(chars.next().unwrap_or('\\')),
            other => Piece::Literal(other),
        });
    }
    pieces
}

/// The one name a JDBC pattern matches, when it has no unescaped wildcard.
pub(super) fn exact_name(pattern: &str) -> Option<String> {
    pieces(pattern)
        .into_iter()
        .map(|piece| match piece {
            Piece::Literal(c) => Some(c),
            Piece::AnyRun | Piece::AnyOne => None,
        })
        .collect()
}

/// ListTableMetadata's `Expression` (a regular expression on table names) for a
/// JDBC pattern; the listing is still checked against the pattern itself.
pub(super) fn expression(pattern: &str) -> Option<String> {
    if pattern.chars().all(|c| c == '%') {
        return None;
    }
    let mut regex = String::new();
    for piece in pieces(pattern) {
        match piece {
            Piece::AnyRun => regex.push_str(".*"),
            Piece::AnyOne => regex.push('.'),
            // Glue keeps table names in lower case; the pattern matches without regard to case.
            Piece::Literal(c) => push_literal(&mut regex, c.to_ascii_lowercase()),
        }
    }
    Some(regex)
}

fn push_literal(regex: &mut String, c: char) {
    if !c.is_alphanumeric() && c != '_' {
        regex.push('\\');
    }
    regex.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_follow_jdbc() {
        assert!(like(None, "x"));
        assert!(like(Some("%"), ""));
        assert!(like(Some("ci%"), "cities"));
        assert!(like(Some("c_ties"), "cities"));
        assert!(!like(Some("c_ties"), "ccities"));
        assert!(like(Some("my\\_t"), "my_t"));
        assert!(!like(Some("my\\_t"), "myxt"));
    }

    #[test]
    fn like_escapes_and_backslashes() {
        // A trailing lone `\` is a literal backslash.
        assert!(like(Some("a\\"), "a\\"));
        assert!(!like(Some("a\\"), "a"));
        assert!(like(Some("100\\%"), "100%"));
        assert!(!like(Some("100\\%"), "1000"));
        assert!(like(Some("a\\\\b"), "a\\b"));
        // Escaped letters compare without regard to case, like every literal.
        assert!(like(Some("\\T%"), "tables"));
        assert!(like(Some("CI%"), "cities"));
        assert!(!like(Some("%x"), "cities"));
        assert!(like(Some("%%_"), "c"));
        assert!(!like(Some("%%_"), ""));
    }

    /// The meaning of a JDBC LIKE pattern, written as plainly as possible: a
    /// table of which pattern prefixes match which value prefixes.
    fn like_reference(pattern: &str, value: &str) -> bool {
        enum P {
            Run,
            One,
            Lit(char),
        }
        let mut p = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            p.push(match c {
                '%' => P::Run,
                '_' => P::One,
                '\\' => P::Lit(chars.next().unwrap_or('\\')),
                c => P::Lit(c),
            });
        }
        let v: Vec<char> = value.chars().collect();
        // m[i][j]: the first i pieces match the first j characters.
        let mut m = vec![vec![false; v.len() + 1]; p.len() + 1];
        m[0][0] = true;
        for i in 1..=p.len() {
            for j in 0..=v.len() {
                m[i][j] = match &p[i - 1] {
                    P::Run => m[i - 1][j] || (j > 0 && m[i][j - 1]),
                    P::One => j > 0 && m[i - 1][j - 1],
                    P::Lit(c) => j > 0 && m[i - 1][j - 1] && c.eq_ignore_ascii_case(&v[j - 1]),
                };
            }
        }
        m[p.len()][v.len()]
    }

    /// A value the pattern (nearly) describes, so that matches are common: each
    /// `%` becomes its filler, `_` one character, a literal itself, its other
    /// case, or (when the filler says so) something else.
    fn near_match(pattern: &str, fillers: &[String]) -> String {
        let mut value = String::new();
        let mut chars = pattern.chars();
        let mut fill = fillers.iter().cycle();
        while let Some(c) = chars.next() {
            let filler = fill.next().map(String::as_str).unwrap_or("");
            match c {
                '%' => value.push_str(filler),
                '_' => value.push(filler.chars().next().unwrap_or('_')),
                c => {
                    let c = if c == '\\' {
                        chars.next().unwrap_or('\\')
                    } else {
                        c
                    };
                    match filler.len() {
                        0 => value.push(c.to_ascii_uppercase()),
                        1 => value.push(c.to_ascii_lowercase()),
                        2 => value.push(c),
                        _ => value.push_str(filler),
                    }
                }
            }
        }
        value
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn like_agrees_with_the_reference(
            pattern in "[aAb%_\\\\é]{0,12}",
            value in "[aAb%_\\\\éÉ]{0,14}",
            fillers in proptest::collection::vec("[aAb%_\\\\éÉ]{0,4}", 1..6),
        ) {
            let near = near_match(&pattern, &fillers);
            for value in [&value, &near] {
                proptest::prop_assert_eq!(
                    like(Some(&pattern), value),
                    like_reference(&pattern, value),
                    "pattern {:?} value {:?}", pattern, value
                );
            }
        }
    }

    #[test]
    fn many_wildcards_against_a_long_name_answer_quickly() {
        let name = "a".repeat(10_000);
        let started = std::time::Instant::now();
        assert!(!like(Some("%a%a%a%a%a%a%a%a%a%a%a%b"), &name));
        assert!(like(Some("%a%a%a%a%a%a%a%a%a%a%a%"), &name));
        assert!(like(Some("%a_a%a%a%a%a%a%a%a%a%a"), &name));
        // Generous: the point is that it finishes at all.
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }

    #[test]
    fn long_patterns_do_not_exhaust_a_small_stack() {
        // Metadata calls run on the calling Java thread, whose stack may be small.
        let answers = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let name = "a".repeat(100_000);
                [
                    like(Some(&"%".repeat(100_000)), "abc"),
                    like(Some(&name), &name),
                    like(Some(&"_".repeat(100_000)), &name),
                    like(Some(&"a%".repeat(50_000)), &name),
                ]
            })
            .map(|thread| thread.join());
        assert!(
            matches!(answers, Ok(Ok([true, true, true, true]))),
            "{answers:?}"
        );
    }

    #[test]
    fn patterns_become_exact_names_or_expressions() {
        assert_eq!(exact_name("my\\_t").as_deref(), Some("my_t"));
        assert_eq!(exact_name("t%"), None);
        assert_eq!(exact_name("t_1"), None);
        assert_eq!(expression("T1\\_%").as_deref(), Some("t1_.*"));
        assert_eq!(expression("a.b_").as_deref(), Some("a\\.b."));
        assert_eq!(expression("%%"), None);
    }
}
