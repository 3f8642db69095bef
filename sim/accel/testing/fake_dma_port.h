// A device's data DMA port for engine tests (ZIP, SEC): flat memory at [base, base + bytes)
// behind a DmaPort, a fixed latency per access, and a log of every access asked for. An
// access outside the memory, or any read (write) while fail_reads (fail_writes) is set, fails
// with a translation fault. Test-only; no SMMU, no PCIe, no contention.
#pragma once

#include <cstdint>
#include <cstring>
#include <systemc>
#include <vector>

#include "sim/accel/qm/qm_engine.h"

namespace wdsim::testing {

class FakeDmaPort : public DmaPort {
 public:
  struct Access {
    bool write;
    uint64_t addr;
    size_t len;
    bool operator==(const Access& o) const {
      return write == o.write && addr == o.addr && len == o.len;
    }
  };

  FakeDmaPort(uint64_t base, size_t bytes, sc_core::sc_time latency = sc_core::SC_ZERO_TIME)
      : base_(base), mem_(bytes), latency_(latency) {}

  bool read(uint64_t addr, void* dst, size_t len, sc_core::sc_time& t) override {
    log.push_back({false, addr, len});
    if (fail_reads || !inside(addr, len)) return fault();
    std::memcpy(dst, &mem_[addr - base_], len);
    t += latency_;
    return true;
  }
  bool write(uint64_t addr, const void* src, size_t len, sc_core::sc_time& t) override {
    log.push_back({true, addr, len});
    if (fail_writes || !inside(addr, len)) return fault();
    std::memcpy(&mem_[addr - base_], src, len);
    t += latency_;
    return true;
  }
  IoFault last_fault() const override { return fault_; }

  // Test-side access to the memory (no latency, no log).
  void put(uint64_t addr, const std::vector<uint8_t>& v) {
    if (!v.empty()) std::memcpy(&mem_[addr - base_], v.data(), v.size());
  }
  std::vector<uint8_t> get(uint64_t addr, size_t len) const {
    auto b = mem_.begin() + static_cast<std::ptrdiff_t>(addr - base_);
    return {b, b + static_cast<std::ptrdiff_t>(len)};
  }

  std::vector<Access> log;
  bool fail_reads = false;
  bool fail_writes = false;

 private:
  bool inside(uint64_t addr, size_t len) const {
    return addr >= base_ && addr - base_ <= mem_.size() && len <= mem_.size() - (addr - base_);
  }
  bool fault() {
    fault_ = IoFault::kTranslation;
    return false;
  }

  uint64_t base_;
  std::vector<uint8_t> mem_;
  sc_core::sc_time latency_;
  IoFault fault_ = IoFault::kNone;
};

}  // namespace wdsim::testing
