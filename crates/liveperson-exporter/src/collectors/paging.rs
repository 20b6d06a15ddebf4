//! Offset paging, as LivePerson's offset-paged APIs (KMM, agent view, NHT, agent segments, status
//! changes) want it: ask from offset 0 a page at a time, and stop after an empty page, when the
//! page says nothing follows (its total is reached, or it has no `next` link), or before a cap the
//! API will not serve beyond.

/// What an answered page says about what follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rest {
    /// The number of rows in all pages (`metadata.count`, `pagination.count`).
    Total(u64),
    /// Whether the page links a next one (`_metadata.next`, `rel: "next"`).
    NextLink(bool),
}

/// Whether to ask for another page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Ask for the page at [`OffsetPages::offset`].
    More,
    /// Every page has been read.
    Done,
    /// More pages exist, but the API serves none beyond the cap.
    Capped,
}

/// The position in an offset-paged answer.
#[derive(Debug, Clone)]
pub struct OffsetPages {
    offset: u64,
    page_size: u64,
    cap: Option<u64>,
}

impl OffsetPages {
    /// Pages of `page_size` rows from offset 0.
    pub fn new(page_size: u64) -> Self {
        Self {
            offset: 0,
            page_size,
            cap: None,
        }
    }

    /// Never ask for rows beyond `cap` (`offset + limit <= cap`).
    pub fn capped(mut self, cap: u64) -> Self {
        self.cap = Some(cap);
        self
    }

    /// The offset of the page to ask for.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Whether the page to ask for is the first.
    pub fn is_first(&self) -> bool {
        self.offset == 0
    }

    /// Records an answered page of `rows` rows and what it says of the rest.
    pub fn step(&mut self, rows: usize, rest: Rest) -> Step {
        self.offset += self.page_size;
        let more = match rest {
            Rest::Total(total) => self.offset < total,
            Rest::NextLink(next) => next,
        };
        if rows == 0 || !more {
            Step::Done
        } else if self
            .cap
            .is_some_and(|cap| self.offset + self.page_size > cap)
        {
            Step::Capped
        } else {
            Step::More
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_until_the_total_an_empty_page_or_no_next_link() {
        let mut p = OffsetPages::new(50);
        assert!(p.is_first());
        assert_eq!(p.step(50, Rest::Total(120)), Step::More);
        assert_eq!(p.offset(), 50);
        assert_eq!(p.step(50, Rest::Total(120)), Step::More);
        assert_eq!(p.step(20, Rest::Total(120)), Step::Done);
        let mut p = OffsetPages::new(50);
        assert_eq!(p.step(0, Rest::Total(120)), Step::Done);
        let mut p = OffsetPages::new(10);
        assert_eq!(p.step(10, Rest::NextLink(true)), Step::More);
        assert_eq!(p.step(10, Rest::NextLink(false)), Step::Done);
    }

    #[test]
    fn stops_before_the_cap() {
        let mut p = OffsetPages::new(50).capped(100);
        assert_eq!(p.step(50, Rest::Total(5000)), Step::More);
        assert_eq!(p.step(50, Rest::Total(5000)), Step::Capped);
        assert_eq!(p.offset(), 100);
    }
}
