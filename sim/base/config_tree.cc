#include "sim/base/config_tree.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>
#include <tuple>
#include <utility>

#include "sim/base/config_yaml.h"

namespace wdsim {

namespace {

std::vector<std::string> split_path(const std::string& key_path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : key_path) {
    if (c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!key_path.empty()) parts.push_back(cur);
  return parts;
}

bool parse_index(std::string_view s, size_t* out) {
  if (s.empty() || s.size() > 9) return false;
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

struct ConfigTree::Impl {
  YAML::Node root;
  std::map<std::string, SourceLocation> override_where;
  mutable std::set<std::string> used;
  mutable std::set<std::string> sections;
  // Subtrees taken from an underlaid layer (a preset, an included file): key path -> its file.
  std::map<std::string, std::string> layer_file;

  // An index of the tree for lookups, built lazily along the paths looked up: each map's keys
  // are indexed the first time a lookup passes through it, so a lookup costs one ordered-map
  // search per component instead of a scan of every key of every map on its path. Anything
  // that changes the tree must call invalidate_index() first.
  struct Index {
    explicit Index(YAML::Node n) : node(std::move(n)) {}
    YAML::Node node;
    bool built = false;
    std::map<std::string, std::unique_ptr<Index>, std::less<>> keys;  // a map's entries
    std::vector<std::unique_ptr<Index>> elements;  // a sequence's, each made when first used
  };
  mutable std::unique_ptr<Index> index;

  void invalidate_index() { index.reset(); }

  // The child of `at` named by one key path component; nullptr if there is none.
  static Index* child(Index* at, std::string_view part) {
    const YAML::Node& n = at->node;
    if (!at->built) {
      at->built = true;
      if (n.IsMap()) {
        // The first of equal keys, as a scan in file order finds (the parser refuses
        // duplicates; this keeps lookups the same whatever the tree holds).
        for (auto it = n.begin(); it != n.end(); ++it) {
          if (!it->first.IsScalar()) continue;
          auto [k, fresh] = at->keys.try_emplace(it->first.Scalar());
          if (fresh) k->second = std::make_unique<Index>(it->second);
        }
      } else if (n.IsSequence()) {
        at->elements.resize(n.size());
      }
    }
    if (n.IsMap()) {
      auto k = at->keys.find(part);
      return k == at->keys.end() ? nullptr : k->second.get();
    }
    if (n.IsSequence()) {
      size_t idx = 0;
      if (!parse_index(part, &idx) || idx >= at->elements.size()) return nullptr;
      auto& e = at->elements[idx];
      if (!e) e = std::make_unique<Index>(n[idx]);
      return e.get();
    }
    return nullptr;
  }

  // The nodes on key_path that exist, from the root: chain[0] is the root and chain[i] the
  // node of the first i components; it stops at the first component that is absent.
  void walk(const std::string& key_path, std::vector<const YAML::Node*>* chain) const {
    if (!index) index = std::make_unique<Index>(root);
    Index* at = index.get();
    chain->push_back(&at->node);
    if (key_path.empty()) return;
    size_t begin = 0;
    while (true) {
      const size_t dot = key_path.find('.', begin);
      const size_t end = dot == std::string::npos ? key_path.size() : dot;
      at = child(at, std::string_view(key_path).substr(begin, end - begin));
      if (!at) return;
      chain->push_back(&at->node);
      if (dot == std::string::npos) return;
      begin = dot + 1;
    }
  }

  // Number of components of key_path (as split_path counts them).
  static size_t components(const std::string& key_path) {
    if (key_path.empty()) return 0;
    return 1 + static_cast<size_t>(std::count(key_path.begin(), key_path.end(), '.'));
  }

  // Finds the node at key_path without creating anything.
  std::optional<YAML::Node> find(const std::string& key_path) const {
    std::vector<const YAML::Node*> chain;
    walk(key_path, &chain);
    if (chain.size() != components(key_path) + 1) return std::nullopt;
    return *chain.back();
  }
};

ConfigTree::ConfigTree() : impl_(std::make_unique<Impl>()) {}
ConfigTree::~ConfigTree() = default;
ConfigTree::ConfigTree(ConfigTree&&) noexcept = default;
ConfigTree& ConfigTree::operator=(ConfigTree&&) noexcept = default;

ConfigTree ConfigTree::from_string(const std::string& text, const std::string& name) {
  ConfigTree t;
  t.file_ = name;
  if (text.size() > kConfigMaxFileBytes) {
    config_error({name, 0, 0}, "",
                 "larger than " + std::to_string(kConfigMaxFileBytes) + " bytes (a scenario)");
  }
  t.impl_->root = config_yaml::load_one_document(text, name);
  if (t.impl_->root.IsNull()) t.impl_->root = YAML::Node(YAML::NodeType::Map);
  if (!t.impl_->root.IsMap()) config_error({name, 1, 1}, "", "the scenario must be a YAML map");
  config_yaml::check_node(t.impl_->root, "", kConfigMaxDepth, name, std::nullopt);
  return t;
}

ConfigTree ConfigTree::from_file(const std::string& path) {
  return from_string(config_yaml::read_scenario_file(path), path);
}

void ConfigTree::apply_override(const std::string& assignment) {
  SourceLocation where{"--set " + assignment, 0, 0};
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    config_error(where, "", "expected key.path=value");
  }
  std::string key_path = assignment.substr(0, eq);
  std::string value_text = assignment.substr(eq + 1);
  if (assignment.size() > kConfigMaxFileBytes) {
    config_error({"--set " + assignment.substr(0, 64) + "...", 0, 0}, "",
                 "longer than " + std::to_string(kConfigMaxFileBytes) + " bytes");
  }
  auto parts = split_path(key_path);
  if (parts.size() > static_cast<size_t>(kConfigMaxDepth)) {
    config_error({"--set " + key_path.substr(0, 64) + "...", 0, 0}, "",
                 "a key path of " + std::to_string(parts.size()) + " components (at most " +
                     std::to_string(kConfigMaxDepth) + ")");
  }
  for (const auto& p : parts) {
    if (p.empty()) config_error(where, key_path, "empty component in key path");
  }
  YAML::Node value;
  try {
    if (config_yaml::has_second_document(value_text)) {
      config_error(where, key_path, "a value of more than one YAML document");
    }
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    config_error(where, key_path, "cannot parse value: " + e.msg);
  }
  if (value.IsNull() && !value_text.empty() && value_text != "null" && value_text != "~") {
    config_error(where, key_path, "cannot parse value");
  }
  config_yaml::check_node(value, key_path, kConfigMaxDepth - static_cast<int>(parts.size()), file_,
                          where);
  impl_->invalidate_index();
  // Walk and create maps as needed. YAML::Node is a handle, so assignment writes through.
  std::vector<YAML::Node> chain{impl_->root};
  bool new_list = false;  // chain.back() is a list this override just created
  for (size_t i = 0; i < parts.size(); ++i) {
    YAML::Node n = chain.back();
    const bool last = (i + 1 == parts.size());
    size_t idx = 0;
    if (n.IsSequence() && parse_index(parts[i], &idx)) {
      // A list the tree did not have stands for its loader's default entry: index 1 appends
      // after an empty entry (every default) in its place.
      if (new_list && idx == 1) n.push_back(YAML::Node(YAML::NodeType::Map));
      new_list = false;
      // An index one past the end appends an element (a new list entry from --set).
      if (idx > n.size()) config_error(where, key_path, "index out of range");
      if (idx == n.size()) n.push_back(last ? value : YAML::Node(YAML::NodeType::Map));
      if (last) {
        n[idx] = value;
      } else {
        YAML::Node child = n[idx];
        if (!child.IsMap() && !child.IsSequence()) {
          config_error(where, key_path, "element " + parts[i] + " is a value, not a section");
        }
        chain.push_back(child);
      }
      continue;
    }
    if (!n.IsMap()) {
      config_error(where, key_path, "'" + parts[i - 1] + "' is a value, not a section");
    }
    if (last) {
      n[parts[i]] = value;
    } else {
      YAML::Node child = n[parts[i]];
      if (!child.IsDefined() || child.IsNull()) {
        // A numeric next component starts a list (processes.0.name=... on a scenario that
        // has no processes yet).
        size_t next_idx = 0;
        const bool list = parse_index(parts[i + 1], &next_idx);
        n[parts[i]] = YAML::Node(list ? YAML::NodeType::Sequence : YAML::NodeType::Map);
        child = n[parts[i]];
        new_list = list;
      }
      chain.push_back(child);
    }
  }
  impl_->override_where[key_path] = where;
}

namespace {

// The file a node at key_path came from: the nearest of it and its ancestors taken from a layer,
// else the tree's own file.
const std::string& file_of(const std::map<std::string, std::string>& layer_file,
                           const std::string& own_file, const std::string& key_path) {
  if (layer_file.empty()) return own_file;
  std::string p = key_path;
  while (true) {
    if (auto it = layer_file.find(p); it != layer_file.end()) return it->second;
    const auto dot = p.rfind('.');
    if (dot == std::string::npos) return own_file;
    p.resize(dot);
  }
}

}  // namespace

void ConfigTree::underlay(const ConfigTree& base) {
  impl_->invalidate_index();
  auto& layer_file = impl_->layer_file;
  const auto& base_layers = base.impl_->layer_file;
  // Takes base's subtree at `path` (the node itself is shared, so its marks come along).
  auto take = [&](const std::string& path) {
    layer_file[path] = file_of(base_layers, base.file_, path);
    const std::string under = path + ".";
    for (auto it = base_layers.lower_bound(under);
         it != base_layers.end() && it->first.compare(0, under.size(), under) == 0; ++it) {
      layer_file[it->first] = it->second;
    }
  };
  // Recursion is bounded: both trees are at most kConfigMaxDepth levels deep.
  std::function<void(YAML::Node, const YAML::Node&, const std::string&)> merge =
      [&](YAML::Node dst, const YAML::Node& src, const std::string& path) {
        for (auto it = src.begin(); it != src.end(); ++it) {
          const std::string k = it->first.Scalar();
          const std::string child = path.empty() ? k : path + "." + k;
          std::optional<YAML::Node> mine;
          for (auto d = dst.begin(); d != dst.end(); ++d) {
            if (d->first.IsScalar() && d->first.Scalar() == k) {
              mine = d->second;
              break;
            }
          }
          if (!mine) {
            dst[k] = it->second;
            take(child);
          } else if (mine->IsMap() && it->second.IsMap()) {
            merge(*mine, it->second, child);
          }
        }
      };
  merge(impl_->root, base.impl_->root, "");
}

void ConfigTree::erase(const std::string& top_key) {
  impl_->invalidate_index();
  if (impl_->root.IsMap()) impl_->root.remove(top_key);
}

std::vector<std::string> ConfigTree::leaf_paths(const std::string& prefix) const {
  std::vector<std::string> out;
  auto start = prefix.empty() ? std::optional<YAML::Node>(impl_->root) : impl_->find(prefix);
  if (!start) return out;
  std::vector<std::pair<YAML::Node, std::string>> stack{{*start, prefix}};
  while (!stack.empty()) {
    auto [n, path] = std::move(stack.back());
    stack.pop_back();
    if (n.IsMap() && n.size() > 0) {
      std::vector<std::pair<YAML::Node, std::string>> children;
      for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string k = it->first.as<std::string>("");
        children.emplace_back(it->second, path.empty() ? k : path + "." + k);
      }
      for (auto c = children.rbegin(); c != children.rend(); ++c) stack.push_back(std::move(*c));
    } else if (n.IsSequence() && n.size() > 0) {
      for (size_t i = n.size(); i > 0; --i) {
        stack.emplace_back(n[i - 1], path + "." + std::to_string(i - 1));
      }
    } else {
      out.push_back(path);
    }
  }
  return out;
}

std::optional<ConfigTree::Scalar> ConfigTree::scalar(const std::string& key_path) const {
  auto n = impl_->find(key_path);
  if (!n) return std::nullopt;
  Scalar s;
  s.where = location(key_path);
  if (n->IsScalar()) {
    s.text = n->Scalar();
  } else if (n->IsNull()) {
    s.text = "";
  } else {
    s.is_scalar = false;
  }
  return s;
}

bool ConfigTree::has(const std::string& key_path) const {
  return impl_->find(key_path).has_value();
}

SourceLocation ConfigTree::location(const std::string& key_path) const {
  // An override of this key or of an ancestor wins.
  std::string p = key_path;
  while (true) {
    auto it = impl_->override_where.find(p);
    if (it != impl_->override_where.end()) return it->second;
    auto dot = p.rfind('.');
    if (dot == std::string::npos) break;
    p = p.substr(0, dot);
  }
  // A node an override created has no mark of its own: the override that created it.
  const std::string under = key_path + ".";
  if (auto d = impl_->override_where.lower_bound(under);
      d != impl_->override_where.end() && d->first.rfind(under, 0) == 0) {
    auto node = impl_->find(key_path);
    if (node && node->Mark().line < 0) return d->second;
  }
  // Otherwise the deepest existing node's mark (the root's does not count), in the file of the
  // layer it came from.
  std::vector<const YAML::Node*> chain;
  impl_->walk(key_path, &chain);
  for (size_t n = chain.size(); n > 1; --n) {
    const auto m = chain[n - 1]->Mark();
    if (m.line < 0) continue;
    // The key path of chain[n - 1]: its first n - 1 components.
    size_t end = 0;
    for (size_t c = 0; c < n - 1; ++c) {
      end = key_path.find('.', c == 0 ? 0 : end + 1);
      if (end == std::string::npos) end = key_path.size();
    }
    return {file_of(impl_->layer_file, file_, key_path.substr(0, end)), m.line + 1, m.column + 1};
  }
  return {file_, 0, 0};
}

std::vector<std::string> ConfigTree::keys(const std::string& key_path) const {
  std::vector<std::string> out;
  auto n = key_path.empty() ? std::optional<YAML::Node>(impl_->root) : impl_->find(key_path);
  if (!n || !n->IsMap()) return out;
  for (auto it = n->begin(); it != n->end(); ++it) out.push_back(it->first.as<std::string>(""));
  return out;
}

std::optional<size_t> ConfigTree::sequence_size(const std::string& key_path) const {
  auto n = impl_->find(key_path);
  if (!n || !n->IsSequence()) return std::nullopt;
  return n->size();
}

std::optional<std::string> ConfigTree::flow_text(const std::string& key_path) const {
  auto n = impl_->find(key_path);
  if (!n) return std::nullopt;
  if (n->IsScalar()) return n->Scalar();
  YAML::Emitter out;
  out << YAML::Flow << *n;
  return std::string(out.c_str());
}

namespace {
std::optional<YAML::Node> literal_child(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::vector<std::string>> ConfigTree::literal_key_list(const std::string& map_path,
                                                                     const std::string& key) const {
  auto map = impl_->find(map_path);
  if (!map) return std::nullopt;
  auto n = literal_child(*map, key);
  if (!n || !n->IsSequence()) return std::nullopt;
  std::vector<std::string> out;
  for (size_t i = 0; i < n->size(); ++i) {
    const YAML::Node e = (*n)[i];
    if (e.IsScalar()) {
      out.push_back(e.Scalar());
    } else {
      YAML::Emitter em;
      em << YAML::Flow << e;
      out.push_back(em.c_str());
    }
  }
  return out;
}

SourceLocation ConfigTree::literal_key_location(const std::string& map_path,
                                                const std::string& key) const {
  auto map = impl_->find(map_path);
  if (map) {
    if (auto n = literal_child(*map, key)) {
      auto m = n->Mark();
      const std::string path = map_path.empty() ? key : map_path + "." + key;
      if (m.line >= 0) return {file_of(impl_->layer_file, file_, path), m.line + 1, m.column + 1};
    }
  }
  return location(map_path);
}

std::optional<ConfigTree::Scalar> ConfigTree::literal_key_scalar(const std::string& map_path,
                                                                 const std::string& key) const {
  auto map = map_path.empty() ? std::optional<YAML::Node>(impl_->root) : impl_->find(map_path);
  if (!map) return std::nullopt;
  auto n = literal_child(*map, key);
  if (!n) return std::nullopt;
  Scalar s;
  s.where = literal_key_location(map_path, key);
  if (n->IsScalar()) {
    s.text = n->Scalar();
  } else if (!n->IsNull()) {
    s.is_scalar = false;
  }
  return s;
}

void ConfigTree::mark_used(const std::string& key_path) const { impl_->used.insert(key_path); }

void ConfigTree::mark_section(const std::string& key_path) const {
  impl_->sections.insert(key_path);
}

std::vector<std::string> ConfigTree::unused_keys(const std::string& prefix) const {
  return unused_keys_where(prefix, nullptr);
}

std::vector<std::string> ConfigTree::unused_keys_where(const std::string& prefix,
                                                       std::vector<SourceLocation>* where) const {
  std::vector<std::string> out;
  auto start = prefix.empty() ? std::optional<YAML::Node>(impl_->root) : impl_->find(prefix);
  if (!start) return out;
  // The node's own mark, for a key whose path does not lead back to it (a key with a dot in it).
  auto mark = [&](const YAML::Node& n, const std::string& path) {
    if (!where) return;
    const auto m = n.Mark();
    where->push_back(m.line < 0 ? SourceLocation{file_, 0, 0}
                                : SourceLocation{file_of(impl_->layer_file, file_, path),
                                                 m.line + 1, m.column + 1});
  };
  // Depth-first in file order with an explicit stack (the tree's depth and size were bounded
  // when it was parsed).
  std::vector<std::pair<YAML::Node, std::string>> stack{{*start, prefix}};
  while (!stack.empty()) {
    auto [n, path] = std::move(stack.back());
    stack.pop_back();
    if (!path.empty() && impl_->used.count(path)) continue;
    const bool section = impl_->sections.count(path) > 0;
    if (n.IsMap()) {
      if (n.size() == 0 && !path.empty() && !section) {
        out.push_back(path);
        mark(n, path);
      }
      std::vector<std::pair<YAML::Node, std::string>> children;
      for (auto it = n.begin(); it != n.end(); ++it) {
        std::string k = it->first.as<std::string>("");
        children.emplace_back(it->second, path.empty() ? k : path + "." + k);
      }
      for (auto c = children.rbegin(); c != children.rend(); ++c) stack.push_back(std::move(*c));
    } else if (n.IsSequence()) {
      for (size_t i = n.size(); i > 0; --i) {
        stack.emplace_back(n[i - 1], path + "." + std::to_string(i - 1));
      }
    } else if (!(section && n.IsNull())) {  // `system:` with nothing under it is empty
      out.push_back(path);
      mark(n, path);
    }
  }
  return out;
}

void ConfigTree::check_all_used(const std::string& prefix) const {
  std::vector<SourceLocation> where;
  auto unused = unused_keys_where(prefix, &where);
  if (unused.empty()) return;
  const std::string& key = unused.front();
  if (impl_->sections.count(key)) {
    auto s = scalar(key);
    config_error(location(key), key,
                 "expected a section (a map of parameters), got '" + (s ? s->text : "") + "'");
  }
  // A key with a dot in its name: its path does not lead back to it, its node's mark does.
  SourceLocation at = location(key);
  if (!has(key) && where.front().line > 0) at = where.front();
  config_error(at, key, "unknown key");
}

}  // namespace wdsim
