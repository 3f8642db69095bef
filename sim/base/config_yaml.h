// How the config tree reads YAML text without trusting it (config_tree.cc's parsing half): a
// scenario file read only when it is a regular file of at most kConfigMaxFileBytes, one
// document at most (yaml-cpp's LoadAll never ends on some inputs, so documents are counted one
// at a time), and every parsed node checked: keys non-empty scalars given once, no alias inside
// itself, nesting and size (aliases expanded) bounded. Every failure is a located ConfigError.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "sim/base/config_tree.h"

namespace wdsim::config_yaml {

// file:line:column of a yaml-cpp mark (line 0 when the mark is null).
SourceLocation mark_location(const std::string& file, const YAML::Mark& m);

// The bytes of the scenario file at `path`: a regular file of at most kConfigMaxFileBytes.
std::string read_scenario_file(const std::string& path);

// Parses one YAML document; a second one (or text yaml-cpp reads as one) is an error.
YAML::Node load_one_document(const std::string& text, const std::string& file);

// Whether `text` holds more than one YAML document (a --set value must be one).
bool has_second_document(const std::string& text);

// Checks a parsed node before anything reads it: every map key a non-empty scalar given once,
// no alias that contains itself, at most `depth_budget` levels, at most kConfigMaxNodes keys and
// values with aliases expanded (linear in the text however much they expand). `base` is the
// node's key path; `where`, when set, locates every error (a --set value).
void check_node(const YAML::Node& node, const std::string& base, int depth_budget,
                const std::string& file, const std::optional<SourceLocation>& where);

}  // namespace wdsim::config_yaml
