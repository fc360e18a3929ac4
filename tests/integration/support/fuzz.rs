//! The fuzz harness both crates' fuzz tests run: `PROPTEST_CASES` inputs per target (a
//! small default in the suite, a million from `scripts/fuzz.sh`), `FUZZ_SEED` for a fixed
//! seed, the rate on stderr, a panic naming the target on the first (shrunk) failure.
//! The exporter's `tests/integration/fuzz.rs` includes this file by path.

use std::time::Instant;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

/// Inputs per target: `PROPTEST_CASES`, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `test` on `cases` inputs of `strategy`, prints the rate, fails on the first failing
/// (shrunk) input.
pub fn fuzz<S: Strategy>(
    name: &str,
    default: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let n = cases(default);
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(RngSeed::Random, RngSeed::Fixed);
    let mut runner = TestRunner::new(Config {
        cases: n,
        failure_persistence: None,
        rng_seed: seed,
        max_shrink_iters: 2_000,
        ..Config::default()
    });
    let start = Instant::now();
    let result = runner.run(&strategy, test);
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "fuzz {name}: {n} inputs in {secs:.2} s ({:.0}/s)",
        f64::from(n) / secs.max(1e-9)
    );
    if let Err(e) = result {
        panic!("fuzz {name}: {e}");
    }
}
