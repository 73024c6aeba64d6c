//! The model-file loader on arbitrary bytes: never a panic, an abort or a huge
//! allocation; errors are one short line; a file that loads saves back to
//! bytes that load to the same network and info.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_core::{
    Activation, Loss, ModelAssumptions, model_from_bytes, model_from_bytes_without_metadata,
    model_to_bytes,
};

fn check_message(message: &str) {
    assert!(!message.chars().any(char::is_control), "{message:?}");
    let chars = message.chars().count();
    assert!(chars < 1000, "{chars} characters: {message:.200}");
}

fuzz_target!(|data: &[u8]| {
    match model_from_bytes(data) {
        Ok((network, info)) => {
            let again = model_to_bytes(&network, &info);
            let (network2, info2) = model_from_bytes(&again).expect("saved bytes load");
            assert_eq!(network2.architecture(), network.architecture());
            assert_eq!(network2.parameters(), network.parameters());
            assert_eq!(info2, info);
        }
        Err(e) => check_message(&e.to_string()),
    }
    let assumptions = ModelAssumptions {
        hidden: Activation::Tanh,
        output: Activation::Sigmoid,
        loss: Loss::Mse,
    };
    match model_from_bytes_without_metadata(data, &assumptions) {
        Ok((network, _)) => assert_eq!(network.architecture().hidden, Activation::Tanh),
        Err(e) => check_message(&e.to_string()),
    }
});
