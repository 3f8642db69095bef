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
