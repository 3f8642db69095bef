#include "sim/base/params.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "sim/base/config_tree.h"

namespace wdsim {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

void config_error(const SourceLocation& where, std::string_view key_path,
                  std::string_view message) {
  std::string text = where.str();
  if (!key_path.empty()) text += (text.empty() ? "" : ": ") + std::string(key_path);
  text += ": " + std::string(message);
  throw ConfigError(text);
}

const char* param_type_name(ParamType t) {
  switch (t) {
    case ParamType::kBool:
      return "bool";
    case ParamType::kInt:
      return "int";
    case ParamType::kUint:
      return "uint";
    case ParamType::kDouble:
      return "double";
    case ParamType::kString:
      return "string";
    case ParamType::kUintList:
      return "list<uint>";
    case ParamType::kStringList:
      return "list<string>";
  }
  return "?";
}

ParamScope ParamScope::describe(std::string prefix, std::vector<ParamSpec>* out) {
  ParamScope s;
  s.prefix_ = std::move(prefix);
  s.describe_out_ = out;
  return s;
}

ParamScope ParamScope::load(std::string prefix, const ConfigTree* tree) {
  ParamScope s;
  s.prefix_ = std::move(prefix);
  s.tree_ = tree;
  return s;
}

ParamScope ParamScope::sub(std::string_view name) const {
  ParamScope s = *this;
  s.prefix_ = key_path(name);
  // A block's section: given empty (`system: {}`, `smmu:`) it is no unknown key.
  if (tree_) tree_->mark_section(s.prefix_);
  return s;
}

std::optional<std::string> parse_uint_text(std::string_view text, uint64_t* out) {
  if (text.empty()) return "an empty value";
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string_view digits = hex ? text.substr(2) : text;
  const uint64_t base = hex ? 16 : 10;
  if (!hex && digits.size() > 1 && digits[0] == '0') {
    return "a leading zero (octal or decimal?): write it without the zero, or as 0x hex";
  }
  uint64_t v = 0;
  for (char c : digits) {
    uint64_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint64_t>(c - '0');
    } else if (hex && c >= 'a' && c <= 'f') {
      d = static_cast<uint64_t>(c - 'a' + 10);
    } else if (hex && c >= 'A' && c <= 'F') {
      d = static_cast<uint64_t>(c - 'A' + 10);
    } else {
      return "not a whole number (decimal digits, or 0x and hex digits)";
    }
    if (v > (std::numeric_limits<uint64_t>::max() - d) / base) {
      return "out of range (at most " + std::to_string(std::numeric_limits<uint64_t>::max()) + ")";
    }
    v = v * base + d;
  }
  *out = v;
  return std::nullopt;
}

std::string ParamScope::key_path(std::string_view name) const {
  if (prefix_.empty()) return std::string(name);
  return prefix_ + "." + std::string(name);
}

std::string ParamScope::double_text(double v) {
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the shortest text that reads back exactly.
  for (int prec = 1; prec <= 17; ++prec) {
    char shorter[64];
    std::snprintf(shorter, sizeof shorter, "%.*g", prec, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return buf;
}

void ParamScope::add_choice(std::string_view name, std::string& field,
                            std::string_view default_value, std::vector<std::string> choices,
                            std::string_view description, std::string_view source) {
  ParamSpec spec{key_path(name),
                 ParamType::kString,
                 std::string(default_value),
                 "",
                 std::string(description),
                 std::string(source),
                 Range::any(),
                 std::move(choices)};
  field = std::string(default_value);
  bind(spec, &field);
}

namespace {

template <class T, class F>
std::string list_text(const std::vector<T>& v, F f) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + f(v[i]);
  return out + "]";
}

}  // namespace

void ParamScope::add_list(std::string_view name, std::vector<uint64_t>& field,
                          std::vector<uint64_t> default_value, std::string_view unit,
                          std::string_view description, std::string_view source, Range range) {
  ParamSpec spec{key_path(name),           ParamType::kUintList, "",    std::string(unit),
                 std::string(description), std::string(source),  range, {}};
  field = default_value;
  if (describe_out_) {
    spec.default_text = list_text(field, [](uint64_t x) { return std::to_string(x); });
    describe_out_->push_back(spec);
    return;
  }
  auto elements = list_elements(spec);
  if (!elements) return;
  field.clear();
  for (const auto& path : *elements) {
    ParamSpec element = spec;
    element.key_path = path;
    element.type = ParamType::kUint;
    uint64_t v = 0;
    load_uint(element, &v, std::numeric_limits<uint64_t>::max());
    field.push_back(v);
  }
}

void ParamScope::add_list(std::string_view name, std::vector<std::string>& field,
                          std::vector<std::string> default_value, std::vector<std::string> choices,
                          std::string_view description, std::string_view source) {
  ParamSpec spec{
      key_path(name),           ParamType::kStringList, "",           "",
      std::string(description), std::string(source),    Range::any(), std::move(choices)};
  field = default_value;
  if (describe_out_) {
    spec.default_text = list_text(field, [](const std::string& x) { return x; });
    describe_out_->push_back(spec);
    return;
  }
  auto elements = list_elements(spec);
  if (!elements) return;
  field.clear();
  for (const auto& path : *elements) {
    ParamSpec element = spec;
    element.key_path = path;
    element.type = ParamType::kString;
    std::string v;
    load_string(element, &v);
    field.push_back(v);
  }
}

void ParamScope::require(std::string_view name, bool ok, std::string_view message) const {
  if (describe_out_ || ok) return;
  const std::string key = key_path(name);
  config_error(tree_->location(key), key, message);
}

void ParamScope::require_any(std::initializer_list<std::string_view> names, bool ok,
                             std::string_view message) const {
  if (describe_out_ || ok || names.size() == 0) return;
  std::string_view blamed = *names.begin();
  for (std::string_view n : names) {
    if (given(n)) {
      blamed = n;
      break;
    }
  }
  require(blamed, false, message);
}

bool ParamScope::given(std::string_view name) const {
  return !describe_out_ && tree_ && tree_->has(key_path(name));
}

double units_per_second(std::string_view unit) {
  if (unit == "ns") return 1e9;
  if (unit == "us") return 1e6;
  if (unit == "ms") return 1e3;
  if (unit == "s") return 1.0;
  return 0;
}

Range ParamScope::with_duration_cap(Range range, std::string_view unit) {
  const double per_second = units_per_second(unit);
  if (per_second > 0 && !range.hi) range.hi = kMaxDurationSeconds * per_second;
  return range;
}

std::optional<std::vector<std::string>> ParamScope::list_elements(const ParamSpec& spec) {
  if (!tree_->has(spec.key_path)) return std::nullopt;
  auto n = tree_->sequence_size(spec.key_path);
  if (!n) return std::vector<std::string>{spec.key_path};  // a single value
  tree_->mark_used(spec.key_path);
  if (*n == 0) config_error(tree_->location(spec.key_path), spec.key_path, "empty list");
  std::vector<std::string> paths;
  for (size_t i = 0; i < *n; ++i) paths.push_back(spec.key_path + "." + std::to_string(i));
  return paths;
}

namespace {

// Fetches the scalar for a spec, or nullopt when the key is absent (default applies).
std::optional<ConfigTree::Scalar> fetch(const ConfigTree* tree, const ParamSpec& spec) {
  auto s = tree->scalar(spec.key_path);
  if (!s) return std::nullopt;
  tree->mark_used(spec.key_path);
  if (!s->is_scalar) {
    config_error(
        s->where, spec.key_path,
        std::string("expected a ") + param_type_name(spec.type) + " value, found a map or list");
  }
  return s;
}

void check_range(const ConfigTree::Scalar& s, const ParamSpec& spec, double v) {
  if ((spec.range.lo && v < *spec.range.lo) || (spec.range.hi && v > *spec.range.hi)) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "[%s, %s]",
                  spec.range.lo ? ParamScope::double_text(*spec.range.lo).c_str() : "-inf",
                  spec.range.hi ? ParamScope::double_text(*spec.range.hi).c_str() : "inf");
    config_error(
        s.where, spec.key_path,
        "value " + s.text + " is out of range " + buf + (spec.unit.empty() ? "" : " " + spec.unit));
  }
}

[[noreturn]] void wrong_type(const ConfigTree::Scalar& s, const ParamSpec& spec) {
  config_error(s.where, spec.key_path,
               std::string("expected ") + param_type_name(spec.type) + ", got '" + s.text + "'");
}

}  // namespace

void ParamScope::load_bool(const ParamSpec& spec, bool* field) {
  auto s = fetch(tree_, spec);
  if (!s) return;
  if (s->text == "true")
    *field = true;
  else if (s->text == "false")
    *field = false;
  else
    wrong_type(*s, spec);
}

void ParamScope::load_string(const ParamSpec& spec, std::string* field) {
  auto s = fetch(tree_, spec);
  if (!s) return;
  if (!spec.choices.empty()) {
    bool ok = false;
    std::string list;
    for (const auto& c : spec.choices) {
      ok |= (c == s->text);
      list += (list.empty() ? "" : ", ") + c;
    }
    if (!ok) config_error(s->where, spec.key_path, "'" + s->text + "' is not one of: " + list);
  }
  *field = s->text;
}

void ParamScope::load_double(const ParamSpec& spec, double* field) {
  auto s = fetch(tree_, spec);
  if (!s) return;
  const char* begin = s->text.c_str();
  char* end = nullptr;
  errno = 0;
  // strtod skips leading spaces; a value is its text alone.
  if (s->text.empty() || std::isspace(static_cast<unsigned char>(s->text[0]))) wrong_type(*s, spec);
  double v = std::strtod(begin, &end);
  if (*end != '\0' || !std::isfinite(v)) wrong_type(*s, spec);
  if (errno == ERANGE && v != 0) {
    config_error(s->where, spec.key_path, "value " + s->text + " does not fit a double");
  }
  check_range(*s, spec, v);
  *field = v;
}

void ParamScope::load_int(const ParamSpec& spec, int64_t* field, int64_t lo, int64_t hi) {
  auto s = fetch(tree_, spec);
  if (!s) return;
  const bool negative = !s->text.empty() && s->text[0] == '-';
  uint64_t magnitude = 0;
  if (auto why = parse_uint_text(std::string_view(s->text).substr(negative ? 1 : 0), &magnitude)) {
    if (why->rfind("out of range", 0) == 0) {
      config_error(s->where, spec.key_path, "value " + s->text + " does not fit");
    }
    if (why->rfind("a leading zero", 0) == 0) {
      config_error(s->where, spec.key_path, "value " + s->text + " has " + *why);
    }
    wrong_type(*s, spec);
  }
  const uint64_t limit =
      negative ? static_cast<uint64_t>(-(lo + 1)) + 1 : static_cast<uint64_t>(hi);
  if (magnitude > limit)
    config_error(s->where, spec.key_path, "value " + s->text + " does not fit");
  const int64_t v = negative
                        ? (magnitude == limit && limit != 0 ? lo : -static_cast<int64_t>(magnitude))
                        : static_cast<int64_t>(magnitude);
  check_range(*s, spec, static_cast<double>(v));
  *field = v;
}

void ParamScope::load_uint(const ParamSpec& spec, uint64_t* field, uint64_t hi) {
  auto s = fetch(tree_, spec);
  if (!s) return;
  uint64_t v = 0;
  if (auto why = parse_uint_text(s->text, &v)) {
    if (why->rfind("out of range", 0) == 0) {
      config_error(s->where, spec.key_path,
                   "value " + s->text + " does not fit (at most " + std::to_string(hi) + ")");
    }
    if (why->rfind("a leading zero", 0) == 0) {
      config_error(s->where, spec.key_path, "value " + s->text + " has " + *why);
    }
    wrong_type(*s, spec);  // a sign, a space, a fraction, a word
  }
  if (v > hi) {
    config_error(s->where, spec.key_path,
                 "value " + s->text + " does not fit (at most " + std::to_string(hi) + ")");
  }
  check_range(*s, spec, static_cast<double>(v));
  *field = v;
}

}  // namespace wdsim
