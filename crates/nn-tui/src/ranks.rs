//! `nn-tui train` as one rank of an MPI job (`mpirun -np N`, the `mpi`
//! feature): who reports a failure, and how a failure ends the other ranks.
//!
//! Start-up failures and a mismatch between ranks are known to every rank at
//! once, so every rank exits with status 1 and only the lowest failing rank
//! prints. A failure during training may be this rank's alone while the others
//! wait for it in an exchange, so it is printed here and ends the whole job
//! (`MPI_Abort`). A divergence is seen by every rank at the same step: only
//! rank 0 reports it. In a job of one, errors pass through unchanged.

use anyhow::Result;
use nn_dist::Job;
use nn_train::{TrainError, Trainer};

use crate::Outcome;

/// What start-up came to on this rank, once every rank has had its say.
pub enum Verdict<T> {
    /// Every rank is ready.
    Go(T),
    /// Failed on another rank, which reported why; this rank exits quietly.
    FailedElsewhere,
}

/// Start-up (`started`) as every rank sees it: go if all are ready, else the
/// error on the lowest failing rank and a quiet failure on the others.
pub fn verdict<T>(job: &Job, started: Result<T>) -> Result<Verdict<T>> {
    match (job.first_failure(started.is_err()), started) {
        (None, Ok(ready)) => Ok(Verdict::Go(ready)),
        (Some(first), Err(e)) if first == job.rank() => Err(e),
        _ => Ok(Verdict::FailedElsewhere),
    }
}

/// Makes `trainer` one of the job's, after checking that every rank has the
/// same run. A mismatch is known to all ranks; rank 0 reports it.
pub fn join(job: &mut Job, trainer: &mut Trainer) -> Result<Verdict<()>> {
    match job.join(trainer) {
        Ok(()) => Ok(Verdict::Go(())),
        Err(e) if job.is_root() => Err(e.into()),
        Err(_) => Ok(Verdict::FailedElsewhere),
    }
}

/// The end of a training run on this rank (see the module docs).
pub fn end(job: &Job, result: Result<Outcome>) -> Result<Outcome> {
    let e = match result {
        Err(e) if job.ranks() > 1 => e,
        other => return other,
    };
    if matches!(e.downcast_ref(), Some(TrainError::Diverged { .. })) {
        return if job.is_root() {
            Err(e)
        } else {
            Ok(Outcome::FailedElsewhere)
        };
    }
    crate::progress::say(&format!(
        "{} (rank {} of {}: ending the job)",
        crate::error_line(&e),
        job.rank(),
        job.ranks()
    ));
    job.abort(1)
}
