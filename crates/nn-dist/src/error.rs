//! Why a training job across processes cannot start.

/// Why a distributed run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    /// `MPI_Init_thread` failed, or MPI was already started.
    #[error("MPI could not start (is this build's MPI library the one mpirun belongs to?)")]
    Init,
    /// The MPI library cannot be called from the trainer's worker thread.
    #[error(
        "the MPI library offers thread support {provided}; training needs at least Serialized (the trainer calls MPI from its worker thread)"
    )]
    Threading {
        /// What the library granted.
        provided: String,
    },
    /// The ranks do not share the same settings, data or weights.
    #[error(
        "rank {rank} of {ranks}: the ranks' settings, data or starting weights differ (fingerprint {fingerprint:016x}); \
         start every rank with the same flags and the same files"
    )]
    Mismatch {
        /// This rank.
        rank: usize,
        /// Ranks in the job.
        ranks: usize,
        /// This rank's fingerprint.
        fingerprint: u64,
    },
}
