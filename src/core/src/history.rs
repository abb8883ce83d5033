//! The loss history the Train panel keeps and charts, bounded: past `MAX_ROWS` rows, neighbouring
//! rows are merged (averaged) two by two, so an hour of training costs the page the same memory
//! and the chart the same work as a minute. Plain data, shared by the page and its tests.

/// The most rows kept (each the mean of `steps_per_row` steps).
pub const MAX_ROWS: usize = 2048;

#[derive(Debug, Clone, PartialEq)]
pub struct History {
    rows: Vec<Vec<f32>>,
    steps_per_row: usize,
    /// Steps not yet making up a whole row, summed, and how many.
    partial: Option<(Vec<f32>, usize)>,
}

impl Default for History {
    fn default() -> Self {
        Self { rows: Vec::new(), steps_per_row: 1, partial: None }
    }
}

impl History {
    /// A history of whole rows, each the mean of `steps_per_row` steps (as a saved run keeps it).
    pub fn from_rows(rows: Vec<Vec<f32>>, steps_per_row: usize) -> Self {
        let mut history = Self { rows, steps_per_row: steps_per_row.max(1), partial: None };
        while history.rows.len() > MAX_ROWS {
            history.halve();
        }
        history
    }

    /// The same history in at most `max_rows` rows (neighbours merged two by two as often as
    /// needed), without the unfinished row: what a saved run keeps.
    pub fn compacted(&self, max_rows: usize) -> Self {
        let mut history = Self { rows: self.rows.clone(), steps_per_row: self.steps_per_row, partial: None };
        while history.rows.len() > max_rows.max(1) {
            history.halve();
            history.partial = None;
        }
        history
    }

    /// Adds one step's values.
    pub fn push(&mut self, values: Vec<f32>) {
        let (sum, count) = match self.partial.take() {
            Some((mut sum, count)) => {
                sum.iter_mut().zip(&values).for_each(|(s, v)| *s += v);
                (sum, count + 1)
            }
            None => (values, 1),
        };
        if count < self.steps_per_row {
            self.partial = Some((sum, count));
            return;
        }
        self.rows.push(sum.into_iter().map(|s| s / count as f32).collect());
        if self.rows.len() > MAX_ROWS {
            self.halve();
        }
    }

    /// Merges neighbouring rows: half as many, each twice as many steps.
    fn halve(&mut self) {
        let merged = self.rows.chunks(2).map(mean_of).collect();
        if self.rows.len() % 2 == 1 {
            // The last row alone is a half-full row of the new width: it continues as the partial sum.
            let last = self.rows.pop().unwrap_or_default();
            self.rows = merged;
            self.rows.pop();
            let count = self.steps_per_row;
            self.partial = Some((last.iter().map(|v| v * count as f32).collect(), count));
        } else {
            self.rows = merged;
        }
        self.steps_per_row *= 2;
    }

    /// Keeps the first `steps` steps (after a lost GPU rewound the run), in whole rows.
    pub fn rewind_to(&mut self, steps: usize) {
        self.partial = None;
        self.rows.truncate(steps / self.steps_per_row);
    }

    /// How many steps the history holds.
    pub fn steps(&self) -> usize {
        self.rows.len() * self.steps_per_row + self.partial.as_ref().map_or(0, |(_, count)| *count)
    }

    pub fn rows(&self) -> &[Vec<f32>] {
        &self.rows
    }

    pub fn steps_per_row(&self) -> usize {
        self.steps_per_row
    }

    /// The values of one term, a row each.
    pub fn series(&self, term: usize) -> Vec<f32> {
        self.rows.iter().map(|row| row.get(term).copied().unwrap_or(f32::NAN)).collect()
    }
}

fn mean_of(rows: &[Vec<f32>]) -> Vec<f32> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..width)
        .map(|i| rows.iter().map(|row| row.get(i).copied().unwrap_or(0.0)).sum::<f32>() / rows.len() as f32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_run_keeps_every_step() {
        let mut history = History::default();
        for step in 0..10 {
            history.push(vec![step as f32, 1.0]);
        }
        assert_eq!(history.rows().len(), 10);
        assert_eq!(history.series(0), (0..10).map(|s| s as f32).collect::<Vec<_>>());
        assert_eq!(history.steps_per_row(), 1);
    }

    #[test]
    fn a_long_run_stays_bounded_and_keeps_the_mean() {
        let mut history = History::default();
        let steps = 100_000;
        for step in 0..steps {
            history.push(vec![step as f32]);
        }
        assert!(history.rows().len() <= MAX_ROWS, "{}", history.rows().len());
        assert!(history.rows().len() > MAX_ROWS / 2);
        let width = history.steps_per_row();
        // Row i is the mean of steps i*width .. (i+1)*width.
        for (i, row) in history.rows().iter().enumerate() {
            let expected = (i * width) as f32 + (width as f32 - 1.0) / 2.0;
            assert!((row[0] - expected).abs() < 1e-2 * expected.max(1.0), "row {i}: {} vs {expected}", row[0]);
        }
        assert_eq!(history.steps(), steps);
    }

    #[test]
    fn a_compacted_history_keeps_the_means_in_fewer_rows() {
        let mut history = History::default();
        for step in 0..1000 {
            history.push(vec![step as f32]);
        }
        let small = history.compacted(100);
        assert!(small.rows().len() <= 100 && small.rows().len() > 50, "{}", small.rows().len());
        assert_eq!(small.steps_per_row(), 16);
        assert_eq!(small.rows()[0], vec![7.5]);
        let back = History::from_rows(small.rows().to_vec(), small.steps_per_row());
        assert_eq!(back, small);
    }

    #[test]
    fn rewinding_keeps_whole_rows_up_to_the_step() {
        let mut history = History::default();
        for step in 0..(MAX_ROWS + 10) {
            history.push(vec![step as f32]);
        }
        let width = history.steps_per_row();
        history.rewind_to(1000);
        assert_eq!(history.rows().len(), 1000 / width);
    }
}
