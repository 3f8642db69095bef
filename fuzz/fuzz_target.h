// What every harness under fuzz/ defines, and what fuzz_main.cc gives it.
//
// A harness defines LLVMFuzzerTestOneInput (one input, run to the end through the real model
// code; it returns 0, or aborts through WDSIM_FUZZ_CHECK when an invariant does not hold) and
// seeds(): a handful of valid inputs, written by `--write_seeds=DIR` into its checked-in corpus
// (fuzz/corpus/<target>/). fuzz_main.cc is either libFuzzer's driver (--define
// wdsim_fuzz=libfuzzer) or a replay main: every corpus file, then a fixed number of
// deterministic mutations of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace wdsim::fuzz {

std::vector<std::vector<uint8_t>> seeds();

// WDSIM_FUZZ_VERBOSE set: harnesses print what each input ended in (to check seeds).
bool verbose();

}  // namespace wdsim::fuzz
