#include "sim/base/config_tree.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <sstream>

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

bool parse_index(const std::string& s, size_t* out) {
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

  // Finds the node at key_path without creating anything.
  std::optional<YAML::Node> find(const std::string& key_path) const {
    std::vector<YAML::Node> chain;
    chain.push_back(root);
    for (const auto& part : split_path(key_path)) {
      const YAML::Node& n = chain.back();
      if (n.IsMap()) {
        bool found = false;
        for (auto it = n.begin(); it != n.end(); ++it) {
          if (it->first.IsScalar() && it->first.Scalar() == part) {
            chain.push_back(it->second);
            found = true;
            break;
          }
        }
        if (!found) return std::nullopt;
      } else if (n.IsSequence()) {
        size_t idx = 0;
        if (!parse_index(part, &idx) || idx >= n.size()) return std::nullopt;
        chain.push_back(n[idx]);
      } else {
        return std::nullopt;
      }
    }
    return chain.back();
  }
};

ConfigTree::ConfigTree() : impl_(std::make_unique<Impl>()) {}
ConfigTree::~ConfigTree() = default;
ConfigTree::ConfigTree(ConfigTree&&) noexcept = default;
ConfigTree& ConfigTree::operator=(ConfigTree&&) noexcept = default;

ConfigTree ConfigTree::from_string(const std::string& text, const std::string& name) {
  ConfigTree t;
  t.file_ = name;
  try {
    t.impl_->root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    config_error({name, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax error: " + e.msg);
  }
  if (t.impl_->root.IsNull()) t.impl_->root = YAML::Node(YAML::NodeType::Map);
  if (!t.impl_->root.IsMap()) config_error({name, 1, 1}, "", "the scenario must be a YAML map");
  return t;
}

ConfigTree ConfigTree::from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) config_error({path, 0, 0}, "", "cannot open scenario file");
  std::stringstream ss;
  ss << in.rdbuf();
  return from_string(ss.str(), path);
}

void ConfigTree::apply_override(const std::string& assignment) {
  SourceLocation where{"--set " + assignment, 0, 0};
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    config_error(where, "", "expected key.path=value");
  }
  std::string key_path = assignment.substr(0, eq);
  std::string value_text = assignment.substr(eq + 1);
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    config_error(where, key_path, "cannot parse value: " + e.msg);
  }
  if (value.IsNull() && !value_text.empty() && value_text != "null" && value_text != "~") {
    config_error(where, key_path, "cannot parse value");
  }
  auto parts = split_path(key_path);
  for (const auto& p : parts) {
    if (p.empty()) config_error(where, key_path, "empty component in key path");
  }
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
  // Otherwise the deepest existing node's mark.
  auto parts = split_path(key_path);
  for (size_t n = parts.size(); n > 0; --n) {
    std::string prefix;
    for (size_t i = 0; i < n; ++i) prefix += (i ? "." : "") + parts[i];
    auto node = impl_->find(prefix);
    if (node) {
      auto m = node->Mark();
      if (m.line >= 0) return {file_, m.line + 1, m.column + 1};
    }
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
      if (m.line >= 0) return {file_, m.line + 1, m.column + 1};
    }
  }
  return location(map_path);
}

void ConfigTree::mark_used(const std::string& key_path) const { impl_->used.insert(key_path); }

void ConfigTree::mark_section(const std::string& key_path) const {
  impl_->sections.insert(key_path);
}

std::vector<std::string> ConfigTree::unused_keys(const std::string& prefix) const {
  std::vector<std::string> out;
  auto start = prefix.empty() ? std::optional<YAML::Node>(impl_->root) : impl_->find(prefix);
  if (!start) return out;
  std::function<void(const YAML::Node&, const std::string&)> walk = [&](const YAML::Node& n,
                                                                        const std::string& path) {
    if (!path.empty() && impl_->used.count(path)) return;
    if (n.IsMap()) {
      if (n.size() == 0 && !path.empty() && !impl_->sections.count(path)) {
        out.push_back(path);
      }
      for (auto it = n.begin(); it != n.end(); ++it) {
        std::string k = it->first.as<std::string>("");
        walk(it->second, path.empty() ? k : path + "." + k);
      }
    } else if (n.IsSequence()) {
      for (size_t i = 0; i < n.size(); ++i) {
        walk(n[i], path + "." + std::to_string(i));
      }
    } else {
      out.push_back(path);
    }
  };
  walk(*start, prefix);
  return out;
}

void ConfigTree::check_all_used(const std::string& prefix) const {
  auto unused = unused_keys(prefix);
  if (!unused.empty()) config_error(location(unused.front()), unused.front(), "unknown key");
}

}  // namespace wdsim
