// The SMMU's own memory accesses (stream table, CD table and translation-table reads, command
// fetches, event and PRI records, CMD_SYNC MSIs) as seen by its parts: a physical address, a buffer
// and the loosely-timed annotated delay `t` (relative to sc_time_stamp()), which each access
// advances by its latency. The Smmu implements it on its `mem` initiator socket; tests can
// implement it on a map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <systemc>

namespace wdsim::smmu {

class MemPort {
 public:
  virtual ~MemPort() = default;
  // false when the access failed (the memory returned an error response).
  virtual bool read(uint64_t pa, void* dst, size_t len, sc_core::sc_time& t) = 0;
  virtual bool write(uint64_t pa, const void* src, size_t len, sc_core::sc_time& t) = 0;
};

}  // namespace wdsim::smmu
