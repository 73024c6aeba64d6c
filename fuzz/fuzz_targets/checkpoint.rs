//! The checkpoint reader (`--resume`) on arbitrary bytes: never a panic, an abort or
//! a huge allocation; errors are one short line; what parses has a parameter tensor
//! as long as its architecture says, every value finite. The bounded reader that
//! feeds it reads a prefix of the bytes, never more than they hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_train::parse_checkpoint;

fn check_message(message: &str) {
    assert!(!message.chars().any(char::is_control), "{message:?}");
    let chars = message.chars().count();
    assert!(chars < 1000, "{chars} characters: {message:.200}");
}

fuzz_target!(|data: &[u8]| {
    match parse_checkpoint(data) {
        Ok(contents) => {
            let arch = &contents.config().architecture;
            assert_eq!(contents.parameters().len(), arch.parameter_count());
            assert!(contents.parameters().iter().all(|v| v.is_finite()));
        }
        Err(message) => check_message(&message),
    }
    match nn_core::read_safetensors(data) {
        Ok(read) => assert!(data.starts_with(&read)),
        Err(e) => check_message(&e.to_string()),
    }
});
