#include "sim/cpu_host/physical_memory.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "sim/base/bits.h"

namespace wdsim {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

PhysicalMemory::PhysicalMemory(sc_core::sc_module_name name, const DramParams& params, SimEnv& env)
    : sc_module(name),
      socket("socket"),
      params_(params),
      channels_(params.channels),
      reads_(env.stats().counter("mem.reads", "TLM reads served by physical memory")),
      writes_(env.stats().counter("mem.writes", "TLM writes served by physical memory")),
      read_bytes_(env.stats().counter("mem.read_bytes", "Bytes read through TLM")),
      write_bytes_(env.stats().counter("mem.write_bytes", "Bytes written through TLM")) {
  if (params_.channels == 0) throw std::invalid_argument("PhysicalMemory: channels must be >= 1");
  if (params_.interleave_bytes == 0 ||
      (params_.interleave_bytes & (params_.interleave_bytes - 1)) != 0) {
    throw std::invalid_argument("PhysicalMemory: interleave_bytes must be a power of two");
  }
  if (params_.size_bytes == 0 || params_.size_bytes % kPageSize != 0) {
    throw std::invalid_argument("PhysicalMemory: size_bytes must be a non-zero multiple of 4 KiB");
  }
  blocks_.resize((params_.size_bytes / kPageSize + kPagesPerBlock - 1) / kPagesPerBlock);
  socket.register_b_transport(this, &PhysicalMemory::b_transport);
  socket.register_transport_dbg(this, &PhysicalMemory::transport_dbg);
  SC_HAS_PROCESS(PhysicalMemory);
  SC_METHOD(fire_write_notifications);
  sensitive << next_notify_;
  dont_initialize();
}

uint8_t* PhysicalMemory::page_for_write(uint64_t page_number) {
  auto& block = blocks_[page_number / kPagesPerBlock];
  if (!block) block = std::make_unique<PageBlock>();
  const uint64_t i = page_number % kPagesPerBlock;
  if (!block->data[i]) {
    block->owned[i] = std::make_unique<Page>();
    block->owned[i]->fill(0);
    block->data[i] = block->owned[i]->data();
    ++resident_pages_;
  }
  return block->data[i];
}

uint64_t PhysicalMemory::alias_page_number(uint64_t pa, const char* what) const {
  if (pa % kPageSize != 0 || !in_range(pa, kPageSize)) {
    throw std::invalid_argument(std::string("PhysicalMemory::") + what +
                                ": pa is not a 4 KiB frame of memory: pa=" + std::to_string(pa));
  }
  return pa / kPageSize;
}

void PhysicalMemory::alias_host_page(uint64_t pa, uint8_t* host_page) {
  const uint64_t n = alias_page_number(pa, "alias_host_page");
  if (host_page == nullptr || reinterpret_cast<uintptr_t>(host_page) % kPageSize != 0) {
    throw std::invalid_argument("PhysicalMemory::alias_host_page: host page not 4 KiB-aligned");
  }
  if (is_host_aliased(pa)) {
    throw std::invalid_argument("PhysicalMemory::alias_host_page: frame already aliased: pa=" +
                                std::to_string(pa));
  }
  auto& block = blocks_[n / kPagesPerBlock];
  if (!block) block = std::make_unique<PageBlock>();
  const uint64_t i = n % kPagesPerBlock;
  if (block->owned[i]) {  // the frame's earlier contents are dropped
    block->owned[i].reset();
    --resident_pages_;
  }
  block->data[i] = host_page;
  ++aliased_pages_;
}

void PhysicalMemory::unalias_host_page(uint64_t pa) {
  const uint64_t n = alias_page_number(pa, "unalias_host_page");
  if (!is_host_aliased(pa)) {
    throw std::invalid_argument("PhysicalMemory::unalias_host_page: frame not aliased: pa=" +
                                std::to_string(pa));
  }
  blocks_[n / kPagesPerBlock]->data[n % kPagesPerBlock] = nullptr;
  --aliased_pages_;
}

bool PhysicalMemory::is_host_aliased(uint64_t pa) const {
  if (!in_range(pa, 1)) return false;
  const uint64_t n = pa / kPageSize;
  const auto& block = blocks_[n / kPagesPerBlock];
  return block && block->data[n % kPagesPerBlock] && !block->owned[n % kPagesPerBlock];
}

void PhysicalMemory::copy_out(uint64_t pa, uint8_t* dst, size_t len) const {
  while (len > 0) {
    const uint64_t offset = pa % kPageSize;
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(len, kPageSize - offset));
    const uint8_t* page = find_page(pa / kPageSize);
    if (!page) {
      std::memset(dst, 0, chunk);
    } else {
      std::memcpy(dst, page + offset, chunk);
    }
    pa += chunk;
    dst += chunk;
    len -= chunk;
  }
}

void PhysicalMemory::copy_in(uint64_t pa, const uint8_t* src, size_t len) {
  while (len > 0) {
    const uint64_t offset = pa % kPageSize;
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(len, kPageSize - offset));
    std::memcpy(page_for_write(pa / kPageSize) + offset, src, chunk);
    pa += chunk;
    src += chunk;
    len -= chunk;
  }
}

void PhysicalMemory::read(uint64_t pa, void* dst, size_t len) const {
  if (!in_range(pa, len)) {
    throw std::out_of_range("PhysicalMemory::read beyond memory: pa=" + std::to_string(pa) +
                            " len=" + std::to_string(len));
  }
  copy_out(pa, static_cast<uint8_t*>(dst), len);
}

void PhysicalMemory::write(uint64_t pa, const void* src, size_t len) {
  if (!in_range(pa, len)) {
    throw std::out_of_range("PhysicalMemory::write beyond memory: pa=" + std::to_string(pa) +
                            " len=" + std::to_string(len));
  }
  copy_in(pa, static_cast<const uint8_t*>(src), len);
  // Delta notifications are not allowed while the design is still being elaborated; nobody
  // can be waiting then anyway.
  if (sc_core::sc_get_status() &
      (sc_core::SC_RUNNING | sc_core::SC_PAUSED | sc_core::SC_START_OF_SIMULATION)) {
    write_event_.notify(SC_ZERO_TIME);
    notify_watches(pa, len, /*immediate=*/false);
  }
}

PhysicalMemory::WriteWatch::WriteWatch(PhysicalMemory& mem, uint64_t pa, uint64_t len,
                                       sc_core::sc_event& ev)
    : mem_(mem), lo_(pa), hi_(pa + len), ev_(ev) {
  mem_.watches_.push_back(this);
}

PhysicalMemory::WriteWatch::~WriteWatch() {
  auto& w = mem_.watches_;
  w.erase(std::remove(w.begin(), w.end(), this), w.end());
}

void PhysicalMemory::notify_watches(uint64_t pa, uint64_t len, bool immediate) {
  for (WriteWatch* w : watches_) {
    if (pa < w->hi_ && w->lo_ < pa + len) {
      if (immediate) {
        w->ev_.notify();
      } else {
        w->ev_.notify(SC_ZERO_TIME);
      }
    }
  }
}

uint64_t PhysicalMemory::read64(uint64_t pa) const {
  uint8_t buf[8];
  read(pa, buf, sizeof(buf));
  return load_le64(buf);
}

void PhysicalMemory::write64(uint64_t pa, uint64_t value) {
  uint8_t buf[8];
  store_le64(buf, value);
  write(pa, buf, sizeof(buf));
}

sc_time PhysicalMemory::book_channels(uint64_t pa, uint64_t len, const sc_time& arrival) {
  // Bytes each channel moves for this access.
  std::vector<uint64_t>& bytes = channel_bytes_;
  bytes.assign(channels_.size(), 0);
  const uint64_t end = pa + len;
  for (uint64_t a = pa; a < end;) {
    const uint64_t chunk_end =
        std::min(end, align_down(a, params_.interleave_bytes) + params_.interleave_bytes);
    bytes[channel_of(a)] += chunk_end - a;
    a = chunk_end;
  }
  sc_time done = arrival;
  for (size_t c = 0; c < channels_.size(); ++c) {
    if (bytes[c] == 0) continue;
    done = std::max(done,
                    channels_[c].serve(arrival, transfer_time(bytes[c], params_.bandwidth_gbps)));
  }
  return done + ns(params_.latency_ns);
}

void PhysicalMemory::b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const tlm::tlm_command cmd = gp.get_command();
  const uint64_t pa = gp.get_address();
  const unsigned int len = gp.get_data_length();
  if (cmd == tlm::TLM_IGNORE_COMMAND) {
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (gp.get_byte_enable_ptr() != nullptr) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (!in_range(pa, len)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  if (len == 0) return;

  const sc_time now = sc_core::sc_time_stamp();
  if (observer_) {
    if (const IoAttrs* attrs = gp.get_extension<IoAttrs>()) {
      observer_->device_access(*attrs, pa, len, cmd == tlm::TLM_WRITE_COMMAND, now + delay);
    }
  }
  const sc_time done = book_channels(pa, len, now + delay);
  delay = done - now;
  if (cmd == tlm::TLM_READ_COMMAND) {
    copy_out(pa, gp.get_data_ptr(), len);
    reads_.inc();
    read_bytes_.inc(len);
  } else {
    copy_in(pa, gp.get_data_ptr(), len);
    writes_.inc();
    write_bytes_.inc(len);
    schedule_write_notify(done, pa, len);
  }
}

unsigned int PhysicalMemory::transport_dbg(tlm::tlm_generic_payload& gp) {
  const uint64_t pa = gp.get_address();
  const unsigned int len = gp.get_data_length();
  if (gp.get_byte_enable_ptr() != nullptr || !in_range(pa, len)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  if (gp.get_command() == tlm::TLM_READ_COMMAND) {
    copy_out(pa, gp.get_data_ptr(), len);
  } else if (gp.get_command() == tlm::TLM_WRITE_COMMAND) {
    write(pa, gp.get_data_ptr(), len);
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return len;
}

void PhysicalMemory::schedule_write_notify(const sc_time& at, uint64_t pa, uint64_t len) {
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time when = at > now ? at : now;
  if (pending_notify_.empty() || pending_notify_.back().at <= when) {
    pending_notify_.push_back({when, pa, len});  // the usual case: in time order
  } else {
    const auto it =
        std::upper_bound(pending_notify_.begin(), pending_notify_.end(), when,
                         [](const sc_time& t, const PendingNotify& p) { return t < p.at; });
    pending_notify_.insert(it, {when, pa, len});
  }
  // An sc_event keeps only its earliest pending notification; later times stay in
  // pending_notify_ and are re-armed by fire_write_notifications().
  next_notify_.notify(when - now);
}

void PhysicalMemory::fire_write_notifications() {
  const sc_time now = sc_core::sc_time_stamp();
  bool due = false;
  while (!pending_notify_.empty() && pending_notify_.front().at <= now) {
    const PendingNotify p = pending_notify_.front();
    pending_notify_.pop_front();
    notify_watches(p.pa, p.len, /*immediate=*/true);  // at this very time, as write_event
    due = true;
  }
  if (due) write_event_.notify();  // immediate: waiters run at this very time
  if (!pending_notify_.empty()) next_notify_.notify(pending_notify_.front().at - now);
}

}  // namespace wdsim
