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

uint64_t TraceSink::emit(uint64_t time_ps, std::string_view component, std::string_view event,
                         std::vector<TraceField> fields) {
  if (!enabled_) return 0;
  events_.push_back(
      {time_ps, ++next_seq_, std::string(component), std::string(event), std::move(fields)});
  return next_seq_;
}

uint64_t TraceSink::view_event(uint64_t time_ps, std::string_view component, std::string_view event,
                               std::vector<TraceField> fields) {
  if (!enabled_) return 0;
  events_.push_back(
      {time_ps, ++next_seq_, std::string(component), std::string(event), std::move(fields), true});
  return next_seq_;
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
    if (e.view_only) continue;
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

void TraceSink::flow(uint64_t id) {
  if (!enabled_ || events_.empty()) return;
  flows_.push_back({events_.back().seq, id});
}

void TraceSink::flow_event(uint64_t event_seq, uint64_t id) {
  if (!enabled_ || event_seq == 0) return;
  flows_.push_back({event_seq, id});
}

uint64_t TraceSink::flow_id(uint32_t stream_id, uint64_t request_tag) {
  constexpr unsigned kTagBits = 44;  // request tags below 2^44; StreamIDs (16 bits) above
  return (uint64_t{stream_id} << kTagBits) | (request_tag & ((uint64_t{1} << kTagBits) - 1));
}

void TraceSink::counter(uint64_t time_ps, std::string_view track, double value) {
  if (!enabled_) return;
  counters_.push_back({time_ps, std::string(track), value});
}

void TraceSink::slice(std::string_view track, std::string_view name, uint64_t id, uint32_t depth,
                      uint64_t begin_ps, uint64_t end_ps, std::vector<TraceField> args) {
  if (!enabled_) return;
  slices_.push_back({std::string(track), std::string(name), id, depth, begin_ps,
                     std::max(begin_ps, end_ps), std::move(args)});
}

std::string TraceSink::to_chrome_json() const {
  constexpr int kPid = 1;
  constexpr double kPsPerUs = 1e6;  // trace-event timestamps are microseconds
  auto ts = [](uint64_t ps) { return static_cast<double>(ps) / kPsPerUs; };
  // One "thread" per component so Perfetto shows a track each.
  std::map<std::string, int> tids;
  for (const auto& e : events_) tids.emplace(e.component, 0);
  int next = 1;
  for (auto& [name, tid] : tids) tid = next++;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  events.push_back(
      {{"name", "process_name"}, {"ph", "M"}, {"pid", kPid}, {"args", {{"name", "wdsim"}}}});
  for (const auto& [name, tid] : tids) {
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"pid", kPid},
                      {"tid", tid},
                      {"args", {{"name", name}}}});
  }
  const std::vector<Event> all = sorted();
  std::map<uint64_t, const Event*> by_seq;
  for (const auto& e : all) by_seq.emplace(e.seq, &e);
  for (const auto& e : all) {
    nlohmann::ordered_json args = nlohmann::ordered_json::object();
    for (const auto& f : e.fields) args[f.key] = f.value;
    // A zero-length slice rather than an instant, so flows can bind to it.
    events.push_back({{"name", e.event},
                      {"cat", e.component},
                      {"ph", "X"},
                      {"pid", kPid},
                      {"tid", tids[e.component]},
                      {"ts", ts(e.time_ps)},
                      {"dur", 0},
                      {"args", args}});
  }
  // Flows: each id's steps in time order, "s" first, "t" between, "f" last.
  std::map<uint64_t, std::vector<const Event*>> flows;
  for (const FlowStep& f : flows_) flows[f.id].push_back(by_seq.at(f.event_seq));
  for (auto& [id, steps] : flows) {
    if (steps.size() < 2) continue;
    std::stable_sort(steps.begin(), steps.end(), [](const Event* a, const Event* b) {
      return a->time_ps != b->time_ps ? a->time_ps < b->time_ps : a->seq < b->seq;
    });
    for (size_t i = 0; i < steps.size(); ++i) {
      const char* ph = i == 0 ? "s" : i + 1 == steps.size() ? "f" : "t";
      events.push_back({{"name", "request"},
                        {"cat", "request_flow"},
                        {"ph", ph},
                        {"bp", "e"},
                        {"id", id},
                        {"pid", kPid},
                        {"tid", tids[steps[i]->component]},
                        {"ts", ts(steps[i]->time_ps)}});
    }
  }
  std::vector<CounterValue> counters = counters_;
  std::stable_sort(
      counters.begin(), counters.end(),
      [](const CounterValue& a, const CounterValue& b) { return a.time_ps < b.time_ps; });
  for (const CounterValue& c : counters) {
    events.push_back({{"name", c.track},
                      {"ph", "C"},
                      {"pid", kPid},
                      {"ts", ts(c.time_ps)},
                      {"args", {{"value", c.value}}}});
  }
  // Async begin/end pairs in an order that nests them: by time; at one time, ends before
  // begins, inner ends first and outer begins first.
  struct Async {
    uint64_t time_ps;
    int is_begin;
    int64_t depth_key;
    nlohmann::ordered_json json;
  };
  std::vector<Async> async;
  for (const Slice& sl : slices_) {
    nlohmann::ordered_json args = nlohmann::ordered_json::object();
    for (const auto& f : sl.args) args[f.key] = f.value;
    const std::string id = sl.track + "#" + std::to_string(sl.id);
    const int64_t depth = sl.depth;
    async.push_back({sl.begin_ps,
                     1,
                     depth,
                     {{"name", sl.name},
                      {"cat", sl.track},
                      {"ph", "b"},
                      {"id", id},
                      {"pid", kPid},
                      {"ts", ts(sl.begin_ps)},
                      {"args", args}}});
    async.push_back({sl.end_ps,
                     0,
                     -depth,
                     {{"name", sl.name},
                      {"cat", sl.track},
                      {"ph", "e"},
                      {"id", id},
                      {"pid", kPid},
                      {"ts", ts(sl.end_ps)}}});
  }
  std::stable_sort(async.begin(), async.end(), [](const Async& a, const Async& b) {
    if (a.time_ps != b.time_ps) return a.time_ps < b.time_ps;
    if (a.is_begin != b.is_begin) return a.is_begin < b.is_begin;
    return a.depth_key < b.depth_key;
  });
  for (auto& a : async) events.push_back(std::move(a.json));
  nlohmann::ordered_json root = {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
  return root.dump() + "\n";
}

}  // namespace wdsim
