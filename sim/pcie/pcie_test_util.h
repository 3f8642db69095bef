// Test doubles for the PCIe tests: a recording target and a bare initiator.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <systemc>
#include <tlm>

#include "sim/base/io_attrs.h"

namespace wdsim::testing {

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(sc_core::sc_module_name n) : sc_module(n) {}
};

// Adds `service` to the delay, records what it saw, fills read data with 0xa5 and answers
// `status`.
struct RecordingTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<RecordingTarget> socket{"socket"};
  sc_core::sc_time service = sc_core::SC_ZERO_TIME;
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;

  int calls = 0;
  const tlm::tlm_generic_payload* last_gp = nullptr;
  uint64_t last_addr = 0;
  bool last_write = false;
  sc_core::sc_time arrival_delay;  // the delay annotated on entry
  std::optional<IoAttrs> last_attrs;

  explicit RecordingTarget(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &RecordingTarget::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    ++calls;
    last_gp = &gp;
    last_addr = gp.get_address();
    last_write = gp.is_write();
    arrival_delay = delay;
    IoAttrs* a = nullptr;
    gp.get_extension(a);
    last_attrs = a ? std::optional<IoAttrs>(*a) : std::nullopt;
    if (gp.is_read()) std::memset(gp.get_data_ptr(), 0xa5, gp.get_data_length());
    delay += service;
    gp.set_response_status(status);
  }
};

}  // namespace wdsim::testing
