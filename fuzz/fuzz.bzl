"""wdsim_fuzz_test: one fuzz harness, built as a libFuzzer target or as a corpus replay test."""

# Seconds of libFuzzer per target when the suite runs under --config=fuzz.
FUZZ_SECONDS = 20

# libFuzzer's limits for one target: resident memory (MB) and time for one input (s).
FUZZ_RSS_LIMIT_MB = 2048
FUZZ_INPUT_TIMEOUT_S = 10

# Largest input libFuzzer generates (bytes), unless a target says otherwise.
FUZZ_MAX_LEN = 4096

def wdsim_fuzz_test(name, srcs, deps, corpus, max_len = FUZZ_MAX_LEN, dict = None, **kwargs):
    """A fuzz target `name` (a test) and its binary `name_bin`.

    The harness (srcs) defines LLVMFuzzerTestOneInput and wdsim::fuzz::seeds() (fuzz_target.h).
    With --define=wdsim_fuzz=libfuzzer (--config=fuzz) the binary is a libFuzzer target and the
    test fuzzes for FUZZ_SECONDS from a copy of `corpus`, failing on any finding. Otherwise the
    test replays every corpus file plus deterministic mutations of them.

    Args:
      name: the test; the binary is name + "_bin".
      srcs: the harness sources.
      deps: the model libraries the harness drives.
      corpus: folder of seed inputs, relative to this package.
      max_len: the largest input libFuzzer generates, in bytes.
      dict: an optional libFuzzer dictionary (tokens of the input format).
      **kwargs: passed to the sh_test (size, tags, ...).
    """
    binary = name + "_bin"
    native.cc_binary(
        name = binary,
        testonly = True,
        srcs = srcs,
        deps = deps + ["//fuzz:fuzz_main"],
        linkopts = select({
            "//fuzz:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
    )
    native.sh_test(
        name = name,
        srcs = ["//fuzz:run_fuzz_test.sh"],
        args = [
            "$(location :%s)" % binary,
            native.package_name() + "/" + corpus,
            str(FUZZ_SECONDS),
            str(FUZZ_RSS_LIMIT_MB),
            str(FUZZ_INPUT_TIMEOUT_S),
            str(max_len),
        ] + (["$(location %s)" % dict] if dict else []),
        data = [":" + binary] + native.glob([corpus + "/*"]) + ([dict] if dict else []),
        **kwargs
    )
