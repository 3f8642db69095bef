// Parameters, declared once. A block writes one `declare(ParamScope&)` function that names each
// parameter with its type, default, unit, description, source of the default and valid range.
// The same function serves `wdsim describe` (describe mode: collect the specs) and scenario
// loading (load mode: set every field from the config tree or its default, checking type and
// range, and naming file:line:column and the key path on error).
//
// Durations (unit ns, us, ms or s) get an upper bound when their range names none:
// kMaxDurationSeconds, so that no value overflows the picosecond arithmetic of sc_time (whose
// 64-bit count of ps ends at about 1.8e7 s) even when it is summed or multiplied by a count.
//
// Example:
//   struct DramParams {
//     double latency_ns;
//     void declare(ParamScope& s) {
//       s.add("latency_ns", latency_ns, 80.0, "ns", "Idle read latency", "guess", Range::min(0));
//     }
//   };
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace wdsim {

// Where a value came from, for error messages: "file:line:column" or "--set key=value".
struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string str() const;
};

// Bad input: a scenario file, a --set value, a parameter. The CLI exits 2 on it.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& what) : std::runtime_error(what) {}
};

// Throws ConfigError "<where>: <key_path>: <message>".
[[noreturn]] void config_error(const SourceLocation& where, std::string_view key_path,
                               std::string_view message);

// Reads a whole number: decimal digits (no sign, space or leading zero: 010 is an error, not
// octal 8 nor decimal 10) or 0x and hex digits. Returns why the text is not one (out of range
// included), or nullopt and sets *out.
std::optional<std::string> parse_uint_text(std::string_view text, uint64_t* out);

enum class ParamType { kBool, kInt, kUint, kDouble, kString, kUintList, kStringList };
const char* param_type_name(ParamType t);

// The longest duration any parameter may take (see the header comment): 10^4 s, far beyond
// every timeout and latency of a real system and 1800 times below sc_time's end.
inline constexpr double kMaxDurationSeconds = 1e4;
// How many `unit`s ("ns", "us", "ms", "s") make one second; 0 when the unit is not a duration.
double units_per_second(std::string_view unit);

struct Range {
  std::optional<double> lo;
  std::optional<double> hi;
  static Range any() { return {}; }
  static Range min(double lo) { return {lo, std::nullopt}; }
  static Range between(double lo, double hi) { return {lo, hi}; }
};

// What `wdsim describe` prints for one parameter.
struct ParamSpec {
  std::string key_path;
  ParamType type;
  std::string default_text;
  std::string unit;
  std::string description;
  std::string source;  // where the default comes from: datasheet, paper, measurement, "guess"
  Range range;
  std::vector<std::string> choices;  // for enumerated strings; empty otherwise
};

class ConfigTree;  // a parsed scenario file (sim/base/config_tree.h)

// One level of the parameter tree. Cheap to copy; sub() descends.
class ParamScope {
 public:
  // Describe mode: every add() appends a spec to *out and sets the field to its default.
  static ParamScope describe(std::string prefix, std::vector<ParamSpec>* out);
  // Load mode: every add() reads `prefix.name` from the tree (or takes the default), checks
  // it, and marks the key as used so unknown keys can be reported afterwards.
  static ParamScope load(std::string prefix, const ConfigTree* tree);

  ParamScope sub(std::string_view name) const;
  // Describe mode (no tree) or load mode (tree() is the scenario being loaded).
  bool describing() const { return describe_out_ != nullptr; }
  const ConfigTree* tree() const { return tree_; }
  const std::string& prefix() const { return prefix_; }
  std::string key_path(std::string_view name) const;

  template <class T, class D>
  void add(std::string_view name, T& field, D default_value, std::string_view unit,
           std::string_view description, std::string_view source, Range range = Range::any()) {
    static_assert(std::is_same_v<T, bool> || std::is_integral_v<T> || std::is_floating_point_v<T> ||
                  std::is_same_v<T, std::string>);
    ParamSpec spec{key_path(name),
                   type_of<T>(),
                   "",
                   std::string(unit),
                   std::string(description),
                   std::string(source),
                   with_duration_cap(range, unit),
                   {}};
    field = static_cast<T>(default_value);
    spec.default_text = to_text(field);
    bind(spec, &field);
  }

  // A list, written in YAML as a sequence ([64, 1024]) or a single value. Each element is
  // checked against `range` (numbers) or `choices` (strings, when not empty).
  void add_list(std::string_view name, std::vector<uint64_t>& field,
                std::vector<uint64_t> default_value, std::string_view unit,
                std::string_view description, std::string_view source, Range range = Range::any());
  void add_list(std::string_view name, std::vector<std::string>& field,
                std::vector<std::string> default_value, std::vector<std::string> choices,
                std::string_view description, std::string_view source);

  // A constraint beyond a range, checked in load mode right after the field was added:
  // when `ok` is false the error names the key's location and path with `message`.
  void require(std::string_view name, bool ok, std::string_view message) const;
  // The same for a constraint between several keys: the error names the first of `names` the
  // scenario sets (the value the user wrote), or the first of them when none is set.
  void require_any(std::initializer_list<std::string_view> names, bool ok,
                   std::string_view message) const;
  // Load mode: whether the scenario (or a --set) gives `name` a value. False in describe mode.
  bool given(std::string_view name) const;

  // A string restricted to `choices`.
  void add_choice(std::string_view name, std::string& field, std::string_view default_value,
                  std::vector<std::string> choices, std::string_view description,
                  std::string_view source);

 private:
  template <class T>
  static constexpr ParamType type_of() {
    if constexpr (std::is_same_v<T, bool>)
      return ParamType::kBool;
    else if constexpr (std::is_same_v<T, std::string>)
      return ParamType::kString;
    else if constexpr (std::is_floating_point_v<T>)
      return ParamType::kDouble;
    else if constexpr (std::is_signed_v<T>)
      return ParamType::kInt;
    else
      return ParamType::kUint;
  }
  template <class T>
  static std::string to_text(const T& v) {
    if constexpr (std::is_same_v<T, bool>)
      return v ? "true" : "false";
    else if constexpr (std::is_same_v<T, std::string>)
      return v;
    else if constexpr (std::is_floating_point_v<T>)
      return double_text(v);
    else
      return std::to_string(v);
  }

 public:
  // Shortest text that reads back as exactly v.
  static std::string double_text(double v);

 private:
  template <class T>
  void bind(const ParamSpec& spec, T* field) {
    if (describe_out_) {
      describe_out_->push_back(spec);
      return;
    }
    if constexpr (std::is_same_v<T, bool>) {
      load_bool(spec, field);
    } else if constexpr (std::is_same_v<T, std::string>) {
      load_string(spec, field);
    } else if constexpr (std::is_floating_point_v<T>) {
      double v = *field;
      load_double(spec, &v);
      *field = static_cast<T>(v);
    } else if constexpr (std::is_signed_v<T>) {
      int64_t v = *field;
      load_int(spec, &v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
      *field = static_cast<T>(v);
    } else {
      uint64_t v = *field;
      load_uint(spec, &v, std::numeric_limits<T>::max());
      *field = static_cast<T>(v);
    }
  }
  static Range with_duration_cap(Range range, std::string_view unit);
  std::optional<std::vector<std::string>> list_elements(const ParamSpec& spec);
  void load_bool(const ParamSpec& spec, bool* field);
  void load_string(const ParamSpec& spec, std::string* field);
  void load_double(const ParamSpec& spec, double* field);
  void load_int(const ParamSpec& spec, int64_t* field, int64_t lo, int64_t hi);
  void load_uint(const ParamSpec& spec, uint64_t* field, uint64_t hi);

  std::string prefix_;
  std::vector<ParamSpec>* describe_out_ = nullptr;
  const ConfigTree* tree_ = nullptr;
};

// Collects the specs of a Params struct P (anything with `void declare(ParamScope&)`).
template <class P>
std::vector<ParamSpec> describe_params(const std::string& prefix) {
  std::vector<ParamSpec> specs;
  P p{};
  ParamScope scope = ParamScope::describe(prefix, &specs);
  p.declare(scope);
  return specs;
}

// Builds a P with every field at its default (no config).
template <class P>
P default_params() {
  std::vector<ParamSpec> ignored;
  P p{};
  ParamScope scope = ParamScope::describe("", &ignored);
  p.declare(scope);
  return p;
}

// Loads a P from `tree` under `prefix`.
template <class P>
P load_params(const ConfigTree& tree, const std::string& prefix) {
  P p{};
  ParamScope scope = ParamScope::load(prefix, &tree);
  p.declare(scope);
  return p;
}

}  // namespace wdsim
