// Protocol trace: one event per line, "<time_ps> <component> <event> key=value ...", in the
// order the simulation produced them (sorted by time, ties kept in emission order). This is
// the canonical form golden regressions compare. The same events can be written as Chrome
// trace-event JSON for Perfetto UI: one track per component (each event a zero-length slice),
// and, recorded only for that view (never in the canonical text): flows that tie the events of
// one device request together (SQE fetch, engine, translations, CQE), counter tracks (queue
// occupancy, IOTLB hits and misses, link bytes), events of their own (the memory access at
// the end of a device request's flow), and async slices (each measured request from
// submit to completion, its stages nested in it).
// No SystemC in here: callers pass the simulated time in picoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace wdsim {

struct TraceField {
  std::string key;
  std::string value;
};

// Field helpers that keep formatting uniform across components.
TraceField tf_dec(std::string_view key, uint64_t v);  // decimal
TraceField tf_hex(std::string_view key, uint64_t v);  // 0x-prefixed lower-case hex
TraceField tf(std::string_view key, std::string_view v);
TraceField tf(std::string_view key, const char* v);
template <class T, class = std::enable_if_t<std::is_integral_v<T>>>
TraceField tf(std::string_view key, T v) {
  return tf_dec(key, static_cast<uint64_t>(v));
}

class TraceSink {
 public:
  // enabled=false turns every emit into a no-op (large sweeps).
  explicit TraceSink(bool enabled = true) : enabled_(enabled) {}

  bool enabled() const { return enabled_; }
  // Returns the event's sequence number (for flow_event); 0 when disabled.
  uint64_t emit(uint64_t time_ps, std::string_view component, std::string_view event,
                std::vector<TraceField> fields = {});

  // An event for trace.json only (never in the canonical text, so goldens do not see it): e.g.
  // the memory access that ends a device request's flow. Returns its sequence number.
  uint64_t view_event(uint64_t time_ps, std::string_view component, std::string_view event,
                      std::vector<TraceField> fields = {});

  size_t size() const { return events_.size(); }
  std::string to_text() const;
  std::string to_chrome_json() const;

  // The last emitted event is a step of flow `id` (flow_id()): in trace.json the steps of a flow
  // are joined in time order. No-op when disabled or nothing was emitted.
  void flow(uint64_t id);
  // The event `event_seq` (emit's result) is a step of flow `id`.
  void flow_event(uint64_t event_seq, uint64_t id);
  // The flow of one device request: the device's StreamID and its request tag (IoAttrs).
  static uint64_t flow_id(uint32_t stream_id, uint64_t request_tag);
  // A counter track's value from time_ps on (trace.json only).
  void counter(uint64_t time_ps, std::string_view track, double value);
  // An async slice [begin_ps, end_ps] on `track` (trace.json only); slices of one track with
  // the same id nest by `depth` (0 a request, 1 its stages).
  void slice(std::string_view track, std::string_view name, uint64_t id, uint32_t depth,
             uint64_t begin_ps, uint64_t end_ps, std::vector<TraceField> args = {});

 private:
  struct Event {
    uint64_t time_ps;
    uint64_t seq;
    std::string component;
    std::string event;
    std::vector<TraceField> fields;
    bool view_only = false;  // trace.json only (view_event)
  };
  struct FlowStep {
    uint64_t event_seq;
    uint64_t id;
  };
  struct CounterValue {
    uint64_t time_ps;
    std::string track;
    double value;
  };
  struct Slice {
    std::string track;
    std::string name;
    uint64_t id;
    uint32_t depth;
    uint64_t begin_ps;
    uint64_t end_ps;
    std::vector<TraceField> args;
  };
  std::vector<Event> sorted() const;
  bool enabled_;
  uint64_t next_seq_ = 0;
  std::vector<Event> events_;
  std::vector<FlowStep> flows_;
  std::vector<CounterValue> counters_;
  std::vector<Slice> slices_;
};

}  // namespace wdsim
