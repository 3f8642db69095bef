// One blocking TLM access with the project's conventions: a fresh generic payload, byte
// enables off, streaming width = length, an optional IoAttrs extension (copied in, and the
// response annotations copied back out), and the annotated delay accumulated into `delay`.
#pragma once

#include <cstdint>
#include <cstring>
#include <systemc>
#include <tlm>

#include "sim/base/io_attrs.h"

namespace wdsim {

template <class Socket>
tlm::tlm_response_status tlm_access(Socket& socket, tlm::tlm_command cmd, uint64_t addr, void* data,
                                    size_t len, sc_core::sc_time& delay, IoAttrs* attrs = nullptr) {
  tlm::tlm_generic_payload gp;
  gp.set_command(cmd);
  gp.set_address(addr);
  gp.set_data_ptr(static_cast<unsigned char*>(data));
  gp.set_data_length(static_cast<unsigned int>(len));
  gp.set_streaming_width(static_cast<unsigned int>(len));
  gp.set_byte_enable_ptr(nullptr);
  gp.set_dmi_allowed(false);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  IoAttrs ext;
  if (attrs) {
    ext = *attrs;
    ext.write = (cmd == tlm::TLM_WRITE_COMMAND);
    gp.set_extension(&ext);
  }
  socket->b_transport(gp, delay);
  if (attrs) {
    attrs->translation_time = ext.translation_time;
    attrs->fault = ext.fault;
    gp.clear_extension(&ext);
  }
  return gp.get_response_status();
}

}  // namespace wdsim
