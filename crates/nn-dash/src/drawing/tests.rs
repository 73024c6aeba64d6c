//! The drawing's tests: its rules (the cursor, classes, removal, saving and
//! loading) without a terminal.

use super::*;
use nn_data::Task;

fn drawing_of_two_classes() -> Drawing {
    let mut d = Drawing::new(false, None);
    d.move_cursor(-10, 0);
    for _ in 0..5 {
        d.place(1);
        d.move_cursor(0, 2);
    }
    d.move_cursor(20, 0);
    for _ in 0..5 {
        d.place(2);
        d.move_cursor(0, -2);
    }
    d
}

#[test]
fn the_cursor_steps_a_fortieth_of_the_plane_and_stays_on_it() {
    let mut d = Drawing::new(false, None);
    assert_eq!(d.cursor, (0.0, 0.0));
    d.move_cursor(1, -2);
    assert!((d.cursor.0 - 0.3).abs() < 1e-6 && (d.cursor.1 + 0.6).abs() < 1e-6);
    d.move_cursor(1000, 1000);
    assert_eq!(d.cursor, (6.0, 6.0));
    d.set_cursor(-100.0, 1.5);
    assert_eq!(d.cursor, (-6.0, 1.5));
}

#[test]
fn points_of_classes_make_a_data_set_once_two_classes_are_drawn() {
    let mut d = Drawing::new(false, None);
    assert!(d.missing().unwrap().starts_with("0 of 2 classes"));
    d.place(1);
    assert!(d.missing().unwrap().starts_with("1 of 2 classes"));
    assert!(d.unsaved);
    let mut d = drawing_of_two_classes();
    assert_eq!(d.missing(), None);
    let data = d.dataset("drawn").unwrap();
    assert_eq!(data.len(), 10);
    assert_eq!(data.class_counts(), vec![5, 5]);
    // Class 4 (key 4) keeps its index, so its colour: classes 0..=3.
    d.place(4);
    assert_eq!(
        d.dataset("drawn").unwrap().task(),
        Task::Classification { classes: 4 }
    );
    assert_eq!(d.classes_drawn(), 3);
    assert_eq!(d.dataset("drawn").unwrap().class_names().len(), 4);
}

#[test]
fn removal_takes_the_nearest_point_near_the_cursor_and_clear_takes_all() {
    let mut d = Drawing::new(false, None);
    d.place(1);
    d.move_cursor(1, 0);
    d.place(2);
    d.move_cursor(5, 0);
    assert!(!d.remove_near_cursor(), "nothing within two steps");
    d.move_cursor(-4, 0);
    assert!(d.remove_near_cursor());
    assert_eq!(d.points.len(), 1);
    assert_eq!(d.points[0].target, 0.0);
    d.clear();
    assert!(d.points.is_empty());
}

#[test]
fn regression_keys_span_the_playgrounds_scale() {
    assert_eq!(key_value(1), -1.0);
    assert_eq!(key_value(8), 1.0);
    let mut d = Drawing::new(true, None);
    assert_eq!(d.place(8), 1.0);
    d.move_cursor(3, 3);
    d.place(1);
    assert_eq!(d.missing(), None);
    let data = d.dataset("drawn").unwrap();
    assert_eq!(data.task(), Task::Regression { outputs: 1 });
    assert_eq!(data.target_names(), ["y"]);
}

#[test]
fn a_saved_drawing_loads_back_as_the_same_points() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drawn.csv");
    let mut d = drawing_of_two_classes();
    d.save(&path).unwrap();
    assert!(!d.unsaved);
    assert_eq!(d.saved_as.as_deref(), Some(path.as_path()));
    let back = nn_data::load_csv(&path, &nn_data::CsvOptions::default()).unwrap();
    assert_eq!(back.len(), 10);
    assert_eq!(back.class_counts(), vec![5, 5]);
    assert_eq!(
        recovery_points_path(Path::new("dir/m.safetensors")),
        Path::new("dir/m.recovery.csv")
    );
}
