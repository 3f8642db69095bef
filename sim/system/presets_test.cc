// Presets and includes: every built-in preset loads and names a source for every value it
// sets; layers merge (maps key by key, lists and values replaced whole, the file over its
// layers, --set over all); errors inside a layer name the layer's file and line; unknown
// presets, cycles, --set of a layer key and stale sources are located errors.
#include "sim/system/presets.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sim/system/scenario.h"

namespace wdsim {
namespace {

namespace fs = std::filesystem;

class LayerFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("layers-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sub");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string error_of(const std::string& path, const std::vector<std::string>& sets = {}) {
    try {
      load_scenario(path, sets, 0);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST(Presets, EveryBuiltInPresetLoadsAndSourcesEveryValue) {
  ASSERT_FALSE(preset_files().empty());
  for (const auto& p : preset_files()) {
    SCOPED_TRACE(p.name);
    EXPECT_EQ(p.file, "scenarios/presets/" + p.name + ".yaml");
    EXPECT_NO_THROW(load_scenario_text("preset: " + p.name + "\n", "uses-preset.yaml", {}));
    const auto values = preset_values(p.name);
    EXPECT_FALSE(values.empty());
    for (const auto& v : values) {
      EXPECT_FALSE(v.source.empty()) << v.key_path << " (" << v.where.str() << ") has no source";
      EXPECT_EQ(v.source.rfind("guess", 0), std::string::npos) << v.key_path;
      EXPECT_EQ(v.where.file.rfind("scenarios/presets/", 0), 0u) << v.key_path;
      EXPECT_GT(v.where.line, 0) << v.key_path;
    }
  }
}

TEST(Presets, KunpengValuesReachTheScenarioAndTheFileOverridesThem) {
  const auto values = preset_values("kunpeng920");
  // Every preset value, read back from a scenario that uses the preset, is the preset's.
  ConfigTree tree = ConfigTree::from_string("preset: kunpeng920\n", "uses.yaml");
  resolve_layers(tree);
  for (const auto& v : values) {
    EXPECT_EQ(tree.flow_text(v.key_path).value_or("<absent>"), v.value) << v.key_path;
    EXPECT_EQ(tree.location(v.key_path).file, "scenarios/presets/kunpeng920.yaml") << v.key_path;
  }
}

TEST(Presets, UnknownPresetNamesTheBuiltInOnes) {
  try {
    load_scenario_text("system: {}\npreset: kunpeng921\n", "bad.yaml", {});
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("bad.yaml:2:9: preset: no preset named 'kunpeng921' (built in: ", 0), 0u)
        << m;
    EXPECT_NE(m.find("kunpeng920"), std::string::npos) << m;
  }
}

TEST_F(LayerFiles, IncludedValuesMergeUnderTheFileAndSetWins) {
  write("sub/base.yaml",
        "system:\n  host:\n    cores: 3\n    syscall_entry_ns: 111\n"
        "  smmu:\n    evtq_max_log2_entries: 9\n"
        "  devices: [{kind: zip}, {kind: sec}]\n");
  const auto top = write("top.yaml",
                         "include: sub/base.yaml\nsystem:\n  host:\n    cores: 5\n"
                         "  devices: [{kind: zip}]\n");
  Scenario sc = load_scenario(top, {}, 0);
  EXPECT_EQ(sc.system.host.cores, 5u);                  // the file over its layer
  EXPECT_EQ(sc.system.smmu.evtq_max_log2_entries, 9u);  // maps merge key by key
  EXPECT_EQ(sc.system.devices.size(), 1u);              // a list replaces the layer's whole
  sc = load_scenario(top, {"system.host.cores=7"}, 0);
  EXPECT_EQ(sc.system.host.cores, 7u);  // --set over everything
  // Later layers override earlier ones.
  write("sub/second.yaml", "system:\n  smmu:\n    evtq_max_log2_entries: 11\n");
  const auto two = write("two.yaml", "include: [sub/base.yaml, sub/second.yaml]\n");
  EXPECT_EQ(load_scenario(two, {}, 0).system.smmu.evtq_max_log2_entries, 11u);
  EXPECT_EQ(load_scenario(two, {}, 0).system.host.cores, 3u);
}

TEST_F(LayerFiles, AnErrorInALayerNamesTheLayersFileAndLine) {
  const auto base = write("base.yaml", "system:\n  host:\n    cores: 0\n");
  const auto top = write("top.yaml", "include: base.yaml\n");
  EXPECT_EQ(error_of(top).rfind(base + ":3:12: system.host.cores: ", 0), 0u) << error_of(top);
  write("typo.yaml", "system:\n  host:\n    coers: 2\n");
  const auto top2 = write("top2.yaml", "# a comment\ninclude: typo.yaml\n");
  EXPECT_EQ(error_of(top2),
            (dir_ / "typo.yaml").string() + ":3:12: system.host.coers: unknown key");
  // A missing included file is named at the include.
  const auto top3 = write("top3.yaml", "include: nowhere.yaml\n");
  const std::string m = error_of(top3);
  EXPECT_EQ(m.rfind(top3 + ":1:10: include: included file: ", 0), 0u) << m;
  EXPECT_NE(m.find("nowhere.yaml"), std::string::npos) << m;
}

TEST_F(LayerFiles, CyclesAndBadLayerKeysAreLocatedErrors) {
  write("a.yaml", "include: b.yaml\n");
  const auto b = write("b.yaml", "include: a.yaml\n");
  const std::string cycle = error_of(write("top.yaml", "include: a.yaml\n"));
  EXPECT_NE(cycle.find("'a.yaml' includes itself (a cycle)"), std::string::npos) << cycle;
  EXPECT_EQ(cycle.find("included file: " + b), std::string::npos);
  EXPECT_EQ(
      error_of(write("self.yaml", "include: self.yaml\n")),
      (dir_ / "self.yaml").string() + ":1:10: include: 'self.yaml' includes itself (a cycle)");
  EXPECT_EQ(error_of(write("list.yaml", "include: {a: 1}\n")),
            (dir_ / "list.yaml").string() +
                ":1:10: include: expected a file name or a list of file names");
  EXPECT_EQ(error_of(write("plain.yaml", "system: {}\n"), {"preset=kunpeng920"}),
            "--set preset=kunpeng920: preset: presets and includes are read with the scenario "
            "file: give them there, not with --set");
}

TEST_F(LayerFiles, SourcesMustNameValuesTheFileSets) {
  const auto ok = write("ok.yaml",
                        "system:\n  host:\n    cores: 4\nsources:\n"
                        "  system.host.cores: \"a datasheet\"\n");
  EXPECT_EQ(load_scenario(ok, {}, 0).system.host.cores, 4u);
  const auto stale = write("stale.yaml",
                           "system:\n  host:\n    cores: 4\nsources:\n"
                           "  system.host.threads: \"a datasheet\"\n");
  EXPECT_EQ(error_of(stale), stale +
                                 ":5:24: sources.system.host.threads: a source for a value this "
                                 "file does not set");
  const auto empty = write("empty.yaml",
                           "system:\n  host:\n    cores: 4\nsources:\n"
                           "  system.host.cores: \"\"\n");
  EXPECT_EQ(error_of(empty), empty +
                                 ":5:22: sources.system.host.cores: expected a text naming where "
                                 "the value comes from");
}

}  // namespace
}  // namespace wdsim
