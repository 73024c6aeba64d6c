//! Snapshots of the sweep's view (`ui::sweep_table`) through ratatui's `TestBackend`:
//! at 80x24 (the curves under the table), with the keys laid over it in ASCII,
//! and wide (the curves beside the table).

use insta::assert_snapshot;
use nn_sweep::Best;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::PlotMode;
use crate::colors::ColorDepth;
use crate::sweep_keys::SweepAction;
use crate::sweep_view::{SweepView, TrialStatus};

/// Twelve trials over lr x hidden x activation in every state a sweep shows:
/// finished, running, waiting between rungs, halved, stopped, diverged, queued.
fn sweep(plot: PlotMode) -> SweepView {
    use TrialStatus::{Diverged, Finished, Halved, Queued, Running, Stopped, Waiting};
    let mut axes = Vec::new();
    for lr in ["0.003", "0.01", "0.03"] {
        for hidden in ["8", "16,16"] {
            for activation in ["relu", "tanh"] {
                axes.push(vec![
                    lr.to_string(),
                    hidden.to_string(),
                    activation.to_string(),
                ]);
            }
        }
    }
    let mut v = SweepView::new(
        "runs/spiral-sweep".into(),
        vec!["lr".into(), "hidden".into(), "activation".into()],
        axes,
        plot,
        ColorDepth::TrueColor,
    );
    // (status, final accuracy, epochs, seconds, rung)
    let trials = [
        (Finished, 0.91, 120, 14.2, 2),
        (Halved, 0.62, 40, 4.1, 1),
        (Running, 0.88, 95, 11.0, 2),
        (Finished, 0.97, 120, 15.8, 2),
        (Halved, 0.55, 13, 1.3, 0),
        (Waiting, 0.80, 40, 4.4, 1),
        (Halved, 0.58, 13, 1.2, 0),
        (Diverged, 0.50, 7, 0.6, 0),
        (Stopped, 0.70, 30, 3.0, 1),
        (Halved, 0.60, 13, 1.4, 0),
        (Queued, 0.0, 0, 0.0, 0),
        (Queued, 0.0, 0, 0.0, 0),
    ];
    for (id, &(status, accuracy, epochs, seconds, rung)) in trials.iter().enumerate() {
        let t = &mut v.trials[id];
        t.status = status;
        t.epochs = epochs;
        t.seconds = seconds;
        t.rung = rung;
        if status == Queued {
            continue;
        }
        t.dir = Some(format!("runs/spiral-sweep/trials/t{id:04}").into());
        for epoch in 1..=epochs {
            let e = epoch as f64;
            let a = 0.5 + (accuracy - 0.5) * (1.0 - (-e / 25.0).exp());
            t.accuracy.push(e, a);
            t.loss.push(e, 0.7 * (1.0 - a) / 0.5);
        }
        let best_epoch = epochs * 9 / 10;
        t.best = Some(Best {
            epoch: best_epoch.max(1),
            accuracy: Some(accuracy),
            loss: 0.7 * (1.0 - accuracy) / 0.5,
        });
    }
    v.live = true;
    v
}

fn render(v: &mut SweepView, width: u16, height: u16) -> Terminal<TestBackend> {
    let area = ratatui::layout::Rect::new(0, 0, width, height);
    v.keep_visible(super::sweep_table::rows(area, v));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| super::sweep_table::draw(frame, v))
        .unwrap();
    terminal
}

#[test]
fn sweep_table_80x24() {
    let mut v = sweep(PlotMode::Braille);
    let text = render(&mut v, 80, 24).backend().to_string();
    // Ranked: a later rung of halving first, then the best validation accuracy.
    let first = text.lines().nth(2).unwrap();
    assert!(
        first.contains("97.0% @108") && first.contains("finished"),
        "{text}"
    );
    assert_snapshot!(text);
}

#[test]
fn sweep_table_sorted_by_an_axis_marked_with_help_ascii_80x24() {
    let mut v = sweep(PlotMode::Ascii);
    // Sorted by lr (the sixth column), trials 4 and 8 marked: only their curves.
    for _ in 0..5 {
        v.update(SweepAction::SortNext, 10);
    }
    for id in [4, 8] {
        v.selected = Some(id);
        v.update(SweepAction::Mark, 10);
    }
    assert_eq!(v.shown(), [4, 8]);
    let text = render(&mut v, 80, 24).backend().to_string();
    assert!(text.contains("lr v"), "{text}");
    assert!(text.contains("2 marked"), "{text}");
    assert_snapshot!("sweep_table_sorted_marked_80x24", text);
    v.update(SweepAction::ToggleHelp, 10);
    assert_snapshot!(
        "sweep_table_help_ascii_80x24",
        render(&mut v, 80, 24).backend()
    );
}

#[test]
fn sweep_table_wide_puts_the_curves_beside_the_table() {
    let mut v = sweep(PlotMode::Braille);
    assert_snapshot!(render(&mut v, 150, 30).backend());
}

#[test]
fn a_long_sweep_scrolls_to_the_selection() {
    let mut v = sweep(PlotMode::Braille);
    v.update(SweepAction::Last, 10);
    let text = render(&mut v, 80, 12).backend().to_string();
    assert!(text.contains("rows 4-12 of 12"), "{text}");
    assert!(
        !text.contains("validation curves"),
        "no room for them: {text}"
    );
    let text = render(&mut v, 50, 10).backend().to_string();
    assert!(text.contains("terminal too small: 50x10"), "{text}");
}
