//! End-to-end tests through the real `nn-tui` binary, one module per area.
//! The binary is the one cargo builds for this test target (`CARGO_BIN_EXE_nn-tui`).

mod common;
mod completions;
mod dashboard;
mod drawing;
mod explain;
mod faults;
mod flags;
mod health;
mod inspector;
mod interrupts;
mod learn;
mod losses;
mod model_files;
#[cfg(feature = "mpi")]
mod mpi;
mod onnx;
mod own_data;
mod pictures;
mod pipes;
mod playground;
mod plot;
mod predict;
mod python_interop;
mod runs;
mod sweep;
mod sweep_view;
mod tmux;
mod training;
mod watch;
