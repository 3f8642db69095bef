#include "sim/base/trace_diff.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

#include "sim/base/params.h"

namespace wdsim {

namespace {

[[noreturn]] void bad_line(const std::string& name, int line, const std::string& what) {
  throw ConfigError(name + ":" + std::to_string(line) + ": " + what);
}

std::string_view next_token(std::string_view& rest) {
  const size_t sp = rest.find(' ');
  std::string_view tok = rest.substr(0, sp);
  rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
  return tok;
}

// The event kind of a TraceLine: the first word of `what`.
std::string_view event_of(const TraceLine& l) {
  return std::string_view(l.what).substr(0, l.what.find(' '));
}

}  // namespace

// Myers' O((N+M)D) algorithm, keeping each step's frontier (O(D^2) memory) after stripping the
// common prefix and suffix.
std::vector<Edit> edit_script(const std::vector<std::string_view>& a,
                              const std::vector<std::string_view>& b) {
  std::vector<Edit> out;
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre &&
         a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) {
    ++suf;
  }
  for (size_t i = 0; i < pre; ++i) out.push_back({EditKind::kEqual, i, i});
  const long n = static_cast<long>(a.size() - pre - suf);
  const long m = static_cast<long>(b.size() - pre - suf);
  auto A = [&](long i) { return a[pre + static_cast<size_t>(i)]; };
  auto B = [&](long j) { return b[pre + static_cast<size_t>(j)]; };

  // frontier[d][k + d]: the furthest x on diagonal k (= x - y) after d edits.
  std::vector<std::vector<long>> frontier;
  long found = -1;
  const long max_d = std::min<long>(n + m, static_cast<long>(kMaxEditDistance));
  for (long d = 0; d <= max_d && found < 0; ++d) {
    std::vector<long> v(static_cast<size_t>(2 * d + 1));
    for (long k = -d; k <= d; k += 2) {
      long x;
      if (d == 0) {
        x = 0;
      } else {
        const std::vector<long>& prev = frontier.back();
        auto at = [&](long kk) { return prev[static_cast<size_t>(kk + d - 1)]; };
        x = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? at(k + 1) : at(k - 1) + 1;
      }
      long y = x - k;
      while (x < n && y < m && A(x) == B(y)) ++x, ++y;
      v[static_cast<size_t>(k + d)] = x;
      if (x >= n && y >= m) found = d;
    }
    frontier.push_back(std::move(v));
  }

  std::vector<Edit> middle;
  if (found < 0) {
    // Too different to align: the whole middle is replaced.
    for (long i = 0; i < n; ++i) middle.push_back({EditKind::kDelete, pre + i, pre});
    for (long j = 0; j < m; ++j) middle.push_back({EditKind::kInsert, pre + n, pre + j});
  } else {
    long x = n, y = m;
    for (long d = found; d > 0; --d) {
      const std::vector<long>& prev = frontier[static_cast<size_t>(d - 1)];
      auto at = [&](long kk) { return prev[static_cast<size_t>(kk + d - 1)]; };
      const long k = x - y;
      const bool down = k == -d || (k != d && at(k - 1) < at(k + 1));
      const long pk = down ? k + 1 : k - 1;
      const long px = at(pk);
      const long py = px - pk;
      const long sx = down ? px : px + 1;  // where the snake of step d starts
      while (x > sx) {
        --x, --y;
        middle.push_back({EditKind::kEqual, pre + x, pre + y});
      }
      if (down) {
        middle.push_back({EditKind::kInsert, pre + px, pre + py});
      } else {
        middle.push_back({EditKind::kDelete, pre + px, pre + py});
      }
      x = px, y = py;
    }
    while (x > 0) {
      --x, --y;
      middle.push_back({EditKind::kEqual, pre + x, pre + y});
    }
    std::reverse(middle.begin(), middle.end());
  }
  out.insert(out.end(), middle.begin(), middle.end());
  for (size_t i = 0; i < suf; ++i) {
    out.push_back({EditKind::kEqual, a.size() - suf + i, b.size() - suf + i});
  }
  return out;
}

namespace {

// ---- The report ------------------------------------------------------------------------------

// One sequence compared: all lines (exact mode) or one component's (protocol, timing).
struct Stream {
  std::string label;  // "" for the whole trace, else the component
  std::vector<const TraceLine*> a;
  std::vector<const TraceLine*> b;
  std::vector<Edit> edits;
  bool changed() const {
    return std::any_of(edits.begin(), edits.end(),
                       [](const Edit& e) { return e.kind != EditKind::kEqual; });
  }
};

struct KindCount {
  uint64_t a = 0, b = 0, differing = 0;
};

std::string line_ref(const TraceLine& l) { return std::to_string(l.line) + ": " + l.text; }

void append_context(std::string& out, const std::string& side, const std::string& name,
                    const std::vector<const TraceLine*>& lines, size_t at, int context) {
  out += "  " + side + " (" + name + "):\n";
  const size_t from = at > static_cast<size_t>(context) ? at - context : 0;
  const size_t to = std::min(lines.size(), at + context + 1);
  if (from == to) out += "      (no events)\n";
  for (size_t i = from; i < to; ++i)
    out += (i == at ? "    > " : "      ") + line_ref(*lines[i]) + "\n";
  if (at >= lines.size()) out += "    > (end of " + name + ")\n";
}

// Unified-diff hunks of one stream, appended to out while under the line budget. Changes closer
// than 2 * context equal lines share a hunk.
void append_hunks(std::string& out, const Stream& s, int context, size_t* budget) {
  const auto& e = s.edits;
  std::vector<size_t> changes;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i].kind != EditKind::kEqual) changes.push_back(i);
  }
  const size_t ctx = static_cast<size_t>(std::max(context, 0));
  auto first_line = [](const std::vector<const TraceLine*>& v, size_t idx) {
    return idx < v.size() ? v[idx]->line : (v.empty() ? 0 : v.back()->line + 1);
  };
  size_t c = 0;
  while (c < changes.size()) {
    size_t last = c;
    while (last + 1 < changes.size() && changes[last + 1] - changes[last] <= 2 * ctx + 1) ++last;
    const size_t start = changes[c] > ctx ? changes[c] - ctx : 0;
    const size_t end = std::min(e.size(), changes[last] + ctx + 1);
    c = last + 1;
    size_t a_count = 0, b_count = 0;
    for (size_t k = start; k < end; ++k) {
      a_count += e[k].kind != EditKind::kInsert;
      b_count += e[k].kind != EditKind::kDelete;
    }
    if (*budget == 0) return;
    out += "@@ " + (s.label.empty() ? std::string() : s.label + " ") + "-" +
           std::to_string(first_line(s.a, e[start].a)) + "," + std::to_string(a_count) + " +" +
           std::to_string(first_line(s.b, e[start].b)) + "," + std::to_string(b_count) + " @@\n";
    for (size_t k = start; k < end; ++k) {
      if (*budget == 0) {
        out += "... (diff cut here)\n";
        return;
      }
      --*budget;
      switch (e[k].kind) {
        case EditKind::kEqual:
          out += " " + s.a[e[k].a]->text + "\n";
          break;
        case EditKind::kDelete:
          out += "-" + s.a[e[k].a]->text + "\n";
          break;
        case EditKind::kInsert:
          out += "+" + s.b[e[k].b]->text + "\n";
          break;
      }
    }
  }
}

std::string summary_table(const std::map<std::pair<std::string, std::string>, KindCount>& counts,
                          const char* differing_label) {
  size_t cw = 9, ew = 5;
  for (const auto& [key, c] : counts) {
    if (c.differing == 0) continue;
    cw = std::max(cw, key.first.size());
    ew = std::max(ew, key.second.size());
  }
  auto pad = [](const std::string& t, size_t w) { return t + std::string(w + 2 - t.size(), ' '); };
  char buf[64];
  std::string out = "  " + pad("component", cw) + pad("event", ew) + "       A       B  " +
                    differing_label + "\n";
  for (const auto& [key, c] : counts) {
    if (c.differing == 0) continue;
    std::snprintf(buf, sizeof buf, "%8llu%8llu  %llu", static_cast<unsigned long long>(c.a),
                  static_cast<unsigned long long>(c.b),
                  static_cast<unsigned long long>(c.differing));
    out += "  " + pad(key.first, cw) + pad(key.second, ew) + buf + "\n";
  }
  return out;
}

}  // namespace

std::vector<TraceLine> parse_trace(std::string_view text, const std::string& name) {
  std::vector<TraceLine> out;
  int line_no = 0;
  uint64_t last_time = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      bad_line(name, line_no, "no newline at the end: the trace is truncated");
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    TraceLine l;
    l.line = line_no;
    l.text = std::string(line);
    std::string_view rest = line;
    const std::string_view time = next_token(rest);
    if (time.empty() || time.size() > 20 ||
        !std::all_of(time.begin(), time.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      bad_line(name, line_no,
               "expected '<time_ps> <component> <event> key=value...', got '" +
                   std::string(line.substr(0, 80)) + "'");
    }
    uint64_t t = 0;
    for (char c : time) {
      const uint64_t digit = static_cast<uint64_t>(c - '0');
      if (t > (UINT64_MAX - digit) / 10) bad_line(name, line_no, "time does not fit 64 bits");
      t = t * 10 + digit;
    }
    if (t < last_time) {
      bad_line(name, line_no,
               "time " + std::to_string(t) + " ps is before the previous line's " +
                   std::to_string(last_time) + " ps (a canonical trace is sorted by time)");
    }
    last_time = t;
    l.time_ps = t;
    l.component = std::string(next_token(rest));
    l.what = std::string(rest);
    const std::string_view event = next_token(rest);
    if (l.component.empty() || event.empty()) {
      bad_line(name, line_no, "expected a component and an event after the time");
    }
    while (!rest.empty()) {
      const std::string_view field = next_token(rest);
      const size_t eq = field.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        bad_line(name, line_no, "field '" + std::string(field) + "' is not key=value");
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

TraceDiffMode trace_diff_mode(const std::string& name) {
  if (name == "exact") return TraceDiffMode::kExact;
  if (name == "protocol") return TraceDiffMode::kProtocol;
  if (name == "timing") return TraceDiffMode::kTiming;
  throw ConfigError("trace diff mode '" + name + "': expected exact, protocol or timing");
}

const char* trace_diff_mode_name(TraceDiffMode m) {
  switch (m) {
    case TraceDiffMode::kExact:
      return "exact";
    case TraceDiffMode::kProtocol:
      return "protocol";
    case TraceDiffMode::kTiming:
      return "timing";
  }
  return "?";
}

TraceDiffResult diff_traces(const std::vector<TraceLine>& a, const std::string& name_a,
                            const std::vector<TraceLine>& b, const std::string& name_b,
                            const TraceDiffOptions& options) {
  // The streams: the whole trace, or one per component in first-seen order (A's, then B's).
  std::vector<Stream> streams;
  if (options.mode == TraceDiffMode::kExact) {
    streams.push_back({"", {}, {}, {}});
    for (const TraceLine& l : a) streams[0].a.push_back(&l);
    for (const TraceLine& l : b) streams[0].b.push_back(&l);
  } else {
    std::map<std::string, size_t> index;
    auto stream_of = [&](const std::string& component) -> Stream& {
      auto [it, fresh] = index.emplace(component, streams.size());
      if (fresh) streams.push_back({component, {}, {}, {}});
      return streams[it->second];
    };
    for (const TraceLine& l : a) stream_of(l.component).a.push_back(&l);
    for (const TraceLine& l : b) stream_of(l.component).b.push_back(&l);
  }
  const bool exact = options.mode == TraceDiffMode::kExact;
  for (Stream& s : streams) {
    std::vector<std::string_view> ka, kb;
    for (const TraceLine* l : s.a) ka.push_back(exact ? l->text : l->what);
    for (const TraceLine* l : s.b) kb.push_back(exact ? l->text : l->what);
    s.edits = edit_script(ka, kb);
  }

  std::map<std::pair<std::string, std::string>, KindCount> counts;
  auto kind_of = [&](const TraceLine& l) -> KindCount& {
    return counts[{l.component, std::string(event_of(l))}];
  };
  for (const TraceLine& l : a) ++kind_of(l).a;
  for (const TraceLine& l : b) ++kind_of(l).b;

  const bool protocol_same =
      std::none_of(streams.begin(), streams.end(), [](const Stream& s) { return s.changed(); });
  TraceDiffResult r;
  const std::string header = std::string("traces differ (") + trace_diff_mode_name(options.mode) +
                             " mode): A = " + name_a + " (" + std::to_string(a.size()) +
                             " events), B = " + name_b + " (" + std::to_string(b.size()) +
                             " events)\n";

  if (!protocol_same) {
    // The first divergence: the earliest differing edit of any stream.
    struct Divergence {
      uint64_t time = UINT64_MAX;
      const Stream* stream = nullptr;
      size_t a_at = 0, b_at = 0;
    } first;
    for (const Stream& s : streams) {
      for (const Edit& e : s.edits) {
        if (e.kind == EditKind::kEqual) continue;
        const TraceLine* l = e.kind == EditKind::kDelete ? s.a[e.a] : s.b[e.b];
        ++kind_of(*l).differing;
      }
      for (const Edit& e : s.edits) {
        if (e.kind == EditKind::kEqual) continue;
        const uint64_t t = e.kind == EditKind::kDelete ? s.a[e.a]->time_ps : s.b[e.b]->time_ps;
        if (t < first.time) first = {t, &s, e.a, e.b};
        break;
      }
    }
    r.same = false;
    r.report = header +
               "summary (events per component and kind; differing = only in A or only "
               "in B):\n" +
               summary_table(counts, "differing");
    r.report +=
        "first divergence" +
        (first.stream->label.empty() ? std::string() : " in component " + first.stream->label) +
        " at " + std::to_string(first.time) + " ps:\n";
    append_context(r.report, "A", name_a, first.stream->a, first.a_at, options.context);
    append_context(r.report, "B", name_b, first.stream->b, first.b_at, options.context);
    r.report += "unified diff" +
                std::string(exact ? "" : " (per component; timestamps not compared)") + ":\n--- " +
                name_a + "\n+++ " + name_b + "\n";
    size_t budget = options.max_diff_lines;
    for (const Stream& s : streams) {
      if (s.changed()) append_hunks(r.report, s, options.context, &budget);
    }
    return r;
  }
  if (options.mode != TraceDiffMode::kTiming) return r;

  // Timing: every matched pair within tolerance.
  struct Late {
    const TraceLine* a;
    const TraceLine* b;
  };
  std::optional<Late> first_late;
  uint64_t late = 0, worst = 0;
  for (const Stream& s : streams) {
    for (const Edit& e : s.edits) {
      const TraceLine* la = s.a[e.a];
      const TraceLine* lb = s.b[e.b];
      const uint64_t dt =
          la->time_ps > lb->time_ps ? la->time_ps - lb->time_ps : lb->time_ps - la->time_ps;
      const double scale = static_cast<double>(std::max(la->time_ps, lb->time_ps));
      const bool ok =
          dt <= options.absolute_ps || static_cast<double>(dt) <= options.relative * scale;
      if (ok) continue;
      ++late;
      ++kind_of(*la).differing;
      worst = std::max(worst, dt);
      if (!first_late || la->time_ps < first_late->a->time_ps) first_late = Late{la, lb};
    }
  }
  if (late == 0) return r;
  char tol[96];
  std::snprintf(tol, sizeof tol, "absolute %llu ps, relative %g",
                static_cast<unsigned long long>(options.absolute_ps), options.relative);
  r.same = false;
  r.report = header + "the same events in the same order, but " + std::to_string(late) +
             " timestamps differ by more than the tolerance (" + tol + "); the largest by " +
             std::to_string(worst) + " ps\nsummary (events per component and kind; differing = " +
             "outside the tolerance):\n" + summary_table(counts, "late") +
             "first divergence in component " + first_late->a->component + ":\n  A (" + name_a +
             "): " + line_ref(*first_late->a) + "\n  B (" + name_b +
             "): " + line_ref(*first_late->b) + "\n";
  return r;
}

}  // namespace wdsim
