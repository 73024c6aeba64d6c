//! Cores as tokens: a job takes its threads' worth before it trains and gives
//! them back when it ends, so trials of any width share the cores without
//! running more threads than there are.

use std::sync::{Condvar, Mutex};

/// Cores as tokens: a job takes its threads' worth before it starts.
pub(crate) struct Cores {
    free: Mutex<usize>,
    freed: Condvar,
    total: usize,
}

/// Threads held until dropped.
pub(crate) struct Held<'a> {
    cores: &'a Cores,
    n: usize,
}

impl Cores {
    pub(crate) fn new(total: usize) -> Self {
        Self {
            free: Mutex::new(total),
            freed: Condvar::new(),
            total,
        }
    }

    pub(crate) fn take(&self, n: usize) -> Held<'_> {
        let n = n.clamp(1, self.total);
        let mut free = self.free.lock().expect("cores");
        while *free < n {
            free = self.freed.wait(free).expect("cores");
        }
        *free -= n;
        Held { cores: self, n }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        *self.cores.free.lock().expect("cores") += self.n;
        self.cores.freed.notify_all();
    }
}
