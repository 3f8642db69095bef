// Test-only memory target for the QM tests: sparse 4 KiB pages in a std::map, a fixed access
// latency, and a log of every access with its IoAttrs so tests can check PASID tagging, MSI
// writes and ordering. Addresses inside a "fault range" answer with an address error and a
// translation fault, like an IOMMU abort. Not a model of DRAM.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/base/io_attrs.h"

namespace wdsim::testing {

class FlatMemory : public sc_core::sc_module {
 public:
  struct Access {
    bool write;
    uint64_t addr;
    size_t len;
    IoAttrs attrs;
    bool has_attrs;
    sc_core::sc_time time;  // sc_time_stamp() + annotated delay at the call
  };

  tlm_utils::simple_target_socket<FlatMemory> socket;

  FlatMemory(sc_core::sc_module_name name, sc_core::sc_time latency)
      : sc_module(name), socket("socket"), latency_(latency) {
    socket.register_b_transport(this, &FlatMemory::b_transport);
  }

  void poke(uint64_t addr, const void* src, size_t len) {
    const auto* p = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < len; ++i) page(addr + i)[(addr + i) & kPageMask] = p[i];
  }
  void peek(uint64_t addr, void* dst, size_t len) {
    auto* p = static_cast<uint8_t*>(dst);
    for (size_t i = 0; i < len; ++i) p[i] = page(addr + i)[(addr + i) & kPageMask];
  }
  template <class T>
  T peek_as(uint64_t addr) {
    T v;
    peek(addr, &v, sizeof v);
    return v;
  }

  void set_fault_range(uint64_t lo, uint64_t hi) {
    fault_lo_ = lo;
    fault_hi_ = hi;
  }
  const std::vector<Access>& log() const { return log_; }
  std::vector<Access> writes_to(uint64_t addr) const {
    std::vector<Access> out;
    for (const auto& a : log_)
      if (a.write && a.addr == addr) out.push_back(a);
    return out;
  }

 private:
  static constexpr uint64_t kPageSize = 4096;
  static constexpr uint64_t kPageMask = kPageSize - 1;

  std::array<uint8_t, kPageSize>& page(uint64_t addr) {
    auto it = pages_.find(addr & ~kPageMask);
    if (it == pages_.end())
      it = pages_.emplace(addr & ~kPageMask, std::array<uint8_t, kPageSize>{}).first;
    return it->second;
  }

  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    IoAttrs* attrs = nullptr;
    gp.get_extension(attrs);
    uint64_t addr = gp.get_address();
    size_t len = gp.get_data_length();
    log_.push_back({gp.is_write(), addr, len, attrs ? *attrs : IoAttrs{}, attrs != nullptr,
                    sc_core::sc_time_stamp() + delay});
    if (addr < fault_hi_ && addr + len > fault_lo_) {
      if (attrs) attrs->fault = IoFault::kTranslation;
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    delay += latency_;
    if (gp.is_write())
      poke(addr, gp.get_data_ptr(), len);
    else
      peek(addr, gp.get_data_ptr(), len);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  sc_core::sc_time latency_;
  std::map<uint64_t, std::array<uint8_t, kPageSize>> pages_;
  std::vector<Access> log_;
  uint64_t fault_lo_ = 0;
  uint64_t fault_hi_ = 0;
};

}  // namespace wdsim::testing
