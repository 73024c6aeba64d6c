//! `nn-tui plot` and `nn-tui replay` through the binary: files written in the
//! format their name says, decoded; bad input refused with one line and no file.

use std::fmt::Write as _;

use crate::common::{run, tempdir, text};

/// A short gauss run recorded in `runs/gauss` of `dir`.
fn gauss_run(dir: &std::path::Path) {
    let out = run(
        dir,
        &[
            "train",
            "--data",
            "gauss",
            "--samples",
            "200",
            "--epochs",
            "30",
            "--run-dir",
            "runs/gauss",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn plot_writes_pngs_and_svgs_of_boundary_network_and_curves() {
    let dir = tempdir();
    gauss_run(dir.path());
    for (kind, file, size) in [
        ("boundary", "b.png", (800, 800)),
        ("network", "n.png", (1000, 600)),
        ("curves", "c.png", (900, 500)),
    ] {
        let out = run(
            dir.path(),
            &["plot", "runs/gauss", "--kind", kind, "--out", file],
        );
        assert!(out.status.success(), "{kind}: {}", text(&out.stderr));
        let pixmap =
            nn_plot::raster::Pixmap::decode_png(&std::fs::read(dir.path().join(file)).unwrap())
                .unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), size, "{kind}");
    }
    let out = run(
        dir.path(),
        &[
            "plot",
            "runs/gauss",
            "--out",
            "b.svg",
            "--discretize",
            "--size",
            "400x300",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let svg = std::fs::read_to_string(dir.path().join("b.svg")).unwrap();
    let pixmap = nn_plot::raster::rasterize(&svg).unwrap();
    assert_eq!((pixmap.width(), pixmap.height()), (400, 300));
    assert!(svg.contains("decision boundary, discretized"));
}

#[test]
fn replay_writes_one_gif_frame_per_snapshot_kept() {
    let dir = tempdir();
    gauss_run(dir.path());
    let kept = std::fs::read_dir(dir.path().join("runs/gauss/snapshots"))
        .unwrap()
        .count();
    // Epochs 0, 1, 2, 3, 4, 5, 7, 9, 12, 15, 19, 24 and 30 (the last, also the final model).
    assert_eq!(kept, 13);
    let out = run(
        dir.path(),
        &[
            "replay",
            "runs/gauss",
            "--out",
            "r.gif",
            "--size",
            "560x280",
            "--fps",
            "4",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = std::fs::File::open(dir.path().join("r.gif")).unwrap();
    let mut decoder = gif::DecodeOptions::new().read_info(file).unwrap();
    assert_eq!((decoder.width(), decoder.height()), (560, 280));
    let mut frames = 0;
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        assert_eq!(frame.delay, if frames + 1 == kept { 200 } else { 25 });
        frames += 1;
    }
    assert_eq!(frames, kept);
}

#[test]
fn bad_input_is_one_line_and_no_file() {
    let dir = tempdir();
    gauss_run(dir.path());
    let fails = |args: &[&str], expected: &str| {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    };
    fails(
        &["plot", "runs/gauss", "--out", "b.jpg"],
        "b.jpg: unknown picture format; expected a file name ending in .png or .svg",
    );
    fails(
        &["replay", "runs/gauss", "--out", "r.png"],
        "expected a file name ending in .gif",
    );
    fails(
        &[
            "plot",
            "runs/gauss/model.safetensors",
            "--kind",
            "curves",
            "--out",
            "c.svg",
        ],
        "a model file records no curves",
    );
    fails(
        &[
            "replay",
            "runs/gauss",
            "--out",
            "r.gif",
            "--size",
            "400x400",
        ],
        "400x400 pixels is too small for a replay's frame (the boundary and the network)",
    );
    std::fs::remove_dir_all(dir.path().join("runs/gauss/snapshots")).unwrap();
    fails(
        &["replay", "runs/gauss", "--out", "r.gif"],
        "no snapshots to replay",
    );
    // A model of four input columns (iris-like CSV) has no plane to draw.
    let mut csv = "a,b,c,d,label\n".to_string();
    for i in 0..40 {
        let _ = writeln!(csv, "{i},1,2,3,{}", i % 2);
    }
    std::fs::write(dir.path().join("four.csv"), csv).unwrap();
    let out = run(
        dir.path(),
        &[
            "train",
            "--data",
            "four.csv",
            "--epochs",
            "1",
            "--save",
            "four.safetensors",
            "--no-run-dir",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    fails(
        &["plot", "four.safetensors", "--out", "f.png"],
        "the model reads 4 input columns (a, b, c, d); a picture over the plane needs 2-D data (x1, x2)",
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    for name in ["b.jpg", "r.png", "c.svg", "r.gif", "f.png"] {
        assert!(!left.iter().any(|n| n == name), "{name} written");
    }
}

#[test]
fn plot_of_an_mnist_run_draws_digits_and_the_confusion_matrix() {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &[
            "train",
            "--data",
            "mnist",
            "--hidden",
            "16",
            "--epochs",
            "1",
            "--run-dir",
            "runs/mnist",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A run of images: the digits by default; the model file finds its data set again.
    for source in ["runs/mnist", "runs/mnist/model.safetensors"] {
        let out = run(dir.path(), &["plot", source, "--out", "d.png"]);
        assert!(out.status.success(), "{source}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("d.png: digits, 1000x560 pixels"));
        let pixmap =
            nn_plot::raster::Pixmap::decode_png(&std::fs::read(dir.path().join("d.png")).unwrap())
                .unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (1000, 560));
        // After one epoch of a small network some digits are wrong: framed in red.
        let [r, g, b] = nn_plot::digits::WRONG;
        let red = pixmap
            .pixels()
            .iter()
            .filter(|p| p.red() == r && p.green() == g && p.blue() == b)
            .count();
        assert!(red > 100, "{source}: {red} red pixels");
    }
    let out = run(
        dir.path(),
        &["plot", "runs/mnist", "--kind", "boundary", "--out", "b.png"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("needs 2-D data"),
        "{}",
        text(&out.stderr)
    );
}

/// Whether `pixmap` has a pixel of `rgb` (opaque pictures: premultiplied is plain).
fn has_colour(pixmap: &nn_plot::raster::Pixmap, rgb: [u8; 3]) -> bool {
    pixmap.data().chunks(4).any(|p| p[..3] == rgb)
}

#[test]
fn plot_of_a_sweep_draws_its_marginals_and_its_top_trials_curves() {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &[
            "sweep",
            "--data",
            "xor",
            "--epochs",
            "5",
            "--grid",
            "lr=0.01,0.1",
            "--grid",
            "hidden=4,8",
            "--dir",
            "sw",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Marginals by default: two panels, the means in the Playground's blue.
    let out = run(dir.path(), &["plot", "sw", "--out", "m.png"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("m.png: marginals, 730x410 pixels"));
    let png =
        nn_plot::raster::Pixmap::decode_png(&std::fs::read(dir.path().join("m.png")).unwrap())
            .unwrap();
    assert_eq!((png.width(), png.height()), (730, 410));
    assert!(has_colour(&png, nn_plot::marginals::MEAN_RGB));
    let out = run(dir.path(), &["plot", "sw", "--out", "m.svg"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let svg = std::fs::read_to_string(dir.path().join("m.svg")).unwrap();
    assert!(nn_plot::raster::rasterize(&svg).is_ok());
    for text in [
        "xor sweep, 4 trials",
        ">lr<",
        ">hidden<",
        ">0.01<",
        ">8<",
        ">n=2<",
    ] {
        assert!(svg.contains(text), "{text} missing");
    }
    // The top trials' curves: one colour each, the legend naming their axes.
    let out = run(
        dir.path(),
        &["plot", "sw", "--kind", "curves", "--out", "c.svg"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let svg = std::fs::read_to_string(dir.path().join("c.svg")).unwrap();
    let pixmap = nn_plot::raster::rasterize(&svg).unwrap();
    assert_eq!((pixmap.width(), pixmap.height()), (900, 500));
    assert!(svg.contains("the top 4 of 4 trials"));
    assert_eq!(svg.matches(">#").count(), 4, "{svg}");
    assert!(svg.contains("hidden=8 lr=0.1"));
    let out = run(
        dir.path(),
        &["plot", "sw", "--kind", "curves", "--out", "c.png"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let png =
        nn_plot::raster::Pixmap::decode_png(&std::fs::read(dir.path().join("c.png")).unwrap())
            .unwrap();
    assert_eq!((png.width(), png.height()), (900, 500));
    assert!(has_colour(&png, nn_plot::colors::class_rgb(0)));
    // A sweep with no finished trial, and a kind a sweep has not: one line, no file.
    std::fs::write(dir.path().join("sw/results.jsonl"), "").unwrap();
    for (args, expected) in [
        (
            &["plot", "sw", "--out", "e.png"][..],
            "sw: no finished trials yet, nothing to plot",
        ),
        (
            &["plot", "sw", "--kind", "boundary", "--out", "e.png"][..],
            "sw is a sweep; expected --kind marginals or curves",
        ),
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
    assert!(!dir.path().join("e.png").exists());
}

/// A missing folder is one line that quotes the system's reason once (the run folder's
/// error prints its source, and the causes after it must not say it again).
#[test]
fn a_missing_run_folder_is_one_line_saying_why_once() {
    let dir = tempdir();
    let out = run(dir.path(), &["plot", "no-such-run", "--out", "x.png"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: no-such-run: "), "{stderr}");
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
    assert!(!dir.path().join("x.png").exists());
}
