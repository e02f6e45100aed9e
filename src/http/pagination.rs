//! Paging arithmetic shared by the vendors' page- and offset-based lists.

/// A 1-based or 0-based page turned into SQL `LIMIT`/`OFFSET`, saturating instead of
/// overflowing so absurd page numbers simply land past the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

impl Window {
    /// `page` counted from `first_page` (0 or 1), `limit` items each.
    pub fn page(page: u64, first_page: u64, limit: u64) -> Self {
        let index = page.saturating_sub(first_page);
        Self {
            limit: clamp_i64(limit),
            offset: clamp_i64(index.saturating_mul(limit)),
        }
    }

    pub fn offset(offset: u64, limit: u64) -> Self {
        Self {
            limit: clamp_i64(limit),
            offset: clamp_i64(offset),
        }
    }
}

/// How many pages of `limit` hold `total` items: `ceil(total / limit)`.
pub fn total_pages(total: u64, limit: u64) -> u64 {
    if limit == 0 { 0 } else { total.div_ceil(limit) }
}

fn clamp_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_based_pages_start_at_offset_zero() {
        assert_eq!(
            Window::page(1, 1, 10),
            Window {
                limit: 10,
                offset: 0
            }
        );
        assert_eq!(
            Window::page(3, 1, 10),
            Window {
                limit: 10,
                offset: 20
            }
        );
        assert_eq!(
            Window::page(0, 0, 20),
            Window {
                limit: 20,
                offset: 0
            }
        );
    }

    #[test]
    fn huge_pages_saturate_instead_of_overflowing() {
        assert_eq!(Window::page(u64::MAX, 1, u64::MAX).offset, i64::MAX);
    }

    #[test]
    fn total_pages_rounds_up() {
        assert_eq!(total_pages(115, 10), 12);
        assert_eq!(total_pages(0, 10), 0);
        assert_eq!(total_pages(10, 10), 1);
    }
}
