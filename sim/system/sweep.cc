// The sweep section of a scenario: its axes (each key a declared parameter, each value checked
// later by loading the point) and the points they make.
#include <algorithm>
#include <set>

#include "sim/system/scenario.h"

namespace wdsim {

// A swept key with its list indices replaced by [] ("processes.0.count" ->
// "processes[].count"), to match the described parameters.
std::string describe_key_path(const std::string& key) {
  std::string out, part;
  auto flush = [&] {
    const bool index = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    if (index) {
      out += "[]";
    } else {
      out += (out.empty() ? "" : ".") + part;
    }
    part.clear();
  };
  for (char c : key) {
    if (c == '.') {
      flush();
    } else {
      part += c;
    }
  }
  flush();
  return out;
}

// The sweep section: `sweep: {key.path: [v1, v2], ...}`. Each key must be a parameter;
// each point is checked later by loading the scenario with its --set values.
std::vector<SweepAxis> load_sweep(const ConfigTree& tree) {
  std::vector<SweepAxis> axes;
  if (!tree.has("sweep")) return axes;
  tree.mark_used("sweep");
  auto keys = tree.keys("sweep");
  if (keys.empty())
    config_error(tree.location("sweep"), "sweep", "expected a map of key: [values]");
  // Every parameter's key path, described once per process (a sweep loads every point).
  static const std::set<std::string> declared = [] {
    std::set<std::string> d;
    for (const auto& spec : describe_scenario()) d.insert(spec.key_path);
    return d;
  }();
  size_t points = 1;
  for (const auto& key : keys) {
    const std::string path = "sweep." + key;
    const SourceLocation where = tree.literal_key_location("sweep", key);
    SweepAxis axis;
    axis.key = key;
    std::string part;
    for (size_t i = 0; i <= key.size(); ++i) {
      if (i == key.size() || key[i] == ',') {
        const size_t b = part.find_first_not_of(' ');
        const size_t e = part.find_last_not_of(' ');
        if (b == std::string::npos) config_error(where, path, "an empty key path in a linked axis");
        axis.keys.push_back(part.substr(b, e - b + 1));
        part.clear();
      } else {
        part += key[i];
      }
    }
    for (const auto& k : axis.keys) {
      if (!declared.count(describe_key_path(k))) {
        config_error(where, path,
                     (axis.keys.size() > 1 ? k + ": " : std::string()) + "not a parameter");
      }
    }
    auto values = tree.literal_key_list("sweep", key);
    if (!values || values->empty()) {
      config_error(where, path, "expected a non-empty list of values");
    }
    axis.values = *values;
    if (axis.values.size() > kMaxSweepPoints / points) {
      config_error(where, path,
                   "the sweep has more than " + std::to_string(kMaxSweepPoints) +
                       " points (the product of its axes' value counts)");
    }
    points *= axis.values.size();
    for (const auto& v : axis.values) {
      if (axis.keys.size() == 1) {
        axis.settings.push_back({v});
        continue;
      }
      // A linked axis: a list with one element per key path, or one value for all.
      const ConfigTree value = ConfigTree::from_string("v: " + v, where.str());
      const auto n = value.sequence_size("v");
      std::vector<std::string> per_key;
      for (size_t i = 0; i < axis.keys.size(); ++i) {
        per_key.push_back(n ? value.flow_text("v." + std::to_string(i)).value_or("") : v);
      }
      if (n && *n != axis.keys.size()) {
        config_error(where, path,
                     "value " + v + " has " + std::to_string(*n) + " elements for " +
                         std::to_string(axis.keys.size()) + " linked key paths");
      }
      axis.settings.push_back(std::move(per_key));
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

std::vector<std::vector<std::string>> sweep_points(const std::vector<SweepAxis>& axes) {
  std::vector<std::vector<std::string>> points{{}};
  for (const auto& axis : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto& p : points) {
      for (const auto& setting : axis.settings) {
        auto q = p;
        for (size_t k = 0; k < axis.keys.size(); ++k) q.push_back(axis.keys[k] + "=" + setting[k]);
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  return points;
}

}  // namespace wdsim
