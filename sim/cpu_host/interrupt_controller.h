// The interrupt controller as the devices see it: an MSI doorbell (a GICv3 ITS
// GITS_TRANSLATER-like register) that takes 32-bit MSI data writes and delivers each vector
// to the core that handles interrupts. Delivery runs the registered handler in that core's
// thread (an SC_THREAD), in arrival order, charging the interrupt entry cost there.
// Not modelled: ITS tables and translation, priorities, affinity, masking by the CPU.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <systemc>
#include <tlm>

#include "sim/base/sim_env.h"
#include "sim/cpu_host/cpu_context.h"

namespace wdsim {

class InterruptController : public sc_core::sc_module {
 public:
  // Any number of MSI sources bind here (the root complex for devices, the SMMU).
  tlm_utils::multi_passthrough_target_socket<InterruptController> msi;

  // irq_entry: the cost from MSI arrival to the handler running, charged on the irq core.
  InterruptController(sc_core::sc_module_name name, sc_core::sc_time irq_entry, SimEnv& env);

  using Handler = std::function<void(CpuContext& cpu)>;
  void set_handler(uint32_t vector, Handler handler);

  const CpuContext& irq_core() const { return core_; }
  uint64_t delivered() const { return delivered_; }

 private:
  void b_transport(int source, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void deliver_thread();

  sc_core::sc_time irq_entry_;
  SimEnv& env_;
  Counter& irqs_;
  Counter& spurious_irqs_;
  std::map<uint32_t, Handler> handlers_;
  std::deque<std::pair<sc_core::sc_time, uint32_t>> pending_;  // (arrival, vector)
  sc_core::sc_event arrived_;
  CpuContext core_;
  uint64_t delivered_ = 0;
};

}  // namespace wdsim
