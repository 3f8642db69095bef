// What the UADK-API program kinds (batch, crypto) share: the in-flight slot a request's
// completion callback writes, the callbacks, and the loop that keeps `depth` requests
// outstanding with wd_*_poll, streaming the latencies into a histogram.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/include/uadk/wd.h"
#include "runtime/include/uadk/wd_cipher.h"
#include "runtime/include/uadk/wd_comp.h"
#include "runtime/os_interface.h"
#include "runtime/uadk/wd_runtime.h"
#include "sim/system/program.h"
#include "sim/system/workloads/stages.h"

namespace wdsim {

// A failed UADK call's message: `what`, then what the library said last (WD_ERR), if anything.
inline std::string with_uadk_error(const ProgramThread& t, const std::string& what) {
  const rt::UadkProcess* proc = t.process.uadk;
  return proc && !proc->last_error().empty() ? what + " (" + proc->last_error() + ")" : what;
}

// What the completion callback of one in-flight request writes.
struct AsyncSlot {
  rt::OsInterface* os = nullptr;
  bool busy = false;
  bool done = false;
  uint64_t index = 0;  // request number within the run
  uint64_t t_submit = 0;
  uint64_t t_done = 0;
};

inline void* async_comp_cb(wd_comp_req* /*req*/, void* param) {
  auto* s = static_cast<AsyncSlot*>(param);
  s->done = true;
  s->t_done = s->os->now();
  return nullptr;
}
inline void* async_cipher_cb(wd_cipher_req* /*req*/, void* param) {
  auto* s = static_cast<AsyncSlot*>(param);
  s->done = true;
  s->t_done = s->os->now();
  return nullptr;
}
inline void* async_digest_cb(void* param) {
  auto* s = static_cast<AsyncSlot*>(param);
  s->done = true;
  s->t_done = s->os->now();
  return nullptr;
}

// Runs `total` requests keeping up to `depth` in flight: submit(slot, request) returns 0 or a
// negative code (-WD_EBUSY: poll first); poll(&count) is wd_*_poll; complete(slot, request)
// checks a finished request. A poll that finds nothing charges `poll_ps` (the busy-poll
// period) before the next. Each request's latency (submit to completion seen, in completion
// order) goes into `latency` (if not null) before complete() sees it; the slot still holds its
// times then. Throws ProgramError on a failed call or when nothing completes for `timeout_ps`.
// `idle`, when given, replaces the busy-poll period: it is called when a poll finds nothing
// and waits (an interrupt, a sleep) instead.
inline void run_async(rt::OsInterface& os, uint64_t total, uint64_t depth, uint64_t poll_ps,
                      uint64_t timeout_ps, const std::function<int(uint32_t, uint64_t)>& submit,
                      const std::function<int(uint32_t*)>& poll,
                      const std::function<void(uint32_t, uint64_t)>& complete,
                      std::vector<AsyncSlot>& slots, LatencyStats* latency,
                      const std::function<void()>& idle = nullptr) {
  uint64_t next = 0, finished = 0, in_flight = 0;
  uint64_t last_progress = os.now();
  for (AsyncSlot& s : slots) s = AsyncSlot{&os};
  while (finished < total) {
    while (next < total && in_flight < depth) {
      uint32_t free_slot = 0;
      while (slots[free_slot].busy) ++free_slot;
      AsyncSlot& s = slots[free_slot];
      s.index = next;
      s.done = false;
      s.t_submit = os.now();
      const int r = submit(free_slot, next);
      if (r == -WD_EBUSY) break;
      if (r < 0) {
        throw ProgramError("submit of request " + std::to_string(next) +
                           " failed: " + std::to_string(r));
      }
      s.busy = true;
      ++in_flight;
      ++next;
    }
    uint32_t count = 0;
    const int r = poll(&count);
    if (r < 0 && r != -WD_EAGAIN) throw ProgramError("poll failed: " + std::to_string(r));
    bool progress = false;
    for (uint32_t i = 0; i < slots.size(); ++i) {
      AsyncSlot& s = slots[i];
      if (!s.busy || !s.done) continue;
      if (latency) latency->add(s.t_done - s.t_submit);
      complete(i, s.index);
      s.busy = false;
      --in_flight;
      ++finished;
      progress = true;
    }
    if (progress) {
      last_progress = os.now();
    } else {
      if (os.now() - last_progress > timeout_ps) {
        throw ProgramError("no completion for " + std::to_string(timeout_ps / 1000000) +
                           " us with " + std::to_string(in_flight) + " requests in flight");
      }
      if (idle) {
        idle();
      } else {
        os.compute(std::max<uint64_t>(poll_ps, 1));
      }
    }
  }
}

inline double per_second(uint64_t n, uint64_t elapsed_ps) {
  return elapsed_ps > 0 ? static_cast<double>(n) * 1e12 / static_cast<double>(elapsed_ps) : 0.0;
}

}  // namespace wdsim
