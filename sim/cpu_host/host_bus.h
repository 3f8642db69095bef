// The host's MMIO path: CPU loads and stores to device memory (the accelerator's BAR, the
// SMMU's register page) leave through this bus, which routes them by physical address to
// the right target socket. It models a fixed interconnect latency per access; it does not
// model the CPU's memory path (cached accesses are charged as software costs instead).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/base/params.h"

namespace wdsim {

struct HostBusParams {
  double latency_ns;
  void declare(ParamScope& s) {
    s.add("latency_ns", latency_ns, 40.0, "ns",
          "Core to I/O interconnect latency of one uncached access, each way",
          "guess: mesh/ring hop plus I/O bridge", Range::min(0));
  }
};

class HostBus : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<HostBus> cpu;

  // A window [base, base+size) that goes to its own initiator socket; the address seen by the
  // target is relative to the window (an offset) when `relative` is set.
  struct WindowSpec {
    std::string name;
    uint64_t base;
    uint64_t size;
    bool relative;
  };
  HostBus(sc_core::sc_module_name name, const HostBusParams& params,
          const std::vector<WindowSpec>& windows);

  // The initiator socket of window i (in the order given to the constructor).
  tlm_utils::simple_initiator_socket<HostBus>& window(size_t i) { return *windows_.at(i).socket; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  struct Window {
    uint64_t base;
    uint64_t size;
    bool relative;
    std::unique_ptr<tlm_utils::simple_initiator_socket<HostBus>> socket;
  };
  HostBusParams params_;
  std::vector<Window> windows_;
};

}  // namespace wdsim
