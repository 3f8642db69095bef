// Test-only physical memory: a TLM target backed by a map of 4 KiB pages (zero when never
// written), with a fixed latency per access and an optional failing address range. Counts
// and logs accesses so tests can check exactly which reads a translation made.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/base/timing.h"

namespace wdsim::testing {

class FakeMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<FakeMemory> socket;

  struct Access {
    bool write;
    uint64_t addr;
    unsigned len;
    sc_core::sc_time at;  // sc_time_stamp() + annotated delay on arrival
  };

  FakeMemory(sc_core::sc_module_name name, double latency_ns)
      : sc_module(name), socket("socket"), latency_(ns(latency_ns)) {
    socket.register_b_transport(this, &FakeMemory::b_transport);
  }

  sc_core::sc_time latency() const { return latency_; }

  // Backdoor access (no time, not logged).
  void poke(uint64_t addr, const void* src, size_t len) {
    const auto* p = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < len; ++i) byte(addr + i) = p[i];
  }
  void peek(uint64_t addr, void* dst, size_t len) {
    auto* p = static_cast<uint8_t*>(dst);
    for (size_t i = 0; i < len; ++i) p[i] = byte(addr + i);
  }
  void poke64(uint64_t addr, uint64_t v) { poke(addr, &v, 8); }
  uint64_t peek64(uint64_t addr) {
    uint64_t v;
    peek(addr, &v, 8);
    return v;
  }
  uint32_t peek32(uint64_t addr) {
    uint32_t v;
    peek(addr, &v, 4);
    return v;
  }

  // Accesses touching [lo, hi) return TLM_ADDRESS_ERROR_RESPONSE.
  void fail_range(uint64_t lo, uint64_t hi) {
    fail_lo_ = lo;
    fail_hi_ = hi;
  }

  const std::vector<Access>& log() const { return log_; }
  void clear_log() { log_.clear(); }

 private:
  static constexpr uint64_t kPage = 4096;

  uint8_t& byte(uint64_t addr) { return pages_[addr / kPage][addr % kPage]; }

  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const uint64_t addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    log_.push_back({gp.is_write(), addr, len, sc_core::sc_time_stamp() + delay});
    delay += latency_;
    if (addr < fail_hi_ && fail_lo_ < addr + len) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (gp.is_write()) {
      poke(addr, gp.get_data_ptr(), len);
    } else if (gp.is_read()) {
      peek(addr, gp.get_data_ptr(), len);
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  sc_core::sc_time latency_;
  std::map<uint64_t, std::array<uint8_t, kPage>> pages_;
  uint64_t fail_lo_ = 0;
  uint64_t fail_hi_ = 0;
  std::vector<Access> log_;
};

}  // namespace wdsim::testing
