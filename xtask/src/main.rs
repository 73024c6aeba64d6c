//! Developer tasks (placeholder until the data issue lands).
fn main() {}
