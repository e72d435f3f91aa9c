//! Fuzz target: any bytes through the loader `spillway::model::load` uses
//! (`model::from_bytes`: size limit, encodings, RON parsing, the error explainer and its
//! probes), then validation of whatever parses. Nothing may panic, and every error must
//! have a message.
//!
//! Run on a machine with a nightly toolchain, from the repository's top level:
//! `cargo +nightly fuzz run --fuzz-dir tests/fuzz loader`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spillway::model;

fuzz_target!(|bytes: &[u8]| {
    match model::from_bytes(bytes, None) {
        Ok(doc) => {
            let _ = model::validate(&doc);
            // What loads must save, and what saves must load again.
            if let Ok(text) = model::to_ron_string(&doc)
                && let Err(e) = model::from_ron_str(&text)
            {
                panic!("a saved document does not load again: {e}\n{text}");
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
