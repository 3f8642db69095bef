// Helpers the scenario loader's files share for list sections and their entries (not an API).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "sim/base/config_tree.h"
#include "sim/base/params.h"

namespace wdsim::scenario_detail {

// A list entry's scope: `<list>.<i>` when loading, `<list>[]` when describing.
inline ParamScope entry_scope(const ParamScope& s, const char* list, size_t i) {
  if (s.describing()) return s.sub(std::string(list) + "[]");
  return s.sub(list).sub(std::to_string(i));
}

// How many entries the list at s.<list> has; nullopt if absent. A value that is not a list
// is a located error.
inline std::optional<size_t> list_size(const ParamScope& s, const char* list, size_t max) {
  if (s.describing()) return 1;
  const ConfigTree& tree = *s.tree();
  const std::string path = s.key_path(list);
  if (!tree.has(path)) return std::nullopt;
  auto n = tree.sequence_size(path);
  if (!n) config_error(tree.location(path), path, "expected a list");
  if (*n == 0) config_error(tree.location(path), path, "expected at least one entry");
  if (*n > max) {
    config_error(tree.location(path), path, "at most " + std::to_string(max) + " entries");
  }
  tree.mark_section(path);
  return n;
}

inline bool given(const ParamScope& s, const char* key) {
  return !s.describing() && s.tree()->has(s.key_path(key));
}

inline SourceLocation where_of(const ParamScope& s, const std::string& key = "") {
  if (s.describing()) return {};
  return s.tree()->location(key.empty() ? s.prefix() : s.key_path(key));
}

}  // namespace wdsim::scenario_detail
