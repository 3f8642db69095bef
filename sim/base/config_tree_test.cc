#include "sim/base/config_tree.h"

#include <gtest/gtest.h>

#include "sim/base/params.h"

namespace wdsim {
namespace {

struct LinkParams {
  double latency_ns;
  uint32_t width;
  bool enabled;
  std::string policy;
  void declare(ParamScope& s) {
    s.add("latency_ns", latency_ns, 10.0, "ns", "hop latency", "guess", Range::min(0));
    s.add("width", width, 4u, "lanes", "lane count", "PCIe spec", Range::between(1, 32));
    s.add("enabled", enabled, true, "", "on/off", "guess");
    s.add_choice("policy", policy, "lru", {"lru", "fifo"}, "replacement", "guess");
  }
};

std::string error_of(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  try {
    ConfigTree t = ConfigTree::from_string(yaml, "s.yaml");
    for (const auto& s : sets) t.apply_override(s);
    load_params<LinkParams>(t, "system.link");
    t.check_all_used("system");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigTree, DefaultsWhenAbsent) {
  ConfigTree t = ConfigTree::from_string("system: {}\n", "s.yaml");
  auto p = load_params<LinkParams>(t, "system.link");
  EXPECT_EQ(p.latency_ns, 10.0);
  EXPECT_EQ(p.width, 4u);
  EXPECT_TRUE(p.enabled);
  EXPECT_EQ(p.policy, "lru");
}

TEST(ConfigTree, ReadsValuesAndOverrides) {
  ConfigTree t = ConfigTree::from_string(
      "system:\n  link:\n    latency_ns: 25.5\n    width: 8\n    policy: fifo\n", "s.yaml");
  t.apply_override("system.link.width=16");
  t.apply_override("system.link.enabled=false");
  auto p = load_params<LinkParams>(t, "system.link");
  EXPECT_EQ(p.latency_ns, 25.5);
  EXPECT_EQ(p.width, 16u);
  EXPECT_FALSE(p.enabled);
  EXPECT_EQ(p.policy, "fifo");
  EXPECT_NO_THROW(t.check_all_used("system"));
}

TEST(ConfigTree, ErrorsNameFileLineColumnAndKey) {
  EXPECT_EQ(error_of("system:\n  link:\n    width: 64\n"),
            "s.yaml:3:12: system.link.width: value 64 is out of range [1, 32] lanes");
  EXPECT_EQ(error_of("system:\n  link:\n    latency_ns: fast\n"),
            "s.yaml:3:17: system.link.latency_ns: expected double, got 'fast'");
  EXPECT_EQ(error_of("system:\n  link:\n    latncy_ns: 3\n"),
            "s.yaml:3:16: system.link.latncy_ns: unknown key");
  EXPECT_EQ(error_of("system:\n  link:\n    policy: mru\n"),
            "s.yaml:3:13: system.link.policy: 'mru' is not one of: lru, fifo");
  EXPECT_EQ(error_of("system:\n  link:\n    width: -1\n"),
            "s.yaml:3:12: system.link.width: expected uint, got '-1'");
  EXPECT_EQ(error_of("system: {}\n", {"system.link.width=0"}),
            "--set system.link.width=0: system.link.width: value 0 is out of range [1, 32] lanes");
  EXPECT_NE(error_of("system: [\n").find("s.yaml:"), std::string::npos);
  // A key with a dot in its name is unknown where it is written (its path leads elsewhere).
  EXPECT_EQ(error_of("system:\n  link:\n    width: 4\n  .  data: text\n"),
            "s.yaml:4:12: system..  data: unknown key");
}

TEST(ConfigTree, ASectionIsCheckedBelowAndMayBeEmpty) {
  // A list entry the loader walks itself: an empty entry is no unknown key, a typo inside one
  // still is (mark_used would hide the whole subtree).
  ConfigTree t = ConfigTree::from_string("list:\n  - {}\n  - {wdith: 4}\n", "s.yaml");
  t.mark_section("list");
  t.mark_section("list.0");
  t.mark_section("list.1");
  EXPECT_EQ(t.unused_keys(""), (std::vector<std::string>{"list.1.wdith"}));
  ConfigTree used = ConfigTree::from_string("sweep:\n  a.b: [1]\n", "s.yaml");
  used.mark_used("sweep");
  EXPECT_TRUE(used.unused_keys("").empty());
}

TEST(ConfigTree, OverridesCreateListEntries) {
  // Index 0 on a list the tree lacks creates it; index 1 appends after an empty entry that
  // stands for the loader's default one; on an existing list, one past the end appends.
  ConfigTree t = ConfigTree::from_string("{}\n", "s.yaml");
  t.apply_override("procs.1.name=x");
  EXPECT_EQ(t.sequence_size("procs"), 2u);
  EXPECT_EQ(t.flow_text("procs.0"), "{}");
  EXPECT_EQ(t.scalar("procs.1.name")->text, "x");
  t.apply_override("procs.2.name=y");
  EXPECT_EQ(t.sequence_size("procs"), 3u);
  EXPECT_THROW(t.apply_override("procs.4.name=z"), ConfigError);
  ConfigTree u = ConfigTree::from_string("{}\n", "s.yaml");
  EXPECT_THROW(u.apply_override("procs.2.name=z"), ConfigError);
  u.apply_override("devs.0.kind=zip");
  EXPECT_EQ(u.sequence_size("devs"), 1u);
}

TEST(ConfigTree, ANodeAnOverrideCreatedIsLocatedAtTheOverride) {
  ConfigTree t = ConfigTree::from_string("a:\n  b: 1\n", "s.yaml");
  t.apply_override("c.d=2");
  EXPECT_EQ(t.location("c").str(), "--set c.d=2");
  EXPECT_EQ(t.location("c.d").str(), "--set c.d=2");
  // A node from the file keeps its own place even when an override writes under it.
  t.apply_override("a.e=3");
  EXPECT_EQ(t.location("a").str(), "s.yaml:2:3");
}

TEST(ConfigTree, MissingFileIsAConfigError) {
  EXPECT_THROW(ConfigTree::from_file("/nonexistent/x.yaml"), ConfigError);
}

TEST(Params, DescribeListsEverySpec) {
  auto specs = describe_params<LinkParams>("system.link");
  ASSERT_EQ(specs.size(), 4u);
  EXPECT_EQ(specs[0].key_path, "system.link.latency_ns");
  EXPECT_EQ(specs[0].default_text, "10");
  EXPECT_EQ(specs[1].type, ParamType::kUint);
  EXPECT_EQ(specs[3].choices.size(), 2u);
}

}  // namespace
}  // namespace wdsim

namespace wdsim {
namespace {

struct ListParams {
  std::vector<uint64_t> sizes;
  std::vector<std::string> paths;
  void declare(ParamScope& s) {
    s.add_list("sizes", sizes, {64, 4096}, "B", "sizes", "guess", Range::min(1));
    s.add_list("paths", paths, {"a"}, {"a", "b"}, "paths", "guess");
  }
};

TEST(Params, Lists) {
  ConfigTree t = ConfigTree::from_string("w:\n  sizes: [1, 2, 3]\n  paths: b\n", "s.yaml");
  auto p = load_params<ListParams>(t, "w");
  EXPECT_EQ(p.sizes, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(p.paths, (std::vector<std::string>{"b"}));
  EXPECT_NO_THROW(t.check_all_used("w"));
  ConfigTree bad = ConfigTree::from_string("w:\n  sizes: [1, 0]\n", "s.yaml");
  try {
    load_params<ListParams>(bad, "w");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "s.yaml:2:14: w.sizes.1: value 0 is out of range [1, inf] B");
  }
  auto d = describe_params<ListParams>("w");
  EXPECT_EQ(d[0].default_text, "[64, 4096]");
}

}  // namespace
}  // namespace wdsim

namespace wdsim {
namespace {

std::string parse_error(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  try {
    ConfigTree t = ConfigTree::from_string(yaml, "s.yaml");
    for (const auto& s : sets) t.apply_override(s);
    t.unused_keys("");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigTree, AnAliasThatContainsItselfIsBounded) {
  EXPECT_EQ(parse_error("a: &a [*a]\n"),
            "s.yaml:1:4: a.0: an alias inside the value it names (it nests forever)");
  EXPECT_EQ(parse_error("x:\n  a: &a {b: [1, *a]}\n"),
            "s.yaml:2:6: x.a.b.1: an alias inside the value it names (it nests forever)");
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "[";
  for (int i = 0; i < 70; ++i) deep += "]";
  EXPECT_NE(parse_error("a: " + deep + "\n").find("nested more than 64 levels deep"),
            std::string::npos);
  // Shared values below the bound are fine, however often they are named.
  EXPECT_EQ(parse_error("a: &a [1]\nb: [*a, *a, *a]\nc: {d: *a}\n"), "");
}

TEST(ConfigTree, AnAliasBombIsBounded) {
  // Nine levels of nine aliases each: 9^9 values once expanded, in a few hundred bytes.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) bomb += (j ? ", " : "") + prev;
    bomb += "]\n";
  }
  ASSERT_LT(bomb.size(), 600u);
  const std::string e = parse_error(bomb);
  EXPECT_EQ(e.rfind("s.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("keys and values with every alias expanded (an alias bomb?)"), std::string::npos)
      << e;
  // Aliases within the bound still work.
  ConfigTree t = ConfigTree::from_string("a: &s [1, 2]\nb: *s\n", "s.yaml");
  EXPECT_EQ(t.flow_text("b"), "[1, 2]");
}

TEST(ConfigTree, DeepOverridesAreBounded) {
  std::string key = "a";
  for (int i = 0; i < 20000; ++i) key += ".a";
  const std::string e = parse_error("{}\n", {key + "=1"});
  EXPECT_EQ(e.rfind("--set a.a.a", 0), 0u) << e.substr(0, 200);
  EXPECT_NE(e.find("a key path of 20001 components (at most 64)"), std::string::npos)
      << e.substr(0, 200);
  EXPECT_LT(e.size(), 300u);
  std::string deep_value = "";
  for (int i = 0; i < 70; ++i) deep_value += "[";
  for (int i = 0; i < 70; ++i) deep_value += "]";
  EXPECT_NE(parse_error("{}\n", {"a.b=" + deep_value}).find("nested more than 64 levels deep"),
            std::string::npos);
}

TEST(ConfigTree, KeysAreNamesGivenOnce) {
  EXPECT_EQ(parse_error("seed: 1\nseed: 2\n"),
            "s.yaml:2:1: seed: key given twice (first at "
            "s.yaml:1:1)");
  EXPECT_EQ(parse_error("system:\n  smmu: {}\nsystem:\n  pcie: {}\n"),
            "s.yaml:3:1: system: key given twice (first at s.yaml:1:1)");
  EXPECT_EQ(parse_error("a: {b: 1, b: 2}\n"),
            "s.yaml:1:11: a.b: key given twice (first at s.yaml:1:5)");
  EXPECT_EQ(parse_error("~: 1\n"), "s.yaml:1:1: a key that is null (empty)");
  EXPECT_EQ(parse_error("a:\n  ? [x]\n  : 1\n"),
            "s.yaml:2:5: a: a key that is a map or a list, not a name");
  EXPECT_EQ(parse_error("\"\": 1\n"), "s.yaml:1:1: an empty key");
  EXPECT_EQ(parse_error("{}\n", {"a={b: 1, b: 2}"}), "--set a={b: 1, b: 2}: a.b: key given twice");
  EXPECT_EQ(parse_error("seed: 1\n---\n"),
            "s.yaml:3:1: a second YAML document (after ---): a scenario is one document");
}

TEST(ConfigTree, OneDocument) {
  EXPECT_EQ(parse_error("seed: 1\n---\nseed: 2\n"),
            "s.yaml:3:1: a second YAML document (after ---): a scenario is one document");
  EXPECT_EQ(parse_error("{}\n", {"a=1\n---\n2"}),
            "--set a=1\n---\n2: a: a value of more than "
            "one YAML document");
}

TEST(ConfigTree, FilesThatAreNoScenarios) {
  auto error = [](const std::string& path) {
    try {
      ConfigTree::from_file(path);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error("/dev/zero"), "/dev/zero: is not a regular file (a device, FIFO or socket)");
  EXPECT_EQ(error("/"), "/: is a directory, not a scenario file");
  EXPECT_EQ(error("/proc/self/mem"),
            "/proc/self/mem: cannot read scenario file: Input/output error");
  EXPECT_EQ(error("/nonexistent/x.yaml"),
            "/nonexistent/x.yaml: cannot open scenario file: No such file or directory");
  EXPECT_EQ(parse_error(std::string(kConfigMaxFileBytes + 1, '#')),
            "s.yaml: larger than 4194304 bytes (a scenario)");
}

TEST(Params, WholeNumbersAreStrict) {
  EXPECT_EQ(error_of("system:\n  link:\n    width: ' -1'\n"),
            "s.yaml:3:12: system.link.width: expected uint, got ' -1'");
  EXPECT_EQ(error_of("system:\n  link:\n    width: '+4'\n"),
            "s.yaml:3:12: system.link.width: expected uint, got '+4'");
  EXPECT_EQ(error_of("system:\n  link:\n    width: 010\n"),
            "s.yaml:3:12: system.link.width: value 010 has a leading zero (octal or decimal?): "
            "write it without the zero, or as 0x hex");
  EXPECT_EQ(error_of("system:\n  link:\n    width: 18446744073709551616\n"),
            "s.yaml:3:12: system.link.width: value 18446744073709551616 does not fit (at most "
            "4294967295)");
  EXPECT_EQ(error_of("system:\n  link:\n    width: 4294967296\n"),
            "s.yaml:3:12: system.link.width: value 4294967296 does not fit (at most 4294967295)");
  EXPECT_EQ(error_of("system:\n  link:\n    width: 0x8\n"), "");
  EXPECT_EQ(error_of("system:\n  link:\n    latency_ns: ' 5'\n"),
            "s.yaml:3:17: system.link.latency_ns: expected double, got ' 5'");
  uint64_t v = 0;
  EXPECT_FALSE(parse_uint_text("18446744073709551615", &v));
  EXPECT_EQ(v, 18446744073709551615u);
  EXPECT_TRUE(parse_uint_text("18446744073709551616", &v));
  EXPECT_TRUE(parse_uint_text("0x", &v));
  EXPECT_FALSE(parse_uint_text("0", &v));
}

struct IntParams {
  int32_t offset;
  void declare(ParamScope& s) { s.add("offset", offset, 0, "", "offset", "guess"); }
};

TEST(Params, SignedNumbers) {
  auto load = [](const std::string& v) {
    ConfigTree t = ConfigTree::from_string("p:\n  offset: " + v + "\n", "s.yaml");
    return load_params<IntParams>(t, "p").offset;
  };
  EXPECT_EQ(load("-2147483648"), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(load("2147483647"), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(load("-5"), -5);
  EXPECT_THROW(load("2147483648"), ConfigError);
  EXPECT_THROW(load("-2147483649"), ConfigError);
  EXPECT_THROW(load("-010"), ConfigError);
  EXPECT_THROW(load("'- 1'"), ConfigError);
}

TEST(ConfigTree, AKnownSectionMayBeEmptyOrNull) {
  for (const char* yaml : {"system: {}\n", "system:\n", "system:\n  link: {}\n"}) {
    ConfigTree t = ConfigTree::from_string(yaml, "s.yaml");
    ParamScope::load("", &t).sub("system").sub("link");
    EXPECT_NO_THROW(t.check_all_used("")) << yaml;
  }
  ConfigTree t = ConfigTree::from_string("system: 5\n", "s.yaml");
  ParamScope::load("", &t).sub("system");
  try {
    t.check_all_used("");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "s.yaml:1:9: system: expected a section (a map of parameters), got '5'");
  }
  ConfigTree u = ConfigTree::from_string("sytem: {}\n", "s.yaml");
  ParamScope::load("", &u).sub("system");
  EXPECT_THROW(u.check_all_used(""), ConfigError);
}

}  // namespace
}  // namespace wdsim

namespace wdsim {
namespace {

// yaml-cpp's LoadAll returns empty documents forever for a top-level ',' (found by
// //fuzz:loader_fuzz's replay mutations: the process ran out of memory). Read as a second
// document, located.
TEST(ConfigTree, AStrayTopLevelCommaIsAnErrorNotAnEndlessParse) {
  for (const char* text : {",", " ,", ",a", "\"x\",", "seed: 1\n---\n,"}) {
    const std::string e = error_of(text);
    EXPECT_NE(e.find("s.yaml:"), std::string::npos) << text << ": " << e;
    EXPECT_TRUE(e.find("a second YAML document") != std::string::npos ||
                e.find("text past the end of the YAML document") != std::string::npos)
        << text << ": " << e;
  }
  EXPECT_NE(error_of("seed: 1", {"seed=,"}).find("a value of more than one YAML document"),
            std::string::npos);
}

// Lookups go through an index of the tree built as they pass (ConfigTree::Impl::find): every
// override must be seen by the lookups after it, whichever paths were looked up before.
TEST(ConfigTree, LookupsSeeEveryOverride) {
  auto t = ConfigTree::from_string("a:\n  b: 1\n  c: {d: 2}\nl:\n  - x: 1\n  - x: 2\n", "s.yaml");
  ASSERT_EQ(t.scalar("a.b")->text, "1");
  ASSERT_EQ(t.scalar("a.c.d")->text, "2");
  ASSERT_EQ(t.scalar("l.1.x")->text, "2");
  EXPECT_FALSE(t.has("l.2"));
  EXPECT_FALSE(t.has("a.e"));
  EXPECT_EQ(t.location("a.c.d").str(), "s.yaml:3:10");
  t.apply_override("a.b=5");
  EXPECT_EQ(t.scalar("a.b")->text, "5");
  t.apply_override("a.e=6");
  EXPECT_EQ(t.scalar("a.e")->text, "6");
  t.apply_override("l.2.x=3");
  EXPECT_EQ(t.sequence_size("l"), 3u);
  EXPECT_EQ(t.scalar("l.2.x")->text, "3");
  t.apply_override("a.c=7");  // a section replaced by a value: nothing is left below it
  EXPECT_EQ(t.scalar("a.c")->text, "7");
  EXPECT_FALSE(t.has("a.c.d"));
  EXPECT_EQ(t.location("a.c.d").str(), "--set a.c=7");
  // An empty or numeric component on a map, or a word on a list, names nothing.
  EXPECT_FALSE(t.has("a..b"));
  EXPECT_FALSE(t.has("a.0"));
  EXPECT_FALSE(t.has("l.x"));
  EXPECT_FALSE(t.has("l.01x"));
}

}  // namespace
}  // namespace wdsim
