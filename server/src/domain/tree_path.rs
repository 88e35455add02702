//! The materialized path of an organization.
//!
//! A path is the chain of per-network sequence numbers from the root down to the node, each
//! written in base 36 and terminated by `.`: the root with seq 1 is `1.`, its child with seq 2
//! is `1.2.`. Because `.` sorts just below `/`, the subtree of `p` is exactly the byte range
//! `[p, p with its last '.' replaced by '/')`, which a B-tree index answers in one range scan.

use std::fmt;

const SEPARATOR: char = '.';

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TreePath(String);

impl TreePath {
    pub fn root(seq: i64) -> Self {
        Self(segment(seq))
    }

    /// Wraps a stored path. Storage is trusted to hold well-formed paths.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn child(&self, seq: i64) -> Self {
        Self(format!("{}{}", self.0, segment(seq)))
    }

    /// Number of edges from the root (the root has depth 0).
    pub fn depth(&self) -> i32 {
        let segments = self.0.matches(SEPARATOR).count();
        i32::try_from(segments)
            .unwrap_or(i32::MAX)
            .saturating_sub(1)
    }

    /// Paths of every ancestor, root first, then the node itself last.
    pub fn self_and_ancestors(&self) -> Vec<TreePath> {
        self.0
            .match_indices(SEPARATOR)
            .map(|(end, _)| Self(self.0[..=end].to_owned()))
            .collect()
    }

    /// [`Self::self_and_ancestors`] as slices of this path, without allocating.
    pub fn self_and_ancestor_strs(&self) -> impl DoubleEndedIterator<Item = &str> + '_ {
        self.0
            .match_indices(SEPARATOR)
            .map(|(end, _)| &self.0[..=end])
    }

    /// Paths of the strict ancestors, root first.
    pub fn ancestors(&self) -> Vec<TreePath> {
        let mut all = self.self_and_ancestors();
        all.pop();
        all
    }

    pub fn root_path(&self) -> TreePath {
        let end = self.0.find(SEPARATOR).map_or(self.0.len(), |i| i + 1);
        Self(self.0[..end].to_owned())
    }

    pub fn parent(&self) -> Option<TreePath> {
        self.ancestors().pop()
    }

    /// True when `self` is `other` or one of its ancestors.
    pub fn contains(&self, other: &TreePath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// Exclusive upper bound of the subtree range (see the module docs).
    pub fn subtree_upper_bound(&self) -> String {
        let mut upper = self.0.clone();
        upper.pop();
        upper.push('/');
        upper
    }

    /// The path `self` gets when the subtree rooted at `old_root` moves to `new_root`.
    pub fn rebased(&self, old_root: &TreePath, new_root: &TreePath) -> Option<TreePath> {
        self.0
            .strip_prefix(&old_root.0)
            .map(|rest| Self(format!("{}{}", new_root.0, rest)))
    }

    /// The last segment: the node's own sequence number.
    pub fn last_segment(&self) -> &str {
        let trimmed = self.0.strip_suffix(SEPARATOR).unwrap_or(&self.0);
        let start = trimmed.rfind(SEPARATOR).map_or(0, |i| i + 1);
        &self.0[start..]
    }
}

/// Lets maps keyed by paths be read with the `&str` slices of
/// [`TreePath::self_and_ancestor_strs`] (hashing and equality are the string's).
impl std::borrow::Borrow<str> for TreePath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TreePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One path segment: `seq` in base 36 followed by the separator.
pub fn segment(seq: i64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut n = seq.unsigned_abs();
    let mut out = Vec::with_capacity(14);
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    let mut s: String = out.into_iter().map(char::from).collect();
    s.push(SEPARATOR);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_base36_terminated() {
        assert_eq!(segment(0), "0.");
        assert_eq!(segment(35), "z.");
        assert_eq!(segment(36), "10.");
    }

    #[test]
    fn ancestors_root_first() {
        let p = TreePath::root(1).child(2).child(40);
        assert_eq!(p.as_str(), "1.2.14.");
        assert_eq!(p.depth(), 2);
        let ancestors: Vec<_> = p
            .ancestors()
            .into_iter()
            .map(TreePath::into_string)
            .collect();
        assert_eq!(ancestors, vec!["1.", "1.2."]);
        assert_eq!(p.root_path().as_str(), "1.");
        assert_eq!(
            p.parent().map(TreePath::into_string).as_deref(),
            Some("1.2.")
        );
        assert_eq!(p.last_segment(), "14.");
        assert_eq!(TreePath::root(7).last_segment(), "7.");
    }

    #[test]
    fn subtree_range_is_exact() {
        let p = TreePath::root(1).child(2);
        let upper = p.subtree_upper_bound();
        let inside = ["1.2.", "1.2.3.", "1.2.zz.1."];
        let outside = ["1.", "1.20.", "1.3.", "1.2"];
        for s in inside {
            assert!(
                s >= p.as_str() && s < upper.as_str(),
                "{s} should be inside"
            );
        }
        for s in outside {
            assert!(
                !(s >= p.as_str() && s < upper.as_str()),
                "{s} should be outside"
            );
        }
    }

    #[test]
    fn contains_and_rebase() {
        let a = TreePath::root(1).child(2);
        let b = a.child(3);
        assert!(a.contains(&b));
        assert!(!b.contains(&a));
        assert!(!TreePath::root(1)
            .child(20)
            .contains(&TreePath::root(1).child(2)));
        let target = TreePath::root(1).child(9).child(2);
        assert_eq!(
            b.rebased(&a, &target).map(TreePath::into_string).as_deref(),
            Some("1.9.2.3.")
        );
    }
}
