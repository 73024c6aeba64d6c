//! The default dashboard without the binary: `cargo run -p nn-dash --example dash`.
//! (The real entry point is `nn-tui`; this is for developing the dashboard alone.)
#![allow(clippy::print_stderr)]

fn main() -> std::process::ExitCode {
    let mut options = nn_dash::DashOptions::default_start();
    if std::env::args().any(|a| a == "--ascii") {
        options.plot = nn_dash::PlotMode::Ascii;
    }
    if std::env::args().any(|a| a == "--mnist") {
        options = mnist(options);
    }
    match nn_dash::run(options) {
        Ok(_line) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn mnist(mut options: nn_dash::DashOptions) -> nn_dash::DashOptions {
    options.data_spec = nn_run::DataSpec::Mnist;
    options.request.epochs = Some(100);
    options
}
