//! A small column-aligning text table: left-aligned cells, two spaces between columns, no
//! trailing whitespace.
//!
//! Widths count `char`s, which is right for the ASCII that clouds mostly return and close
//! enough otherwise. Control characters in cells (a multi-line fault message) become spaces
//! so one row stays one line.
//!
//! Streaming output prints one batch of rows at a time; [`Table::render_with`] takes the
//! widths used so far and grows them, so later batches line up with earlier ones unless a
//! cell is wider than anything seen before.

/// Space between columns.
const GAP: &str = "  ";

/// Rows of cells with an optional header row.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table whose first printed row is `header`.
    pub fn with_header<S: AsRef<str>>(header: &[S]) -> Self {
        Self {
            header: Some(header.iter().map(|h| clean(h.as_ref())).collect()),
            rows: Vec::new(),
        }
    }

    /// A table without a header row (key/value views, the status section).
    pub fn headless() -> Self {
        Self::default()
    }

    /// Appends a row; rows may have fewer cells than others (the rest are left blank).
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row.iter().map(|cell| clean(cell)).collect());
    }

    /// The table as text, one line per row, each ending in a newline.
    pub fn render(&self) -> String {
        self.render_with(&mut Vec::new(), true)
    }

    /// Renders with column widths at least `widths`, widening `widths` to fit this table;
    /// prints the header only when `header` is true.
    pub fn render_with(&self, widths: &mut Vec<usize>, header: bool) -> String {
        let printed_header = self.header.as_ref().filter(|_| header);
        for row in printed_header.into_iter().chain(&self.rows) {
            if widths.len() < row.len() {
                widths.resize(row.len(), 0);
            }
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in printed_header.into_iter().chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str(GAP);
                }
                line.push_str(cell);
                let width = widths.get(i).copied().unwrap_or(0);
                line.extend(std::iter::repeat_n(
                    ' ',
                    width.saturating_sub(cell.chars().count()),
                ));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

fn clean(cell: &str) -> String {
    cell.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn columns_align_to_the_widest_cell_without_trailing_spaces() {
        let mut table = Table::with_header(&["ID", "NAME", "STATUS"]);
        table.push(row(&["1", "web-server", "ACTIVE"]));
        table.push(row(&["1234", "db", ""]));
        assert_eq!(
            table.render(),
            "ID    NAME        STATUS\n\
             1     web-server  ACTIVE\n\
             1234  db\n"
        );
    }

    #[test]
    fn ragged_rows_and_control_characters_stay_on_one_line() {
        let mut table = Table::headless();
        table.push(row(&["alpha/us-east", "OK", "3 items"]));
        table.push(row(&["beta", "UNAVAILABLE", "connection\nrefused"]));
        assert_eq!(
            table.render(),
            "alpha/us-east  OK           3 items\n\
             beta           UNAVAILABLE  connection refused\n"
        );
    }

    #[test]
    fn later_batches_reuse_and_grow_the_widths_of_earlier_ones() {
        let mut widths = Vec::new();
        let mut first = Table::with_header(&["A", "B"]);
        first.push(row(&["xx", "y"]));
        assert_eq!(first.render_with(&mut widths, true), "A   B\nxx  y\n");
        let mut second = Table::with_header(&["A", "B"]);
        second.push(row(&["z", "w"]));
        assert_eq!(second.render_with(&mut widths, false), "z   w\n");
        assert_eq!(widths, vec![2, 1]);
    }
}
