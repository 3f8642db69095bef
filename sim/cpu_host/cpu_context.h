// The CPU time of one simulated thread (or of the core that takes interrupts): every
// software step calls busy(cost), which advances simulated time (wait) and adds to the
// thread's CPU time. Sleeping (waiting for an event) advances time without CPU time.
// Must be called from an SC_THREAD.
#pragma once

#include <systemc>

namespace wdsim {

class CpuContext {
 public:
  void busy(const sc_core::sc_time& t) {
    if (t > sc_core::SC_ZERO_TIME) sc_core::wait(t);
    busy_ += t;
  }
  // Time spent busy-waiting (charged as CPU time) while simulated time moved on elsewhere.
  void account_busy(const sc_core::sc_time& t) { busy_ += t; }
  const sc_core::sc_time& busy_time() const { return busy_; }

 private:
  sc_core::sc_time busy_ = sc_core::SC_ZERO_TIME;
};

}  // namespace wdsim
