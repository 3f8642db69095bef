// Writes mutated copies of scenario files for the loader's robustness test
// (loader_fuzz_test.sh): each mutant is a seed file truncated, with bytes flipped to YAML's
// special characters, a line duplicated, deleted or moved, or an anchor and alias added.
// Deterministic: the same seed files, count and random seed give the same mutants.
//
//   scenario_mutator OUT_DIR COUNT RANDOM_SEED SEED_FILE...
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Characters that change what YAML means, digits, signs and a space.
constexpr char kSpecial[] = ":-[]{}&*!|>'\"#,?%@` \t\n0123456789.x~";

std::string mutate(std::string text, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  const int kinds = 7;
  const int rounds = 1 + static_cast<int>(pick(3));
  for (int r = 0; r < rounds; ++r) {
    auto lines = lines_of(text);
    switch (pick(kinds)) {
      case 0:  // truncate
        text.resize(pick(text.size() + 1));
        break;
      case 1:  // flip bytes to special characters
        for (size_t i = 0, n = 1 + pick(4); i < n && !text.empty(); ++i)
          text[pick(text.size())] = kSpecial[pick(sizeof kSpecial - 1)];
        break;
      case 2:  // duplicate a line
        if (!lines.empty()) {
          const size_t i = pick(lines.size());
          lines.insert(lines.begin() + static_cast<long>(i), lines[i]);
          text = join(lines);
        }
        break;
      case 3:  // delete a line
        if (!lines.empty()) {
          lines.erase(lines.begin() + static_cast<long>(pick(lines.size())));
          text = join(lines);
        }
        break;
      case 4:  // move a line
        if (lines.size() > 1) {
          const std::string l = lines[pick(lines.size())];
          lines.insert(lines.begin() + static_cast<long>(pick(lines.size())), l);
          lines.erase(lines.begin() + static_cast<long>(pick(lines.size())));
          text = join(lines);
        }
        break;
      case 5:  // an anchor on one value, an alias of it elsewhere
        if (lines.size() > 1) {
          const size_t a = pick(lines.size()), b = pick(lines.size());
          if (auto c = lines[a].find(": "); c != std::string::npos) lines[a].insert(c + 2, "&m ");
          if (auto c = lines[b].find(": "); c != std::string::npos) {
            lines[b] = lines[b].substr(0, c + 2) + "*m";
          }
          text = join(lines);
        }
        break;
      default:  // a random byte anywhere (controls and high bytes too)
        if (!text.empty()) text[pick(text.size())] = static_cast<char>(pick(256));
        break;
    }
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: scenario_mutator OUT_DIR COUNT RANDOM_SEED SEED_FILE...\n";
    return 2;
  }
  const std::string out_dir = argv[1];
  const long count = std::stol(argv[2]);
  std::mt19937_64 rng(std::stoull(argv[3]));
  std::vector<std::string> seeds;
  for (int i = 4; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    seeds.push_back(ss.str());
  }
  for (long i = 0; i < count; ++i) {
    const std::string& seed = seeds[static_cast<size_t>(i) % seeds.size()];
    char name[64];
    std::snprintf(name, sizeof name, "/m%04ld.yaml", i);
    std::ofstream(out_dir + name, std::ios::binary) << mutate(seed, rng);
  }
  return 0;
}
