//! What a field costs against `GRAPHQL_MAX_COMPLEXITY`: lists and connections are
//! multiplied by their page size, so a nested page of pages is priced as what it loads.

use crate::foundation::pagination::DEFAULT_PAGE_SIZE;

/// The complexity of a connection field: its page size (first or last, default 20) times
/// the cost of what is selected in it.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map_or(DEFAULT_PAGE_SIZE, |n| u64::try_from(n).unwrap_or(0));
    usize::try_from(size)
        .unwrap_or(usize::MAX)
        .max(1)
        .saturating_mul(child_complexity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_cost_their_page_size() {
        assert_eq!(page_cost(Some(50), None, 3), 150);
        assert_eq!(page_cost(None, Some(5), 3), 15);
        assert_eq!(page_cost(None, None, 3), 60);
        assert_eq!(page_cost(Some(0), None, 3), 3);
    }
}
