//! Selecting nodes and connections with keys and the mouse, the overlays, saving
//! and quitting, the trainer's events, and the inspector: pure state transitions.

use nn_run::{Event, ProgressReport};

use super::*;
use crate::selection::{Link, SCROLL_PAGE};

#[test]
fn tab_walks_the_nodes_and_the_arrows_their_connections() {
    let mut app = app();
    let neuron = |layer, index| NodeId::Neuron { layer, index };
    app.update(Action::SelectNext);
    assert_eq!(app.selection.selected, Some(NodeId::Feature(Feature::X1)));
    app.update(Action::SelectNext);
    app.update(Action::SelectNext);
    assert_eq!(app.selection.selected, Some(neuron(1, 0)));
    assert_eq!(app.shown_node(), Some(neuron(1, 0)));
    app.update(Action::NextLink);
    assert_eq!(
        app.selection.selected_link,
        Some(Link {
            layer: 0,
            from: 0,
            to: 0
        })
    );
    app.update(Action::PreviousLink);
    app.update(Action::PreviousLink);
    assert_eq!(
        app.selection.selected_link.unwrap().from,
        0,
        "two inputs: wraps around"
    );
    app.update(Action::SelectPrevious);
    assert_eq!(app.selection.selected, Some(NodeId::Feature(Feature::X2)));
    assert_eq!(app.selection.selected_link, None);
    assert!(app.update(Action::NextLink).is_empty());
    assert!(
        app.view
            .log
            .last()
            .unwrap()
            .starts_with("Tab selects a neuron first")
    );
    // Back past the first node: nothing selected, the output's decision again.
    app.update(Action::SelectPrevious);
    app.update(Action::SelectPrevious);
    assert_eq!(app.selection.selected, None);
    app.update(Action::SelectPrevious);
    assert_eq!(
        app.selection.selected,
        Some(neuron(3, 1)),
        "the last output"
    );
    // Images: the inputs are not walked.
    mnist(&mut app);
    app.selection.selected = None;
    app.update(Action::SelectNext);
    assert_eq!(app.selection.selected, Some(neuron(1, 0)));
}

#[test]
fn clicks_toggle_inputs_select_neurons_and_connections() {
    let mut app = app();
    let sin = Target::Node(NodeId::Feature(Feature::SinX1));
    assert_eq!(app.update(Action::Click(sin)), vec![Effect::Restart]);
    assert_eq!(
        app.settings.run.features.as_ref().unwrap().to_string(),
        "x1,x2,sinx1"
    );
    let neuron = Target::Node(NodeId::Neuron { layer: 2, index: 3 });
    assert!(app.update(Action::Click(neuron)).is_empty());
    assert_eq!(
        app.selection.selected,
        Some(NodeId::Neuron { layer: 2, index: 3 })
    );
    app.update(Action::Click(neuron));
    assert_eq!(app.selection.selected, None, "a second click lets go");
    let link = Link {
        layer: 1,
        from: 2,
        to: 5,
    };
    app.update(Action::Click(Target::Link(link)));
    assert_eq!(app.selection.selected_link, Some(link));
    assert_eq!(app.shown_link(), Some(link));
}

#[test]
fn hovering_shows_without_selecting() {
    let mut app = app();
    let node = NodeId::Neuron { layer: 1, index: 2 };
    app.update(Action::Click(Target::Node(NodeId::Neuron {
        layer: 1,
        index: 0,
    })));
    assert!(
        app.update(Action::Hover(Some(Target::Node(node))))
            .is_empty()
    );
    assert_eq!(app.shown_node(), Some(node));
    let link = Link {
        layer: 0,
        from: 1,
        to: 2,
    };
    app.update(Action::Hover(Some(Target::Link(link))));
    assert_eq!(app.shown_link(), Some(link));
    assert_eq!(
        app.shown_node(),
        Some(NodeId::Neuron { layer: 1, index: 0 })
    );
    app.update(Action::Hover(None));
    assert_eq!(app.shown_link(), None);
}

#[test]
fn overlays_open_and_close() {
    let mut app = app();
    app.update(Action::ToggleHelp);
    assert_eq!(app.view.overlay, Some(Overlay::Help));
    app.update(Action::ToggleStateLine);
    assert_eq!(app.view.overlay, Some(Overlay::StateLine));
    app.update(Action::ToggleStateLine);
    assert_eq!(app.view.overlay, None);
    app.update(Action::ToggleHelp);
    app.update(Action::CloseOverlay);
    assert_eq!(app.view.overlay, None);
}

/// Esc closes the innermost thing open (the help over the inspector, then the
/// inspector) and never quits: a user closing the inspector keeps the run.
#[test]
fn esc_closes_the_innermost_and_never_quits() {
    let esc = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Esc,
        crossterm::event::KeyModifiers::NONE,
    );
    let mut app = app();
    app.update(Action::ToggleInspector);
    app.update(Action::ToggleHelp);
    for _ in 0..3 {
        let action = crate::keys::handle_key(esc).unwrap();
        assert_eq!(app.update(action), vec![]);
    }
    assert_eq!(app.view.overlay, None);
    assert!(!app.selection.inspector.open);
    assert!(!app.quit);
    assert_eq!(app.view.log.last().unwrap(), "nothing to close: q quits");
}

#[test]
fn s_saves_q_quits() {
    let mut app = app();
    assert_eq!(
        app.update(Action::Save),
        vec![Effect::Send(Command::SaveModel("model.safetensors".into()))]
    );
    assert!(app.view.log.last().unwrap().contains("model.safetensors"));
    assert_eq!(app.update(Action::Quit), vec![Effect::Quit]);
    assert!(app.quit);
}

#[test]
fn events_update_the_status() {
    let mut app = app();
    app.apply_event(Event::Log("model saved to m.safetensors".into()));
    assert_eq!(app.view.log.last().unwrap(), "model saved to m.safetensors");
    app.apply_event(Event::State(RunState::Diverged("loss is NaN".into())));
    assert_eq!(app.status.state, RunState::Diverged("loss is NaN".into()));
    assert_eq!(app.view.log.last().unwrap(), "loss is NaN");
    assert!(app.apply_event(Event::Progress(ProgressReport {
        epoch: 2,
        step_in_epoch: 3,
        steps_per_epoch: 40,
        total_steps: 83,
        steps: 40,
        loss: 0.7,
        samples_per_second: 1000.0,
        learning_rate: 0.03,
        batch_size: 10,
    })));
    assert_eq!(app.status.total_steps, 83);
    assert_eq!(app.status.loss, Some(0.7));
}

#[test]
fn a_stall_goes_to_the_log_with_advice_in_keys() {
    let mut app = app();
    let mut report = crate::ui::tests::report(3, 2, 0.5);
    report.stalled = Some(nn_train::Stall {
        epoch: 3,
        loss: 0.69,
        accuracy: Some(0.5),
        layer: 0,
        output_layer: false,
        activation: Activation::Tanh,
        trouble: nn_train::UnitTrouble::Saturated,
        units: vec![0, 1, 2, 3, 4, 5],
        width: 8,
    });
    app.apply_event(Event::EpochEnd(report));
    assert_eq!(
        app.view.log.last().unwrap(),
        "stalled at epoch 3: 75% of hidden layer 1 saturated ✕ (try - or a)"
    );
    // The stuck units stay marked until the run restarts.
    assert_eq!(
        app.stall.as_ref().map(|s| s.units.clone()),
        Some(vec![0, 1, 2, 3, 4, 5])
    );
    app.clear_run();
    assert!(app.stall.is_none());
}

#[test]
fn i_opens_the_inspector_on_the_selected_neuron_or_the_first_output() {
    let mut app = app();
    app.train_samples = 240;
    assert!(app.update(Action::ToggleInspector).is_empty());
    assert!(app.selection.inspector.open);
    // Nothing was selected: the first output neuron (layer 3 of 2-8-8-2).
    assert_eq!(
        app.selection.selected,
        Some(NodeId::Neuron { layer: 3, index: 0 })
    );
    app.update(Action::ToggleInspector);
    assert!(!app.selection.inspector.open);
    // A selected hidden neuron stays the one inspected; an input gives way to the output.
    app.selection.selected = Some(NodeId::Neuron { layer: 1, index: 4 });
    app.update(Action::ToggleInspector);
    assert_eq!(
        app.selection.selected,
        Some(NodeId::Neuron { layer: 1, index: 4 })
    );
    app.update(Action::ToggleInspector);
    app.selection.selected = Some(NodeId::Feature(Feature::X1));
    app.update(Action::ToggleInspector);
    assert_eq!(
        app.selection.selected,
        Some(NodeId::Neuron { layer: 3, index: 0 })
    );
}

#[test]
fn left_and_right_walk_the_neurons_only() {
    let mut app = app();
    app.update(Action::NextNeuron);
    assert_eq!(
        app.selection.selected,
        Some(NodeId::Neuron { layer: 1, index: 0 })
    );
    app.update(Action::PreviousNeuron);
    // Before the first hidden neuron: the last output (no inputs on the way).
    assert_eq!(
        app.selection.selected,
        Some(NodeId::Neuron { layer: 3, index: 1 })
    );
    app.update(Action::NextNeuron);
    assert_eq!(
        app.selection.selected,
        Some(NodeId::Neuron { layer: 1, index: 0 })
    );
    app.selection.selected = Some(NodeId::Neuron { layer: 1, index: 7 });
    app.selection.selected_link = Some(Link {
        layer: 0,
        from: 1,
        to: 7,
    });
    app.update(Action::NextNeuron);
    assert_eq!(
        app.selection.selected,
        Some(NodeId::Neuron { layer: 2, index: 0 })
    );
    assert_eq!(app.selection.selected_link, None);
}

#[test]
fn x_and_a_click_on_the_plane_choose_the_sample() {
    let mut app = app();
    app.train_samples = 3;
    app.update(Action::NextSample);
    assert!(
        app.selection.inspector.open,
        "choosing a sample opens the inspector"
    );
    assert_eq!(app.selection.inspector.sample, 1);
    app.update(Action::NextSample);
    app.update(Action::NextSample);
    assert_eq!(app.selection.inspector.sample, 0);
    app.update(Action::PreviousSample);
    assert_eq!(app.selection.inspector.sample, 2);
    app.update(Action::Click(Target::Sample(1)));
    assert_eq!(app.selection.inspector.sample, 1);
    // Hovering over the plane changes nothing.
    app.update(Action::Hover(Some(Target::Sample(2))));
    assert_eq!(
        (app.selection.inspector.sample, app.selection.hover),
        (1, None)
    );
    app.train_samples = 0;
    assert!(app.update(Action::NextSample).is_empty());
    assert_eq!(
        app.view.log.last().unwrap(),
        "no training samples to inspect"
    );
}

#[test]
fn e_pauses_first_then_steps_on_the_sample_alone() {
    let mut app = app();
    app.train_samples = 240;
    app.selection.inspector.sample = 16;
    // Running: a pause, so the inspector shows the weights the step starts from.
    assert_eq!(
        app.update(Action::SampleStep),
        vec![Effect::Send(Command::Pause)]
    );
    assert!(app.selection.inspector.open);
    assert_eq!(app.status.state, RunState::Paused);
    assert!(
        app.view
            .log
            .last()
            .unwrap()
            .contains("e again steps on sample 17")
    );
    assert_eq!(
        app.update(Action::SampleStep),
        vec![Effect::Send(Command::StepOn(vec![16]))]
    );
    assert_eq!(
        app.view.log.last().unwrap(),
        "sample step on sample 17 (batch 1)"
    );
    app.status.state = RunState::Finished;
    assert_eq!(
        app.update(Action::SampleStep),
        vec![Effect::Send(Command::StepOn(vec![16]))]
    );
    app.status.state = RunState::Diverged("boom".into());
    assert!(app.update(Action::SampleStep).is_empty());
}

#[test]
fn the_inspector_scrolls_by_pages_and_follows_the_selected_connection() {
    let mut app = app();
    app.update(Action::ToggleInspector);
    app.update(Action::ScrollDown);
    app.update(Action::ScrollDown);
    assert_eq!(app.selection.inspector.scroll, 2 * SCROLL_PAGE);
    app.update(Action::ScrollUp);
    assert_eq!(app.selection.inspector.scroll, SCROLL_PAGE);
    assert!(!app.selection.inspector.follow_link);
    app.update(Action::NextLink);
    assert!(app.selection.inspector.follow_link);
    app.update(Action::ScrollUp);
    app.update(Action::ScrollUp);
    assert_eq!(app.selection.inspector.scroll, 0);
    assert!(!app.selection.inspector.follow_link);
}
