// One blocking TLM access with the project's conventions: a generic payload with byte enables
// off, streaming width = length, an optional IoAttrs extension (copied in, and the response
// annotations copied back out), and the annotated delay accumulated into `delay`.
#pragma once

#include <cstdint>
#include <cstring>
#include <systemc>
#include <tlm>

#include "sim/base/io_attrs.h"

namespace wdsim {

// A generic payload for one transport, taken from a free list and given back when it goes out
// of scope: constructing a tlm_generic_payload allocates its extension array, and the DMA path
// issues several transports per request. A transport may wait(), so several payloads can be out
// at once; each is its own. It comes back with no extension set (IoAttrs cleared even if the
// transport was unwound), and every field tlm_access relies on is set afresh before each use.
class PooledPayload {
 public:
  PooledPayload();
  ~PooledPayload();
  PooledPayload(const PooledPayload&) = delete;
  PooledPayload& operator=(const PooledPayload&) = delete;

  tlm::tlm_generic_payload& operator*() { return *gp_; }
  tlm::tlm_generic_payload* operator->() { return gp_; }

 private:
  tlm::tlm_generic_payload* gp_;
};

template <class Socket>
tlm::tlm_response_status tlm_access(Socket& socket, tlm::tlm_command cmd, uint64_t addr, void* data,
                                    size_t len, sc_core::sc_time& delay, IoAttrs* attrs = nullptr) {
  PooledPayload pooled;
  tlm::tlm_generic_payload& gp = *pooled;
  gp.set_command(cmd);
  gp.set_address(addr);
  gp.set_data_ptr(static_cast<unsigned char*>(data));
  gp.set_data_length(static_cast<unsigned int>(len));
  gp.set_streaming_width(static_cast<unsigned int>(len));
  gp.set_byte_enable_ptr(nullptr);
  gp.set_byte_enable_length(0);
  gp.set_dmi_allowed(false);
  gp.set_gp_option(tlm::TLM_MIN_PAYLOAD);
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
