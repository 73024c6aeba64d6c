//! A rank that panics ends the whole job at once, with a failure that names it,
//! instead of leaving the other ranks waiting for it in an exchange for ever
//! (which is what a panic did before the hook in `cluster.rs`: it unwound into
//! `MPI_Finalize`, and the job hung).
//!
//! Its own `main` (no test harness): run plainly, it starts itself under
//! `mpirun -np 2`, once with the last rank panicking on its main thread and
//! once on a worker thread (where the trainer's kernels run), while rank 0
//! waits for it in a collective.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nn_dist::Job;

/// Set in the ranks' environment: where the last rank panics.
const WHERE: &str = "NN_DIST_TEST_PANIC_ON";

/// How long a job that is ended may take, far more than it needs (under 1 s
/// here); a hung job runs until the test kills it.
const ENDS_WITHIN: Duration = Duration::from_secs(15);

fn main() {
    match std::env::var(WHERE) {
        Ok(thread) => be_a_rank(&thread),
        Err(_) => {
            for thread in ["main", "worker"] {
                a_panic_ends_the_job(thread);
                println!("test rank_panics ({thread} thread) ... ok");
            }
        }
    }
}

fn be_a_rank(thread: &str) {
    let job = Job::start().expect("MPI starts");
    if job.rank() == job.ranks() - 1 {
        let rank = job.rank();
        match thread {
            "main" => panic!("a bug on rank {rank}"),
            _ => std::thread::scope(|s| {
                s.spawn(|| panic!("a bug on a worker of rank {rank}"));
            }),
        }
    }
    // The other ranks wait here for the panicked one.
    let _ = job.first_failure(false);
    println!("rank {} passed the collective", job.rank());
}

fn a_panic_ends_the_job(thread: &str) {
    let exe = std::env::current_exe().expect("the test's own path");
    let mut job = nn_test_support::mpirun(2, "none")
        .arg(exe)
        .env(WHERE, thread)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun runs (Open MPI installed?)");
    let started = Instant::now();
    let (mut out, mut err) = (job.stdout.take().unwrap(), job.stderr.take().unwrap());
    // Read both pipes aside so mpirun never blocks on a full one.
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = job.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > ENDS_WITHIN {
            // SIGTERM: mpirun passes it on to the ranks, which a SIGKILL of
            // mpirun alone would leave running.
            let _ = std::process::Command::new("kill")
                .arg(job.id().to_string())
                .status();
            std::thread::sleep(Duration::from_secs(2));
            let _ = job.kill();
            let _ = job.wait();
            panic!(
                "{thread} thread: the job still runs {} s after a rank panicked",
                ENDS_WITHIN.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (said, told) = (stdout.join().unwrap(), stderr.join().unwrap());
    assert!(
        !status.success(),
        "{thread} thread: the job exited 0: {told}"
    );
    assert!(
        told.contains("a bug on") && told.contains("rank 1 of 2 panicked: ending the job"),
        "{thread} thread: the panic and the rank are not named: {told}"
    );
    assert!(
        !said.contains("passed the collective"),
        "{thread} thread: a rank went on past its dead partner: {said}"
    );
}
