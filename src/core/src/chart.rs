//! The arithmetic of the Train panel's charts, plain data so that it is tested natively: value
//! scales (linear or logarithmic) with tick marks at round numbers, the steps' axis with its
//! epoch marks, the words a screen reader gets instead of a curve, and the CSV a person downloads.
//!
//! Ticks are computed here rather than by a plotting crate: they are twenty lines of arithmetic,
//! and the page's module carries no plotting library for them (it draws SVG itself).

use crate::history::History;

/// A test metric measured during a run: at which step, what value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TestPoint {
    pub step: usize,
    pub value: f64,
}

/// How many ticks an axis aims for.
const TICKS: usize = 5;

/// A value axis: the range it shows, linear or logarithmic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
}

impl Scale {
    /// The scale that shows every finite value (on a log scale: every positive one), padded to
    /// round numbers. None when there is nothing to show.
    pub fn fit(values: impl IntoIterator<Item = f64>, log: bool) -> Option<Self> {
        let shown = values.into_iter().filter(|v| v.is_finite() && (!log || *v > 0.0));
        let (lo, hi) = shown.fold(None, |range: Option<(f64, f64)>, v| match range {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })?;
        Some(if log {
            Self {
                lo: 10f64.powf(lo.log10().floor()),
                hi: 10f64.powf(hi.log10().ceil().max(lo.log10().floor() + 1.0)),
                log,
            }
        } else {
            let (lo, hi) = if hi - lo < 1e-12 * hi.abs().max(1.0) { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
            let step = nice_step((hi - lo) / TICKS as f64);
            Self { lo: (lo / step).floor() * step, hi: (hi / step).ceil() * step, log }
        })
    }

    pub fn is_log(&self) -> bool {
        self.log
    }

    /// Where `value` lies on the axis, 0 at the bottom and 1 at the top (None: not shown, such as
    /// a value <= 0 on a log scale).
    pub fn position(&self, value: f64) -> Option<f64> {
        if !value.is_finite() || (self.log && value <= 0.0) {
            return None;
        }
        let (lo, hi, v) =
            if self.log { (self.lo.log10(), self.hi.log10(), value.log10()) } else { (self.lo, self.hi, value) };
        Some(((v - lo) / (hi - lo)).clamp(0.0, 1.0))
    }

    /// The tick values: round numbers from the bottom to the top of the axis.
    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let (from, to) = (self.lo.log10().round() as i32, self.hi.log10().round() as i32);
            // Many decades: every other one, so that the labels do not crowd.
            let every = ((to - from) as usize).div_ceil(TICKS).max(1);
            (from..=to).step_by(every).map(|e| 10f64.powi(e)).collect()
        } else {
            let step = nice_step((self.hi - self.lo) / TICKS as f64);
            let count = ((self.hi - self.lo) / step).round() as usize;
            (0..=count).map(|i| self.lo + i as f64 * step).collect()
        }
    }
}

/// The round step (1, 2 or 5 times a power of ten) nearest above `rough`.
fn nice_step(rough: f64) -> f64 {
    if rough <= 0.0 || !rough.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(rough.log10().floor());
    let fraction = rough / power;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A tick's label: short, without float noise (0.30000000000000004 is "0.3"; 12000 is "12k").
pub fn tick_label(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 {
        "0".into()
    } else if magnitude >= 1e4 {
        trim(format!("{:.1}", value / 1e3)) + "k"
    } else if magnitude >= 1.0 {
        trim(format!("{value:.2}"))
    } else if magnitude >= 1e-3 {
        trim(format!("{value:.4}"))
    } else {
        format!("{value:.0e}")
    }
}

fn trim(text: String) -> String {
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// The steps' axis of a run: steps `first + 1 ..= last`, with ticks at round steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Steps {
    pub first: usize,
    pub last: usize,
}

impl Steps {
    /// Where step `step` lies, 0 at the left and 1 at the right.
    pub fn position(&self, step: f64) -> f64 {
        let span = (self.last.saturating_sub(self.first)).max(1) as f64;
        ((step - self.first as f64) / span).clamp(0.0, 1.0)
    }

    pub fn ticks(&self) -> Vec<usize> {
        let step = nice_step((self.last.saturating_sub(self.first)).max(1) as f64 / TICKS as f64).max(1.0) as usize;
        (self.first.div_ceil(step)..=self.last / step).map(|i| i * step).collect()
    }

    /// The steps that end an epoch (`per_epoch` steps each) within the axis, with the epoch's number.
    pub fn epoch_ends(&self, per_epoch: usize) -> Vec<(usize, usize)> {
        if per_epoch == 0 {
            return Vec::new();
        }
        (self.first / per_epoch + 1..=self.last / per_epoch)
            .map(|epoch| (epoch * per_epoch, epoch))
            .filter(|&(step, _)| step > self.first)
            .collect()
    }
}

/// The step each history row ends at (rows are means of `steps_per_row` steps), from `first`.
pub fn row_steps(history: &History, first: usize) -> Vec<usize> {
    (1..=history.rows().len()).map(|row| first + row * history.steps_per_row()).collect()
}

/// One term of the history as (step, value) points, a point per row.
pub fn term_points(history: &History, term: usize, first: usize) -> Vec<(usize, f64)> {
    row_steps(history, first).into_iter().zip(history.series(term)).map(|(step, v)| (step, v as f64)).collect()
}

/// What a chart of `points` shows, in words: for a screen reader, and as the chart's summary.
pub fn summary(name: &str, points: &[(usize, f64)]) -> String {
    let finite = || points.iter().filter(|(_, v)| v.is_finite());
    let (Some((start_step, start)), Some((end_step, end))) = (finite().next(), finite().next_back()) else {
        return format!("{name}: nothing measured yet.");
    };
    let (low_step, low) = finite().fold((start_step, start), |best, (s, v)| if v < best.1 { (s, v) } else { best });
    format!(
        "{name}: {} at step {start_step}, {} at step {end_step}; lowest {} at step {low_step}.",
        number(*start),
        number(*end),
        number(*low)
    )
}

/// A value as a person reads it: four significant digits.
pub fn number(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let decimals = (3 - value.abs().log10().floor() as i32).clamp(0, 8) as usize;
    format!("{value:.decimals$}")
}

/// One row of the chart's table: an epoch (the last one possibly unfinished), the mean of each
/// term over its steps, and the test metric measured at its end, if one was.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRow {
    pub epoch: usize,
    pub last_step: usize,
    pub finished: bool,
    pub means: Vec<f64>,
    pub test: Option<f64>,
}

/// The run epoch by epoch (`per_epoch` steps each, counted from step 0), for the table beside
/// the charts.
pub fn epoch_table(history: &History, first: usize, per_epoch: usize, tests: &[TestPoint]) -> Vec<EpochRow> {
    let per_epoch = per_epoch.max(1);
    let mut table: Vec<EpochRow> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    for (step, row) in row_steps(history, first).into_iter().zip(history.rows()) {
        let epoch = (step - 1) / per_epoch + 1;
        if table.last().is_none_or(|last| last.epoch != epoch) {
            table.push(EpochRow { epoch, last_step: step, finished: false, means: vec![0.0; row.len()], test: None });
            counts.push(0);
        }
        let (current, count) = (table.last_mut().expect("pushed above"), counts.last_mut().expect("pushed above"));
        current.last_step = step;
        current.finished = step % per_epoch == 0;
        current.means.iter_mut().zip(row).for_each(|(mean, v)| *mean += *v as f64);
        *count += 1;
    }
    for (row, count) in table.iter_mut().zip(counts) {
        row.means.iter_mut().for_each(|mean| *mean /= count as f64);
        row.test = tests.iter().rev().find(|t| t.step == row.last_step).map(|t| t.value);
    }
    table
}

/// The run as CSV: a row per history row (its last step, how many steps it averages, each
/// term), and a row per test measurement (its step and the test metric), in step order.
pub fn csv(names: &[String], history: &History, first: usize, test_name: Option<&str>, tests: &[TestPoint]) -> String {
    let mut header = vec!["step".to_string(), "steps_averaged".into()];
    header.extend(names.iter().cloned());
    header.extend(test_name.map(str::to_string));
    let blank_terms = vec![String::new(); names.len()];
    let mut rows: Vec<(usize, Vec<String>)> = row_steps(history, first)
        .into_iter()
        .zip(history.rows())
        .map(|(step, row)| {
            let mut cells = vec![step.to_string(), history.steps_per_row().to_string()];
            cells.extend(row.iter().map(|v| v.to_string()));
            cells.extend(test_name.map(|_| String::new()));
            (step, cells)
        })
        .collect();
    if test_name.is_some() {
        for point in tests {
            let mut cells = vec![point.step.to_string(), String::new()];
            cells.extend(blank_terms.iter().cloned());
            cells.push(point.value.to_string());
            rows.push((point.step, cells));
        }
    }
    // Stable: a test measured at a row's step follows that row.
    rows.sort_by_key(|(step, _)| *step);
    let lines = std::iter::once(header.join(",")).chain(rows.into_iter().map(|(_, cells)| cells.join(",")));
    lines.map(|line| line + "\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_cover_the_values() {
        let scale = Scale::fit([103.7, 541.2, 220.0], false).unwrap();
        let ticks = scale.ticks();
        assert_eq!(ticks, vec![100.0, 200.0, 300.0, 400.0, 500.0, 600.0]);
        assert_eq!(scale.position(100.0), Some(0.0));
        assert_eq!(scale.position(600.0), Some(1.0));
        assert!((scale.position(350.0).unwrap() - 0.5).abs() < 1e-12);
        let small = Scale::fit([0.0123, 0.0311], false).unwrap();
        assert_eq!(
            small.ticks().iter().map(|t| tick_label(*t)).collect::<Vec<_>>(),
            ["0.01", "0.015", "0.02", "0.025", "0.03", "0.035"]
        );
    }

    #[test]
    fn a_flat_series_still_has_an_axis() {
        let scale = Scale::fit([2.0, 2.0], false).unwrap();
        assert!(scale.ticks().len() >= 2);
        assert!(scale.position(2.0).unwrap() > 0.0 && scale.position(2.0).unwrap() < 1.0);
        assert_eq!(Scale::fit([f64::NAN], false), None);
    }

    #[test]
    fn log_ticks_are_decades_and_skip_what_a_log_scale_cannot_show() {
        let scale = Scale::fit([0.0, 0.5, 3.0, 240.0], true).unwrap();
        assert_eq!(scale.ticks(), vec![0.1, 1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(scale.position(0.0), None);
        assert_eq!(scale.position(-1.0), None);
        assert!((scale.position(10.0).unwrap() - 0.5).abs() < 1e-12);
        let wide = Scale::fit([1e-6, 1e6], true).unwrap();
        assert!(wide.ticks().len() <= 7, "{:?}", wide.ticks());
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(0.1 + 0.2), "0.3");
        assert_eq!(tick_label(12_000.0), "12k");
        assert_eq!(tick_label(250.0), "250");
        assert_eq!(tick_label(1e-5), "1e-5");
        assert_eq!(tick_label(0.0), "0");
    }

    #[test]
    fn the_steps_axis_marks_round_steps_and_epoch_ends() {
        let axis = Steps { first: 0, last: 1000 };
        assert_eq!(axis.ticks(), vec![0, 200, 400, 600, 800, 1000]);
        assert_eq!(axis.epoch_ends(469), vec![(469, 1), (938, 2)]);
        // An imported run starts at its file's step count.
        let imported = Steps { first: 938, last: 1200 };
        assert_eq!(imported.epoch_ends(469), vec![]);
        assert_eq!(Steps { first: 900, last: 1500 }.epoch_ends(469), vec![(938, 2), (1407, 3)]);
        assert_eq!(axis.position(500.0), 0.5);
    }

    fn history_of(values: &[f32]) -> History {
        let mut history = History::default();
        values.iter().for_each(|v| history.push(vec![*v, v / 2.0]));
        history
    }

    #[test]
    fn the_summary_says_where_the_run_started_ended_and_was_lowest() {
        let history = history_of(&[540.0, 300.0, 180.5, 190.25]);
        let points = term_points(&history, 0, 10);
        assert_eq!(points[0], (11, 540.0));
        assert_eq!(summary("loss", &points), "loss: 540.0 at step 11, 190.2 at step 14; lowest 180.5 at step 13.");
        assert_eq!(summary("loss", &[]), "loss: nothing measured yet.");
    }

    #[test]
    fn the_table_has_a_row_per_epoch_with_means_and_the_test_at_its_end() {
        let history = history_of(&[4.0, 2.0, 3.0, 1.0, 5.0]);
        let tests =
            [TestPoint { step: 0, value: 9.0 }, TestPoint { step: 2, value: 2.5 }, TestPoint { step: 4, value: 1.5 }];
        let table = epoch_table(&history, 0, 2, &tests);
        assert_eq!(table.len(), 3);
        assert_eq!(
            table[0],
            EpochRow { epoch: 1, last_step: 2, finished: true, means: vec![3.0, 1.5], test: Some(2.5) }
        );
        assert_eq!(table[1].means, vec![2.0, 1.0]);
        assert_eq!(table[1].test, Some(1.5));
        assert_eq!(table[2], EpochRow { epoch: 3, last_step: 5, finished: false, means: vec![5.0, 2.5], test: None });
    }

    #[test]
    fn the_csv_has_every_row_and_the_test_points_in_step_order() {
        let history = history_of(&[4.0, 3.0, 2.0]);
        let names = ["loss".to_string(), "kl".to_string()];
        let tests = [TestPoint { step: 0, value: 9.5 }, TestPoint { step: 2, value: 2.5 }];
        let text = csv(&names, &history, 0, Some("test loss"), &tests);
        assert_eq!(text, "step,steps_averaged,loss,kl,test loss\n0,,,,9.5\n1,1,4,2,\n2,1,3,1.5,\n2,,,,2.5\n3,1,2,1,\n");
        let without = csv(&names, &history, 0, None, &[]);
        assert_eq!(without.lines().count(), 4);
    }
}
