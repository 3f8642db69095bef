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
