#include "sim/system/presets.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>

namespace wdsim {

namespace {

constexpr const char* kPresetKey = "preset";
constexpr const char* kIncludeKey = "include";
constexpr const char* kSourcesKey = "sources";

struct LayerName {
  std::string name;
  SourceLocation where;
};

// The names under `key`: one name, or a list of names.
std::vector<LayerName> layer_names(const ConfigTree& tree, const std::string& key) {
  std::vector<LayerName> out;
  if (!tree.has(key)) return out;
  auto one = [&](const std::string& path) {
    const auto s = tree.scalar(path);
    if (!s || !s->is_scalar || s->text.empty()) {
      config_error(tree.location(path), path,
                   key == kPresetKey ? "expected a preset name or a list of names"
                                     : "expected a file name or a list of file names");
    }
    out.push_back({s->text, s->where});
  };
  if (const auto n = tree.sequence_size(key)) {
    if (*n == 0) config_error(tree.location(key), key, "expected at least one entry");
    for (size_t i = 0; i < *n; ++i) one(key + "." + std::to_string(i));
  } else {
    one(key);
  }
  return out;
}

const PresetFile* find_preset(const std::string& name) {
  for (const auto& p : preset_files()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string preset_names() {
  std::string names;
  for (const auto& p : preset_files()) names += (names.empty() ? "" : ", ") + p.name;
  return names.empty() ? "none" : names;
}

// Every key of the file's `sources:` names a value the file itself sets, with a text.
void check_sources(const ConfigTree& tree) {
  if (!tree.has(kSourcesKey)) return;
  const auto keys = tree.keys(kSourcesKey);
  if (keys.empty() && tree.flow_text(kSourcesKey).value_or("") != "{}") {
    config_error(tree.location(kSourcesKey), kSourcesKey,
                 "expected a map of key path: \"where the value comes from\"");
  }
  for (const auto& key : keys) {
    const auto s = tree.literal_key_scalar(kSourcesKey, key);
    if (!s || !s->is_scalar || s->text.empty()) {
      config_error(tree.literal_key_location(kSourcesKey, key),
                   std::string(kSourcesKey) + "." + key,
                   "expected a text naming where the value comes from");
    }
    if (key == kSourcesKey || key.rfind(std::string(kSourcesKey) + ".", 0) == 0 || !tree.has(key)) {
      config_error(tree.literal_key_location(kSourcesKey, key),
                   std::string(kSourcesKey) + "." + key,
                   "a source for a value this file does not set");
    }
  }
}

struct Resolver {
  std::vector<std::string> chain;  // files being resolved, outermost first (for cycles)
  size_t layers = 0;

  // Resolves `tree`, read from `file` (a preset when is_preset), `depth` layers down.
  void resolve(ConfigTree& tree, bool is_preset, int depth) {
    const auto presets = layer_names(tree, kPresetKey);
    const auto includes = layer_names(tree, kIncludeKey);
    if (is_preset && !includes.empty()) {
      config_error(includes.front().where, kIncludeKey,
                   "a preset builds on other presets (preset:), not on files");
    }
    tree.erase(kPresetKey);
    tree.erase(kIncludeKey);
    check_sources(tree);
    std::optional<ConfigTree> below;  // the layers so far, merged
    auto add = [&](ConfigTree layer, const LayerName& from) {
      if (depth + 1 > kMaxLayerDepth) {
        config_error(
            from.where, "",
            "presets and includes nested more than " + std::to_string(kMaxLayerDepth) + " deep");
      }
      if (++layers > kMaxLayers) {
        config_error(from.where, "",
                     "more than " + std::to_string(kMaxLayers) + " presets and includes in all");
      }
      if (below) layer.underlay(*below);
      below = std::move(layer);
    };
    for (const auto& p : presets) {
      const PresetFile* preset = find_preset(p.name);
      if (!preset) {
        config_error(p.where, kPresetKey,
                     "no preset named '" + p.name + "' (built in: " + preset_names() + ")");
      }
      if (std::find(chain.begin(), chain.end(), preset->file) != chain.end()) {
        config_error(p.where, kPresetKey, "preset '" + p.name + "' builds on itself");
      }
      ConfigTree layer = ConfigTree::from_string(std::string(preset->text), preset->file);
      chain.push_back(preset->file);
      resolve(layer, true, depth + 1);
      chain.pop_back();
      add(std::move(layer), p);
    }
    for (const auto& inc : includes) {
      namespace fs = std::filesystem;
      const fs::path base = fs::path(tree.file()).parent_path();
      const fs::path path = fs::path(inc.name).is_absolute() ? fs::path(inc.name) : base / inc.name;
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(path, ec);
      const std::string id = ec ? path.lexically_normal().string() : canonical.string();
      if (std::find(chain.begin(), chain.end(), id) != chain.end()) {
        config_error(inc.where, kIncludeKey, "'" + inc.name + "' includes itself (a cycle)");
      }
      ConfigTree layer;
      try {
        layer = ConfigTree::from_file(path.lexically_normal().string());
      } catch (const ConfigError& e) {
        config_error(inc.where, kIncludeKey, std::string("included file: ") + e.what());
      }
      chain.push_back(id);
      resolve(layer, false, depth + 1);
      chain.pop_back();
      add(std::move(layer), inc);
    }
    if (below) tree.underlay(*below);
  }
};

}  // namespace

void resolve_layers(ConfigTree& tree) {
  Resolver r;
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(tree.file(), ec);
  r.chain.push_back(ec ? tree.file() : canonical.string());
  r.resolve(tree, false, 0);
}

void finish_layers(const ConfigTree& tree) {
  for (const char* key : {kPresetKey, kIncludeKey}) {
    if (tree.has(key)) {
      config_error(tree.location(key), key,
                   "presets and includes are read with the scenario file: give them there, not "
                   "with --set");
    }
  }
  if (tree.has(kSourcesKey)) tree.mark_used(kSourcesKey);
}

std::vector<PresetValue> preset_values(const std::string& name) {
  const PresetFile* preset = find_preset(name);
  if (!preset) {
    config_error({"--preset " + name, 0, 0}, "",
                 "no preset named '" + name + "' (built in: " + preset_names() + ")");
  }
  ConfigTree tree = ConfigTree::from_string(std::string(preset->text), preset->file);
  Resolver r;
  r.chain.push_back(preset->file);
  r.resolve(tree, true, 0);
  std::vector<PresetValue> out;
  for (const auto& key : tree.leaf_paths("")) {
    if (key == kSourcesKey || key.rfind(std::string(kSourcesKey) + ".", 0) == 0) continue;
    PresetValue v{key, tree.flow_text(key).value_or(""), tree.location(key), ""};
    if (const auto s = tree.literal_key_scalar(kSourcesKey, key)) v.source = s->text;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace wdsim
