//! The stack loader on arbitrary bytes: fintech.yaml and a stack file (split at `\n%%\n`), loaded
//! from a scratch directory; it must answer with located errors, never panic, hang or blow up.
#![no_main]

use libfuzzer_sys::fuzz_target;

thread_local! {
    static DIR: tempfile::TempDir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .expect("a scratch directory");
}

fuzz_target!(|data: &[u8]| {
    DIR.with(|d| {
        fintech::fuzzing::load(d.path(), data);
    });
});
