//! nn-dist: the trainer's data-parallel step across processes, over MPI.
//!
//! Each rank holds the same data and weights and computes a fixed, contiguous
//! run of every mini-batch's shards ([`layout`]). The shard gradients then meet
//! in an exchange that adds them in shard order, exactly as one process does
//! across its threads, so any number of ranks gives the weights of one process,
//! bit for bit. Each rank sums one piece of the parameter vector and takes the
//! optimizer step for that piece; the ranks then gather the stepped parameters.
//!
//! [`Job`] is the binary's entry point. A job of independent tasks (a sweep's
//! trials) spreads them over the ranks with the task farm (`Job::farm`: `Hub` on
//! rank 0, `Hand` on the others). The MPI part needs the `mpi` feature
//! (and an MPI installation); without it a job is always one process, and
//! the workspace builds and tests on machines without MPI.
#![deny(clippy::print_stdout, clippy::print_stderr)]

#[cfg(feature = "mpi")]
mod cluster;
mod error;
#[cfg(feature = "mpi")]
mod farm;
mod fingerprint;
mod job;
pub mod layout;
#[cfg(feature = "mpi")]
mod ordered;

pub use error::DistError;
#[cfg(feature = "mpi")]
pub use farm::{Hand, Heard, Hub};
pub use fingerprint::fingerprint;
#[cfg(feature = "mpi")]
pub use job::Farm;
pub use job::{Job, ReduceStats, StopFlags};
