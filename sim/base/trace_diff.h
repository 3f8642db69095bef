// Comparing canonical protocol traces (trace.h's text form: "<time_ps> <component> <event>
// key=value ...", one event per line, sorted by time): what `wdsim trace diff`, `wdsim check`
// and the golden suite report.
// Three modes:
//   exact     the files are byte-identical (line by line);
//   protocol  every component saw the same events with the same fields in the same order;
//             timestamps, and how components interleave, are ignored;
//   timing    protocol, and each pair of matched events has timestamps within a tolerance:
//             |a - b| <= absolute_ps, or |a - b| <= relative * max(a, b) (either suffices).
// The report: a summary (per component and event kind, how many events each side has and how
// many differ), the first divergence with a few lines of context from both sides, and a unified
// diff (per component in protocol and timing modes), cut after max_diff_lines.
// A truncated or garbled trace is a ConfigError naming file:line.
// Does not: match events across components, or align traces that differ in more than
// kMaxEditDistance lines (the diff then shows the differing middle as one hunk).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wdsim {

struct TraceLine {
  uint64_t time_ps = 0;
  std::string component;
  std::string what;  // "<event> key=value ...": everything after the component
  int line = 0;      // 1-based line in its file
  std::string text;  // the whole line
};

// Parses a canonical trace. `name` is the file name used in errors. Throws ConfigError
// "<name>:<line>: <what is wrong>" for a line without time, component and event, a time that
// is not a decimal number or goes backwards, a field that is not key=value, or a last line
// without its newline (a truncated file).
std::vector<TraceLine> parse_trace(std::string_view text, const std::string& name);

enum class TraceDiffMode { kExact, kProtocol, kTiming };
// "exact", "protocol", "timing"; throws ConfigError for anything else.
TraceDiffMode trace_diff_mode(const std::string& name);
const char* trace_diff_mode_name(TraceDiffMode m);

struct TraceDiffOptions {
  TraceDiffMode mode = TraceDiffMode::kProtocol;
  double relative = 0.0;     // timing mode: allowed |a - b| / max(a, b)
  uint64_t absolute_ps = 0;  // timing mode: allowed |a - b|
  int context = 3;           // lines of context around a divergence and in diff hunks
  size_t max_diff_lines = 200;
};

struct TraceDiffResult {
  bool same = true;
  std::string report;  // empty when same
};

// Compares `a` (named name_a, e.g. the golden) with `b` (name_b, e.g. this run).
TraceDiffResult diff_traces(const std::vector<TraceLine>& a, const std::string& name_a,
                            const std::vector<TraceLine>& b, const std::string& name_b,
                            const TraceDiffOptions& options);

// A shortest edit script turning a into b (Myers), used for the diffs above.
enum class EditKind { kEqual, kDelete, kInsert };
struct Edit {
  EditKind kind;
  size_t a;  // index into a (kEqual, kDelete), or the a position before which b[b] is inserted
  size_t b;  // index into b (kEqual, kInsert), or the b position where a[a] is deleted
};
// Past kMaxEditDistance edits the differing middle is one deletion and one insertion block.
std::vector<Edit> edit_script(const std::vector<std::string_view>& a,
                              const std::vector<std::string_view>& b);

// Traces whose aligned parts differ in more lines than this are not aligned further.
constexpr size_t kMaxEditDistance = 4000;

}  // namespace wdsim
