//! "Did you mean ...?" for misspelt keys: the closest known key by edit distance.
//!
//! The distance is optimal string alignment (Levenshtein plus swapping two neighbours, the
//! commonest typo: `auth_tpye`). A candidate is offered only when it is close: at most two
//! edits, or a third of the key's length for long keys, so unrelated keys get no suggestion.

/// The candidate closest to `key`, if one is close enough; ties go to the earlier candidate.
pub(crate) fn closest<'a>(
    key: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|candidate| (distance(key, candidate), candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance between `a` and `b`, by characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back (for transpositions), one back, and the current one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_of_neighbours_is_one_edit() {
        assert_eq!(distance("auth_tpye", "auth_type"), 1);
        assert_eq!(distance("region_nmae", "region_name"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn the_closest_near_candidate_is_offered_and_far_ones_are_not() {
        let keys = ["auth", "auth_type", "region_name", "regions"];
        assert_eq!(closest("auth_tpye", keys), Some("auth_type"));
        assert_eq!(closest("region", keys), Some("regions"));
        assert_eq!(closest("flavour_of_the_day", keys), None);
    }
}
