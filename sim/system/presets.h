// The presets built into wdsim: scenarios/presets/NAME.yaml, embedded in the binary at build
// time (tools/embed_presets.sh), so `preset: NAME` in a scenario works wherever wdsim runs. A
// preset is a scenario fragment (usually only `system:`) whose every value names its source in
// a `sources:` map (dotted key path -> where the value comes from).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/base/config_tree.h"

namespace wdsim {

// Layers of a scenario: `preset: NAME` (or a list of names) and `include: FILE` (or a list;
// paths relative to the including file) at the top level. Each layer is itself resolved (a
// preset may build on presets, an included file may use presets and includes), at most
// kMaxLayerDepth deep and kMaxLayers in all, and an include cycle is an error.
inline constexpr int kMaxLayerDepth = 8;
inline constexpr size_t kMaxLayers = 64;

struct PresetFile {
  std::string name;       // what `preset:` names
  std::string file;       // scenarios/presets/NAME.yaml, for locations in errors and describe
  std::string_view text;  // the file's YAML
};

// Every built-in preset, in name order.
const std::vector<PresetFile>& preset_files();

// Lays the tree's layers under it: presets first, then includes, each in the order given; a later
// layer overrides an earlier one and the tree's own values override them all (maps merge key by
// key; a list or value replaces the layer's whole). Checks each file's `sources:` (every key
// names a value the same file sets; every source is a non-empty text). Throws a located
// ConfigError for an unknown preset (the known ones named), a missing or bad file, a cycle.
void resolve_layers(ConfigTree& tree);

// After the --set overrides: `preset` or `include` set from the command line is an error (they
// are resolved when the file is read); the `sources:` map is documentation, never a parameter.
void finish_layers(const ConfigTree& tree);

// What `wdsim describe --preset NAME` shows: each value the preset sets (its layers resolved),
// where it came from and its source.
struct PresetValue {
  std::string key_path;
  std::string value;     // as YAML flow text
  SourceLocation where;  // the preset file (or a preset it builds on) and line
  std::string source;    // its `sources:` entry
};
// The values of the built-in preset `name`, in file order; ConfigError if there is none.
std::vector<PresetValue> preset_values(const std::string& name);

}  // namespace wdsim
