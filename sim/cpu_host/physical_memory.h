// PhysicalMemory: host DRAM as a TLM-2.0 target, plus untimed functional access for the kernel
// model (page tables, queue setup, copies it charges as software cost).
//
// Models: a flat physical address space [0, size_bytes) stored sparsely in 4 KiB pages (zero on
// first touch); channel interleaving (channel = (addr / interleave_bytes) % channels); per
// channel a first-come-first-served server whose service time is the data transfer at the
// channel's bandwidth; a fixed access latency that does not occupy the channel (pipelined). An
// access that spans several interleave chunks books each channel for its share of the bytes and
// completes when the slowest channel has finished, plus the latency.
//
// Does not model: banks, rows, row-buffer hits, refresh, read/write turnaround, the memory
// controller's scheduling (FR-FCFS), caches in front of DRAM, ECC, DMI, byte enables (rejected
// with TLM_BYTE_ENABLE_ERROR_RESPONSE) or streaming (TLM_BURST_ERROR_RESPONSE).
//
// Loosely-timed caveat: data is read and written at call time, not at the access's annotated
// completion time. A reader whose local time is behind a writer's can see data "early". The
// write_event() is notified at the completion time, so a poller that sleeps on it wakes no
// earlier than the write finishes.
//
// Host-backed frames: the kernel model may give a frame the storage of a host page
// (alias_host_page, for a process that mirrors the simulator's own address space: see
// kernel/host_mirror.h). Every access to it, functional or TLM (CPU, DMA, debug), reads and writes
// that host memory directly; unaliasing leaves the frame reading as zero. The page directory holds
// one storage pointer per frame either way, so an access costs the same lookup.
//
// Device accesses: a TLM access carrying the IoAttrs extension (device DMA the SMMU forwards with
// the device's own payload) is shown to the DeviceAccessObserver, if one is set, when its data
// moves; the SMMU's own reads and writes (tables, queues, MSIs) carry no IoAttrs and are not.
//
// Sources for defaults: Kunpeng 920 has 8 DDR4-2933 channels per socket (Huawei product brief);
// a DDR4-2933 64-bit channel peaks at 2933 MT/s x 8 B = 23.464 GB/s (JEDEC JESD79-4). The
// latency and interleave granularity are guesses (typical server idle latency ~90 ns).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/base/io_attrs.h"
#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/base/timing.h"

namespace wdsim {

struct DramParams {
  double latency_ns;      // idle access latency, added after the channel transfer
  double bandwidth_gbps;  // per channel, in GB/s (10^9 bytes per second)
  uint32_t channels;
  uint64_t interleave_bytes;
  uint64_t size_bytes;  // physical memory size; addresses [0, size_bytes)

  void declare(ParamScope& s) {
    s.add("latency_ns", latency_ns, 90.0, "ns",
          "Idle DRAM access latency (not occupying the channel)",
          "guess: typical server idle load-to-use latency", Range::between(0, 1e6));
    s.add("bandwidth_gbps", bandwidth_gbps, 23.464, "GB/s",
          "Peak bandwidth of one channel (10^9 bytes/s)",
          "DDR4-2933 x 64 bit = 2933 MT/s x 8 B (JEDEC JESD79-4)", Range::between(0.001, 1e4));
    s.add("channels", channels, 8, "count", "Number of interleaved DRAM channels",
          "Kunpeng 920: 8 DDR4 channels per socket (Huawei product brief)", Range::between(1, 64));
    s.add("interleave_bytes", interleave_bytes, 256, "B",
          "Channel interleave granularity, a power of two: channel = (addr / interleave_bytes) % "
          "channels",
          "guess", Range::between(64, 1 << 30));
    s.require("interleave_bytes", (interleave_bytes & (interleave_bytes - 1)) == 0,
              "must be a power of two, got " + std::to_string(interleave_bytes));
    s.add("size_bytes", size_bytes, 4ull << 30, "B",
          "Physical memory size (addresses from 0), a multiple of 4 KiB. The kernel keeps the "
          "first MiB and its SMMU stream table (up to 4 MiB) in it; processes' pages, queues "
          "and buffers come from the rest (too little memory for a workload fails the run: out "
          "of physical memory)",
          "guess: enough for the scenarios; bounds: kMinSizeBytes, kMaxSizeBytes",
          Range::between(kMinSizeBytes, kMaxSizeBytes));
    s.require("size_bytes", size_bytes % kPageBytes == 0,
              "must be a multiple of 4 KiB (4096), got " + std::to_string(size_bytes));
  }
  // The least memory a system boots in: the kernel's reserved MiB, a stream table of 2^16
  // STEs (4 MiB), CD tables, queues and one process with its buffers, with room to spare.
  static constexpr uint64_t kMinSizeBytes = 16ull << 20;
  // Below the SMMU's register pages (AddressMap::kSmmuRegs, 256 GiB): DRAM and MMIO windows
  // do not overlap.
  static constexpr uint64_t kMaxSizeBytes = 256ull << 30;
  static constexpr uint64_t kPageBytes = 4096;
};

// Sees every device access (a TLM access with IoAttrs) that PhysicalMemory serves, when its data
// moves. `at` is the access's arrival time (sc_time_stamp() plus its annotated delay). Must not
// change the access.
class DeviceAccessObserver {
 public:
  virtual ~DeviceAccessObserver() = default;
  virtual void device_access(const IoAttrs& attrs, uint64_t pa, uint64_t len, bool write,
                             const sc_core::sc_time& at) = 0;
};

class PhysicalMemory : public sc_core::sc_module {
 public:
  static constexpr uint64_t kPageSize = 4096;
  using Page = std::array<uint8_t, kPageSize>;

  tlm_utils::simple_target_socket<PhysicalMemory> socket;

  // Throws std::invalid_argument when interleave_bytes is not a power of two or size_bytes is
  // not a multiple of 4 KiB.
  PhysicalMemory(sc_core::sc_module_name name, const DramParams& params, SimEnv& env);

  // Functional, untimed access (no stats, no channel booking). Out of range is a simulator
  // bug: std::out_of_range. write() notifies write_event() one delta later.
  void read(uint64_t pa, void* dst, size_t len) const;
  void write(uint64_t pa, const void* src, size_t len);
  uint64_t read64(uint64_t pa) const;
  void write64(uint64_t pa, uint64_t value);

  // Notified whenever a write lands: TLM writes at their completion time (every distinct
  // completion time gets its own notification, even when several are pending), functional
  // writes after SC_ZERO_TIME. Waiters must re-check the memory they watch: the event does not
  // say which address was written.
  sc_core::sc_event& write_event() { return write_event_; }
  // The same for writes that overlap [pa, pa + len) only: `ev` is notified when (and only
  // when) write_event() would be for such a write, so a poller of one CQ is not woken by every
  // other DMA in the system. Remove the watch before `ev` goes away.
  class WriteWatch {
   public:
    WriteWatch(PhysicalMemory& mem, uint64_t pa, uint64_t len, sc_core::sc_event& ev);
    ~WriteWatch();
    WriteWatch(const WriteWatch&) = delete;
    WriteWatch& operator=(const WriteWatch&) = delete;

   private:
    friend class PhysicalMemory;
    PhysicalMemory& mem_;
    uint64_t lo_, hi_;  // [lo, hi)
    sc_core::sc_event& ev_;
  };

  // nullptr: none (the default). The observer must outlive the memory or be unset first.
  void set_device_access_observer(DeviceAccessObserver* observer) { observer_ = observer; }

  const DramParams& params() const { return params_; }
  uint64_t size() const { return params_.size_bytes; }
  // Channel index of an address.
  size_t channel_of(uint64_t pa) const {
    return static_cast<size_t>((pa / params_.interleave_bytes) % params_.channels);
  }
  const TimingServer& channel(size_t i) const { return channels_.at(i); }
  // Pages touched by a write so far (sparse storage footprint; host-backed frames not counted).
  size_t resident_pages() const { return resident_pages_; }

  // From now on the frame at `pa` is stored in the host page `host_page` (4 KiB, which the caller
  // keeps mapped until unalias_host_page): reads and writes of the frame, by any path, are reads
  // and writes of that host memory. Whatever the frame held before is dropped. A pa or host_page
  // that is not 4 KiB-aligned, a pa beyond memory, or a frame already aliased is a simulator bug:
  // std::invalid_argument.
  void alias_host_page(uint64_t pa, uint8_t* host_page);
  // Ends the alias of the frame at `pa`, which then reads as zero again. A frame that is not
  // aliased (or a pa not 4 KiB-aligned or beyond memory) is a simulator bug: std::invalid_argument.
  void unalias_host_page(uint64_t pa);
  bool is_host_aliased(uint64_t pa) const;
  // Frames aliased to host pages now.
  size_t aliased_pages() const { return aliased_pages_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  bool in_range(uint64_t pa, uint64_t len) const {
    return pa < params_.size_bytes && len <= params_.size_bytes - pa;
  }
  // Completion time (absolute) of an access of len bytes at pa arriving at `arrival`.
  sc_core::sc_time book_channels(uint64_t pa, uint64_t len, const sc_core::sc_time& arrival);
  void copy_out(uint64_t pa, uint8_t* dst, size_t len) const;
  void copy_in(uint64_t pa, const uint8_t* src, size_t len);
  // write_event_ notification at absolute time `at` (>= now).
  void schedule_write_notify(const sc_core::sc_time& at, uint64_t pa, uint64_t len);
  // Delta-notifies the watches a functional write of [pa, pa + len) overlaps.
  void notify_watches(uint64_t pa, uint64_t len, bool immediate);
  void fire_write_notifications();  // SC_METHOD

  DramParams params_;
  std::vector<TimingServer> channels_;
  // Page storage by page number, in two levels (a directory of 512-page blocks), so a lookup
  // is two indexings: no tree walk per access. `data` is where each page's bytes are (nullptr:
  // never written, reads as zero): the page's own storage in `owned`, or a host page (aliased,
  // `owned` empty).
  static constexpr uint64_t kPagesPerBlock = 512;
  struct PageBlock {
    std::array<uint8_t*, kPagesPerBlock> data{};
    std::array<std::unique_ptr<Page>, kPagesPerBlock> owned;
  };
  const uint8_t* find_page(uint64_t page_number) const {
    const auto& block = blocks_[page_number / kPagesPerBlock];
    return block ? block->data[page_number % kPagesPerBlock] : nullptr;
  }
  uint8_t* page_for_write(uint64_t page_number);
  // The frame number of an alias_host_page / unalias_host_page argument (checks it).
  uint64_t alias_page_number(uint64_t pa, const char* what) const;
  std::vector<std::unique_ptr<PageBlock>> blocks_;
  size_t resident_pages_ = 0;
  size_t aliased_pages_ = 0;
  DeviceAccessObserver* observer_ = nullptr;
  sc_core::sc_event write_event_;
  sc_core::sc_event next_notify_;  // fires at the earliest pending notification time
  // Writes still to notify (for the watches), by absolute time; equal times in write order.
  struct PendingNotify {
    sc_core::sc_time at;
    uint64_t pa;
    uint64_t len;
  };
  std::deque<PendingNotify> pending_notify_;
  // book_channels' bytes per channel (scratch, kept to spare an allocation per access).
  std::vector<uint64_t> channel_bytes_;
  std::vector<WriteWatch*> watches_;
  Counter& reads_;
  Counter& writes_;
  Counter& read_bytes_;
  Counter& write_bytes_;
};

}  // namespace wdsim
