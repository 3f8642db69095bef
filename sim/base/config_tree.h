// A scenario file parsed into a tree of values that remembers where each came from
// (file:line:column, or the --set override that supplied it). Parameters read values from it
// through ParamScope; afterwards unused_keys() names every key nothing declared, so a typo is an
// error rather than a silently ignored setting.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/base/params.h"

namespace wdsim {

// Bounds on what a scenario may be, so no input makes the loader read, nest or expand without
// end (each exceeded is a located ConfigError).
inline constexpr size_t kConfigMaxFileBytes = 4u << 20;  // bytes of a scenario file or --set
inline constexpr int kConfigMaxDepth = 64;  // levels of maps and lists (and --set components)
inline constexpr size_t kConfigMaxNodes = 1u << 20;  // keys and values, aliases expanded

class ConfigTree {
 public:
  ConfigTree();
  ~ConfigTree();
  ConfigTree(ConfigTree&&) noexcept;
  ConfigTree& operator=(ConfigTree&&) noexcept;

  // Parses a YAML file (one document, a map). A missing file, a directory or a device, a file
  // over kConfigMaxFileBytes, a YAML syntax error, a key given twice, a null or map/list key,
  // a second document, nesting deeper than kConfigMaxDepth or more than kConfigMaxNodes nodes
  // with aliases expanded throw ConfigError naming the file (and line:column where known).
  static ConfigTree from_file(const std::string& path);
  static ConfigTree from_string(const std::string& text, const std::string& name);

  // Applies "key.path=value" (the value is parsed as a YAML scalar or flow value). Creates the
  // key if it does not exist; unknown keys are caught later by unused_keys(). A list index one
  // past the end appends an entry. On a list the tree does not have (its loader's default,
  // e.g. one default process), index 0 creates it and index 1 appends after an empty entry
  // `{}` that stands for the default one.
  void apply_override(const std::string& assignment);

  const std::string& file() const { return file_; }

  // Lays `base` under this tree (a preset or an included file): every key this tree does not
  // have is taken from base, maps merging key by key at every level; a value or a list this
  // tree has replaces base's whole. Taken keys keep their locations in base's file (and base's
  // own layers).
  void underlay(const ConfigTree& base);
  // Removes a top-level key (and what is under it), if present.
  void erase(const std::string& top_key);
  // Every leaf key path under prefix (values and empty maps or lists), in file order.
  std::vector<std::string> leaf_paths(const std::string& prefix) const;

  // A scalar at a dotted path, as text, with its location; nullopt if absent.
  struct Scalar {
    std::string text;
    SourceLocation where;
    bool is_scalar = true;  // false if the node is a map or a sequence
  };
  std::optional<Scalar> scalar(const std::string& key_path) const;
  bool has(const std::string& key_path) const;
  SourceLocation location(const std::string& key_path) const;  // best known location

  // Keys of the map at key_path, in file order; empty if absent or not a map.
  std::vector<std::string> keys(const std::string& key_path) const;
  // Number of elements if key_path is a sequence, else nullopt.
  std::optional<size_t> sequence_size(const std::string& key_path) const;

  // The value at key_path as YAML flow text ("64", "[64, 4096]", "{a: 1}"); nullopt if absent.
  std::optional<std::string> flow_text(const std::string& key_path) const;

  // For maps whose keys contain dots (a sweep's `key.path: [values]`): the list under the
  // literal key `key` of the map at map_path, as flow texts; nullopt if absent or not a list.
  std::optional<std::vector<std::string>> literal_key_list(const std::string& map_path,
                                                           const std::string& key) const;
  SourceLocation literal_key_location(const std::string& map_path, const std::string& key) const;
  // The scalar under the literal key `key` of the map at map_path; nullopt if absent.
  std::optional<Scalar> literal_key_scalar(const std::string& map_path,
                                           const std::string& key) const;

  // Records that a declared parameter consumed key_path (and that its ancestors exist); nothing
  // under it is checked.
  void mark_used(const std::string& key_path) const;
  // Records that key_path is a section (a list or a list entry) a loader walks itself: it is
  // not an unknown key even when it is empty, and every key under it is still checked.
  void mark_section(const std::string& key_path) const;
  // Every leaf key path under `prefix` that no parameter consumed, in file order.
  std::vector<std::string> unused_keys(const std::string& prefix) const;
  // Throws ConfigError for the first unused key under prefix.
  void check_all_used(const std::string& prefix) const;

 private:
  // unused_keys, with each key's own node location in `where` (if not null).
  std::vector<std::string> unused_keys_where(const std::string& prefix,
                                             std::vector<SourceLocation>* where) const;

 public:
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string file_;
};

}  // namespace wdsim
