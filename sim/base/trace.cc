#include "sim/base/trace.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

namespace wdsim {

TraceField tf_dec(std::string_view key, uint64_t v) {
  return {std::string(key), std::to_string(v)};
}

TraceField tf_hex(std::string_view key, uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return {std::string(key), buf};
}

TraceField tf(std::string_view key, std::string_view v) {
  return {std::string(key), std::string(v)};
}

TraceField tf(std::string_view key, const char* v) { return tf(key, std::string_view(v)); }

void TraceSink::emit(uint64_t time_ps, std::string_view component, std::string_view event,
                     std::vector<TraceField> fields) {
  if (!enabled_) return;
  events_.push_back(
      {time_ps, next_seq_++, std::string(component), std::string(event), std::move(fields)});
}

std::vector<TraceSink::Event> TraceSink::sorted() const {
  std::vector<Event> out = events_;
  std::stable_sort(out.begin(), out.end(), [](const Event& a, const Event& b) {
    return a.time_ps != b.time_ps ? a.time_ps < b.time_ps : a.seq < b.seq;
  });
  return out;
}

std::string TraceSink::to_text() const {
  std::string out;
  for (const auto& e : sorted()) {
    out += std::to_string(e.time_ps);
    out += ' ';
    out += e.component;
    out += ' ';
    out += e.event;
    for (const auto& f : e.fields) {
      out += ' ';
      out += f.key;
      out += '=';
      out += f.value;
    }
    out += '\n';
  }
  return out;
}

std::string TraceSink::to_chrome_json() const {
  // One "thread" per component so Perfetto shows a track each; timestamps in microseconds.
  std::map<std::string, int> tids;
  for (const auto& e : events_) tids.emplace(e.component, 0);
  int next = 1;
  for (auto& [name, tid] : tids) tid = next++;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (const auto& [name, tid] : tids) {
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"pid", 1},
                      {"tid", tid},
                      {"args", {{"name", name}}}});
  }
  for (const auto& e : sorted()) {
    nlohmann::ordered_json args = nlohmann::ordered_json::object();
    for (const auto& f : e.fields) args[f.key] = f.value;
    events.push_back({{"name", e.event},
                      {"ph", "i"},
                      {"s", "t"},
                      {"pid", 1},
                      {"tid", tids[e.component]},
                      {"ts", static_cast<double>(e.time_ps) / 1e6},
                      {"args", args}});
  }
  nlohmann::ordered_json root = {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
  return root.dump() + "\n";
}

}  // namespace wdsim
