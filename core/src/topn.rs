//! Capping a per-user or per-key breakdown to its top N entries plus an `other` bucket, so
//! label cardinality stays bounded however many users a server has.

/// Label value of the bucket that sums everything past the top N.
pub const OTHER: &str = "other";

/// The `n` largest entries by the first value, then one `other` entry summing the rest
/// (each value column summed separately). Ties keep input order.
pub fn top_n_with_other<const K: usize>(
    mut entries: Vec<(String, [f64; K])>,
    n: usize,
) -> Vec<(String, [f64; K])> {
    entries.sort_by(|a, b| b.1[0].total_cmp(&a.1[0]));
    if entries.len() <= n {
        return entries;
    }
    let rest = entries.split_off(n);
    let mut other = [0.0; K];
    for (_, values) in rest {
        for (o, v) in other.iter_mut().zip(values) {
            *o += v;
        }
    }
    entries.push((OTHER.to_owned(), other));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_largest_and_sums_the_rest_into_other() {
        let e = vec![
            ("a".to_owned(), [1.0, 10.0]),
            ("b".to_owned(), [5.0, 1.0]),
            ("c".to_owned(), [3.0, 2.0]),
            ("d".to_owned(), [2.0, 4.0]),
        ];
        let top = top_n_with_other(e, 2);
        assert_eq!(top[0], ("b".to_owned(), [5.0, 1.0]));
        assert_eq!(top[1], ("c".to_owned(), [3.0, 2.0]));
        assert_eq!(top[2], ("other".to_owned(), [3.0, 14.0]));
    }

    #[test]
    fn short_lists_get_no_other_bucket() {
        let top = top_n_with_other(vec![("a".to_owned(), [1.0])], 5);
        assert_eq!(top.len(), 1);
    }
}
