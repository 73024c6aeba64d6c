//! The IDX loader on arbitrary bytes, raw or gzip, as images (3 dimensions)
//! and as labels (1): never a panic; errors are one line; what loads is
//! exactly the data its header declares.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nn_data::parse_idx;

fuzz_target!(|data: &[u8]| {
    for dims in [1, 3] {
        match parse_idx(data, Path::new("fuzz.idx"), dims) {
            Ok(array) => {
                assert_eq!(array.dims.len(), usize::from(dims));
                assert_eq!(array.data.len(), array.dims.iter().product::<usize>());
            }
            Err(e) => {
                let message = e.to_string();
                assert!(!message.chars().any(char::is_control), "{message:?}");
            }
        }
    }
});
