// The entry point of every fuzz target (fuzz_target.h).
//
// libSystemC owns main() and calls sc_main(). Under libFuzzer (-fsanitize=fuzzer) libFuzzer's
// main() is linked into the binary instead and sc_main() is never called; either way the first
// simulation context is set aside here and never deleted, as in sim/testing/gtest_sc_main.cc
// (harnesses call fresh_sc_context() between the systems they build).
//
// Replay mode (every build but --define wdsim_fuzz=libfuzzer): the arguments are corpus
// folders or files (arguments starting with '-' are libFuzzer flags and are ignored); each file
// runs once, then kReplayMutations deterministic mutations of them (WDSIM_FUZZ_MUTATIONS
// overrides the count). `--write_seeds=DIR` writes the harness's seeds into DIR and exits.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <systemc>
#include <vector>

#include "fuzz/fuzz_target.h"

namespace wdsim::fuzz {

[[noreturn]] void invariant_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", what, file, line);
  std::fflush(stderr);
  std::abort();
}

bool verbose() {
  static const bool v = std::getenv("WDSIM_FUZZ_VERBOSE") != nullptr;
  return v;
}

namespace {

void set_aside_first_context() {
  static bool done = false;
  if (done) return;
  done = true;
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

#ifndef WDSIM_LIBFUZZER

// Mutations the replay main runs after the corpus: enough to exercise the error paths of each
// decoder in the normal suite in a few seconds.
constexpr int kReplayMutations = 1000;
constexpr uint64_t kReplaySeed = 0x5eed;
constexpr size_t kMaxMutationOps = 8;
constexpr size_t kMaxInsertBytes = 16;

std::vector<uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int write_seeds(const std::string& dir) {
  std::filesystem::create_directories(dir);
  const auto all = seeds();
  for (size_t i = 0; i < all.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "seed-%03zu", i);
    std::ofstream out(std::filesystem::path(dir) / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(all[i].data()),
              static_cast<std::streamsize>(all[i].size()));
  }
  std::printf("wrote %zu seeds to %s\n", all.size(), dir.c_str());
  return 0;
}

std::vector<uint8_t> mutate(const std::vector<std::vector<uint8_t>>& corpus, std::mt19937_64& rng) {
  std::vector<uint8_t> v = corpus[rng() % corpus.size()];
  const size_t ops = 1 + rng() % kMaxMutationOps;
  for (size_t k = 0; k < ops; ++k) {
    const size_t pos = v.empty() ? 0 : rng() % v.size();
    switch (rng() % 6) {
      case 0:  // flip one bit
        if (!v.empty()) v[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // one random byte
        if (!v.empty()) v[pos] = static_cast<uint8_t>(rng());
        break;
      case 2: {  // insert random bytes
        const size_t n = 1 + rng() % kMaxInsertBytes;
        std::vector<uint8_t> ins(n);
        for (auto& b : ins) b = static_cast<uint8_t>(rng());
        v.insert(v.begin() + static_cast<std::ptrdiff_t>(pos), ins.begin(), ins.end());
        break;
      }
      case 3: {  // erase a range
        const size_t n = std::min(v.size() - pos, 1 + rng() % kMaxInsertBytes);
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(pos),
                v.begin() + static_cast<std::ptrdiff_t>(pos + n));
        break;
      }
      case 4:  // truncate
        v.resize(pos);
        break;
      default: {  // splice the tail of another entry
        const auto& o = corpus[rng() % corpus.size()];
        if (o.empty()) break;
        const size_t from = rng() % o.size();
        v.resize(pos);
        v.insert(v.end(), o.begin() + static_cast<std::ptrdiff_t>(from), o.end());
        break;
      }
    }
  }
  return v;
}

int replay(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--write_seeds=", 0) == 0) return write_seeds(a.substr(a.find('=') + 1));
    if (!a.empty() && a[0] == '-') continue;
    if (std::filesystem::is_directory(a)) {
      for (const auto& e : std::filesystem::directory_iterator(a))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.emplace_back(a);
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::vector<uint8_t>> corpus;
  for (const auto& f : files) {
    corpus.push_back(read_file(f));
    std::printf("replay %s (%zu bytes)\n", f.c_str(), corpus.back().size());
    std::fflush(stdout);
    LLVMFuzzerTestOneInput(corpus.back().data(), corpus.back().size());
  }
  for (auto& s : seeds()) corpus.push_back(std::move(s));
  int mutations = kReplayMutations;
  if (const char* env = std::getenv("WDSIM_FUZZ_MUTATIONS")) mutations = std::atoi(env);
  std::mt19937_64 rng(kReplaySeed);
  // WDSIM_FUZZ_DUMP=DIR writes each mutation to DIR/mutation-N before running it, so the one
  // that fails can be kept as a regression input.
  const char* dump = std::getenv("WDSIM_FUZZ_DUMP");
  for (int i = 0; i < mutations && !corpus.empty(); ++i) {
    const std::vector<uint8_t> v = mutate(corpus, rng);
    if (dump) {
      std::ofstream(std::filesystem::path(dump) / ("mutation-" + std::to_string(i)),
                    std::ios::binary)
          .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size()));
    }
    LLVMFuzzerTestOneInput(v.data(), v.size());
  }
  std::printf("replayed %zu corpus files and %d mutations: no finding\n", files.size(), mutations);
  return 0;
}

#endif  // WDSIM_LIBFUZZER

}  // namespace
}  // namespace wdsim::fuzz

#ifdef WDSIM_LIBFUZZER
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  wdsim::fuzz::set_aside_first_context();
  return 0;
}

int sc_main(int, char**) {
  std::fprintf(stderr, "fuzz target: built for libFuzzer, whose main() should have run\n");
  return 1;
}
#else
int sc_main(int argc, char** argv) {
  wdsim::fuzz::set_aside_first_context();
  return wdsim::fuzz::replay(argc, argv);
}
#endif
