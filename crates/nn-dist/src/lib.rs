//! nn-dist: the trainer's data-parallel step across processes, over MPI.
//!
//! Each rank holds the same data and weights and computes a fixed, contiguous
//! run of every mini-batch's shards ([`layout`]). The shard gradients then meet
//! in an exchange that adds them in shard order, exactly as one process does
//! across its threads, so any number of ranks gives the weights of one process,
//! bit for bit. Every rank then applies the same optimizer step.
//!
//! The MPI part needs the `mpi` feature (and an MPI installation); without it
//! this crate holds only what needs no MPI: the [`layout`] and the run's
//! [`fingerprint`] that ranks compare before training.
#![deny(clippy::print_stdout, clippy::print_stderr)]

#[cfg(feature = "mpi")]
mod cluster;
mod fingerprint;
pub mod layout;
#[cfg(feature = "mpi")]
mod ordered;

#[cfg(feature = "mpi")]
pub use cluster::{Cluster, DistError};
pub use fingerprint::fingerprint;
#[cfg(feature = "mpi")]
pub use ordered::{OrderedReduction, ReduceStats, StopFlags};
