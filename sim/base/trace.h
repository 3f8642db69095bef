// Protocol trace: one event per line, "<time_ps> <component> <event> key=value ...", in the
// order the simulation produced them (sorted by time, ties kept in emission order). This is
// the canonical form golden regressions compare. The same events can be written as Chrome
// trace-event JSON (instant events on one track per component) for Perfetto UI.
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
  void emit(uint64_t time_ps, std::string_view component, std::string_view event,
            std::vector<TraceField> fields = {});

  size_t size() const { return events_.size(); }
  std::string to_text() const;
  std::string to_chrome_json() const;

 private:
  struct Event {
    uint64_t time_ps;
    uint64_t seq;
    std::string component;
    std::string event;
    std::vector<TraceField> fields;
  };
  std::vector<Event> sorted() const;
  bool enabled_;
  uint64_t next_seq_ = 0;
  std::vector<Event> events_;
};

}  // namespace wdsim
