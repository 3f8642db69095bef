// Program kind `nic_pipeline`: the use case WarpDrive started from. A process receives records
// from a NIC (system.devices kind nic with nic.payload: records, sim/system/nic_records.h: a
// deflate stream encrypted with AES-128-GCM), has the SEC function decrypt each one in place and
// the ZIP function decompress it into the application's buffer, and checks the plaintext against
// what the traffic source made.
//
// mode sva: all three devices work on the process's own address space through
// its one PASID (the NIC's driver binds it at open, UADK's queues at wd_*_init2): the NIC writes
// the packet at a virtual address of the process, the program hands that same pointer to
// wd_do_aead_sync as source and destination (the AAD, the ciphertext; the tag at `mac`), then
// the decrypted deflate stream's pointer, still inside the receive buffer, to wd_do_comp_sync
// with the application's buffer as destination. No byte is copied by the CPU; the SMMU walks
// the process's page tables for each device's DMA.
//
// mode pinned: the SEC and ZIP functions without SVA (system.devices[].uacce_mode nosva: no
// PASID, their DMA goes through each device's kernel DMA domain). The program reserves each
// ctx's static share region (UADK wd_mempool_alloc: pinned DMA memory the uacce driver maps into
// the process), opens UADK_MEM_PROXY sessions on those pools, and per record copies it from the
// NIC's buffer into a SEC block, decrypts it in place there, copies the deflate stream into a ZIP
// block, decompresses it into another ZIP block and copies the plaintext to the application's
// buffer: three CPU copies (HostThread::copy, host.user_copied_bytes), descriptors with DMA
// addresses. The NIC keeps its SVA receive path, as in the other modes.
//
// mode dmabuf: SEC and ZIP without SVA again, but no copies: the program allocates one dma-buf
// from the system heap (/dev/dma_heap/system: pinned kernel pages mapped into the process) for
// the NIC's receive buffers, the application's plaintext buffer and a small scratch area,
// attaches it to each engine's device (wdsim's uacce importer ioctl through wd_ctx_set_io_cmd:
// the buffer mapped into the device's kernel DMA domain, an IOVA per device, no PASID) and
// opens UADK_MEM_USER sessions whose iova_map turns a pointer into the buffer into that
// device's IOVA. Per record the same pointers as sva: decrypted in place in the receive
// buffer, decompressed into the application's buffer. The cost moves to set-up (allocating,
// zeroing, mapping and attaching every page: setup_us) and to pinned memory (pinned_kib).
//
// mode syscall: the same process, NIC and buffers, but the engines are the kernel's: the program
// hands the record to /dev/sec_sync (an AEAD ioctl, as AF_ALG's aead: decrypted in place from
// the caller's view) and the stream to /dev/zip_sync; the kernel copies each buffer into its own
// pages (host.buffer_mode copy, or pins the user's pages: pin), DMA-maps them (IOVAs of its DMA
// domain, no PASID), runs the request on its own queue pair, sleeps until the interrupt, unmaps
// (strict IOTLB invalidation) and copies the result back. The NIC's receive path is the same in
// every mode, so the difference is the engines' path alone.
//
// Per packet the program waits for the used ring as nic_rx does (poll or the receive MSI), reads
// the record's 32-byte header (its lengths), runs the two sync requests, checks the output
// (output.verify), spends per_packet_ns of its own work and re-posts the buffer. Figures (table
// nic_pipeline, stats workload.nic_pipeline.[<process>.]*): packets, drops, verified, latency
// from the packet's arrival at the NIC to the plaintext being in the application's buffer
// (p50/p99) and its mean split into receive / decrypt / decompress, packets per second, CPU per
// packet, bytes copied (host.kernel.copied_bytes and host.user_copied_bytes: 0 in sva), memory
// traffic per packet (the devices' DMA bytes to or from DRAM in the run, plus each copied byte
// read and written),
// the SMMU's IOTLB hit rate and walks, and the process's PASID with the number of devices it is
// bound on.
//
// Not built yet (issue 11): a kernel that receives the packet itself; async requests
// overlapping packets.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "formats/linux/dma_heap.h"
#include "formats/uacce/uacce.h"
#include "formats/virtio/virtio_net.h"
#include "formats/zip/zip_sqe.h"
#include "runtime/include/uadk/wd_aead.h"
#include "runtime/include/uadk/wd_bmm.h"
#include "runtime/include/uadk/wd_comp.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/wd_runtime.h"
#include "sim/accel/nic/nic_traffic.h"
#include "sim/cpu_host/host_costs.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/process.h"
#include "sim/cpu_host/kernel/sec_sync_device.h"
#include "sim/cpu_host/kernel/virtio_net_driver.h"
#include "sim/cpu_host/kernel/zip_sync_device.h"
#include "sim/system/nic_records.h"
#include "sim/system/program.h"
#include "sim/system/workloads/stages.h"
#include "sim/system/workloads/uadk_async.h"
#include "sim/system/workloads/user_rx_ring.h"

namespace wdsim::nic_pipeline_kind {

namespace vio = virtio;
namespace rec = nic_records;

struct NicPipelineParams : ProgramParams {
  std::string mode;
  std::string nic;
  uint64_t packets;
  uint32_t queue_size;
  uint32_t buffer_bytes;
  uint32_t output_bytes;
  std::string wait;
  double per_packet_ns;
  double idle_timeout_us;

  void declare(ParamScope& s) override {
    s.add_choice("mode", mode, "sva", {"sva", "pinned", "dmabuf", "syscall"},
                 "How the engines get the data: sva: every device on the process's address "
                 "space (one PASID), the NIC's buffer decrypted in place and decompressed "
                 "straight into the application's buffer through UADK's queues, no copies; "
                 "pinned: SEC and ZIP without SVA (uacce_mode nosva), UADK sessions on each "
                 "ctx's static share region, the process copying the record into SEC's region, "
                 "the stream into ZIP's and the plaintext out (three copies); dmabuf: SEC and "
                 "ZIP without SVA, the receive buffers and the application's buffer in one "
                 "dma-buf attached to both devices (an IOVA each), no copies; syscall: the same "
                 "buffers handed to the kernel (/dev/sec_sync, /dev/zip_sync: "
                 "copied or pinned per system.host.buffer_mode, DMA-mapped, the kernel's own "
                 "queues, an interrupt per request)",
                 "WarpDrive's NIC -> SEC -> ZIP use case (issue 11)");
    s.add("nic", nic, "", "",
          "The NIC (system.devices[].name of a device of kind nic, nic.payload: records); "
          "empty: the first",
          "scenario choice");
    s.add("packets", packets, 1000u, "packets",
          "Records to receive (the run of the program ends there, or after idle_timeout_us "
          "without one)",
          "scenario choice", Range::between(1, 1ull << 32));
    s.add("queue_size", queue_size, 256u, "descriptors",
          "Receive queue size (a power of two up to the NIC's queue_size_max); a buffer per "
          "descriptor",
          "Linux virtio_net: the device's queue size", Range::between(1, vio::kMaxQueueSize));
    s.require("queue_size", (queue_size & (queue_size - 1)) == 0, "must be a power of two");
    s.add("buffer_bytes", buffer_bytes, 9216u, "B",
          "Bytes of each receive buffer (the 12-byte virtio_net_hdr, then the record)",
          "guess: holds a 9000-byte jumbo frame",
          Range::between(sizeof(vio::NetHdr) + rec::kOverheadBytes, 65536 + sizeof(vio::NetHdr)));
    s.add("output_bytes", output_bytes, 65536u, "B",
          "The application's plaintext buffer (a record's plaintext must fit)",
          "guess: the largest record plaintext a jumbo frame carries compressed",
          Range::between(1, 1u << 24));
    s.add_choice("wait", wait, "poll", {"poll", "interrupt"},
                 "How the program waits for packets: busy-poll the used index, or sleep until "
                 "the receive MSI",
                 "DPDK-style polling vs Linux NAPI interrupts");
    s.add("per_packet_ns", per_packet_ns, 100.0, "ns",
          "The application's own work per packet besides the requests and the check", "guess",
          Range::between(0, 1e9));
    s.add("idle_timeout_us", idle_timeout_us, 1000.0, "us",
          "Stop when no packet has come for this long (the rest were dropped)", "guess",
          Range::between(0.001, 1e9));
  }
};

// mode pinned: blocks of each static share pool (SEC: the session key, the record; ZIP: the
// stream, the plaintext) and their alignment (a cache line, as UADK's samples ask).
constexpr uint32_t kPinnedSecBlocks = 2;
constexpr uint32_t kPinnedZipBlocks = 2;
constexpr uint32_t kPinnedBlockAlign = 64;

// mode dmabuf: the scratch area at the dma-buf's end the sessions allocate from (their key
// buffers), half for each device's memory ops.
constexpr uint64_t kDmaBufScratchBytes = 4096;

// mode dmabuf: a session's user memory ops (UADK_MEM_USER) over the dma-buf: iova_map turns a
// pointer into the buffer into its IOVA on one device; alloc hands out pieces of that device's
// half of the scratch area (a bump allocator: the session's key buffer), free gives nothing
// back (the scratch goes with the buffer).
struct DmaBufMemory {
  uint64_t va = 0;    // the buffer's mapping in the process
  uint64_t size = 0;  // its bytes
  uint64_t iova = 0;  // its address on the device
  uint64_t next = 0;  // the scratch: [next, end)
  uint64_t end = 0;
};
// The memory ops a UADK_MEM_USER session takes over `m` (mode dmabuf).
wd_mm_ops dmabuf_ops(DmaBufMemory* m);

// The stages of a packet's latency, in order.
enum Stage { kRx, kDecrypt, kDecompress, kStages };
inline constexpr const char* kStageNames[kStages] = {"rx", "decrypt", "decompress"};

class NicPipeline : public Program {
 public:
  NicPipeline(const NicPipelineParams& p, const ProgramSetup& setup)
      : p_(p), instance_(setup.instance) {}

  void run(ProgramThread& t) override;

  uint64_t requests_ok() const override { return received_; }
  uint64_t requests_failed() const override { return failed_; }

  const std::string& instance() const { return instance_; }
  const NicPipelineParams& params() const { return p_; }
  uint64_t received() const { return received_; }
  uint64_t drops() const { return drops_; }
  uint64_t verified() const { return verified_; }
  uint64_t plain_bytes() const { return plain_bytes_; }
  uint64_t wire_bytes() const { return wire_bytes_; }
  uint64_t copied_bytes() const { return copied_bytes_; }
  const LatencyStats& latency() const { return latency_; }
  double stage_mean_us(int s) const {
    return received_ ? static_cast<double>(stage_ps_[s]) / 1e6 / static_cast<double>(received_) : 0;
  }
  double packets_per_s() const { return per_second(received_ > 1 ? received_ : 0, span_ps()); }
  double cpu_ns_per_packet() const {
    return received_ ? static_cast<double>(cpu_ps_) / 1e3 / static_cast<double>(received_) : 0;
  }
  const std::string& pasid() const { return pasid_; }
  double setup_us() const { return static_cast<double>(setup_ps_) / 1e6; }
  uint64_t pinned_bytes() const { return pinned_bytes_; }

 private:
  [[noreturn]] void fail(ProgramThread& t, const std::string& what) {
    ++failed_;
    throw ProgramError(with_uadk_error(t, "nic_pipeline: " + what));
  }
  uint64_t span_ps() const {
    return last_done_ps_ > first_arrival_ps_ ? last_done_ps_ - first_arrival_ps_ : 0;
  }
  const DeviceView& device_of(ProgramThread& t, const std::string& kind, const std::string& name);
  // The engines' handles: UADK sessions (sva) or the kernel's devices (syscall).
  struct Engines {
    handle_t aead = 0;
    handle_t comp = 0;
    // pinned: the ctxs' static share pools and the blocks the program uses in them.
    handle_t sec_ctx = 0;
    handle_t zip_ctx = 0;
    void* sec_pool = nullptr;
    void* zip_pool = nullptr;
    uint64_t sec_block = 0;  // the record, decrypted in place
    uint64_t zip_src = 0;    // the deflate stream
    uint64_t zip_dst = 0;    // the plaintext
    // dmabuf: the buffer and each device's view of it.
    int dmabuf_fd = -1;
    uint64_t dmabuf_va = 0;
    DmaBufMemory sec_mem;
    DmaBufMemory zip_mem;
    int sec_fd = -1;
    int zip_fd = -1;
  };
  void open_uadk(ProgramThread& t, uint64_t key_va, Engines* eng);
  // One record's decryption then decompression; returns when the decryption ended (ps).
  uint64_t sva_requests(ProgramThread& t, Engines& eng, uint64_t pkt, uint64_t out,
                        const nic_records::RecordView& v);
  uint64_t pinned_requests(ProgramThread& t, Engines& eng, uint64_t pkt, uint64_t out,
                           const nic_records::RecordView& v);
  // The sync requests on UADK sessions: decrypt `record` (AAD, ciphertext, tag) in place; then
  // decompress the stream at `stream` into `dst`, returning the bytes produced.
  void uadk_decrypt(ProgramThread& t, Engines& eng, uint64_t record,
                    const nic_records::RecordView& v);
  uint32_t uadk_decompress(ProgramThread& t, Engines& eng, uint64_t stream, uint64_t dst,
                           uint32_t dst_bytes, const nic_records::RecordView& v);
  uint64_t syscall_requests(ProgramThread& t, Engines& eng, uint64_t pkt, uint64_t out,
                            uint64_t key_va, const nic_records::RecordView& v);
  void check_decompressed(ProgramThread& t, const nic_records::RecordView& v, uint32_t status,
                          uint32_t produced);

  const NicPipelineParams& p_;
  std::string instance_;
  uint64_t received_ = 0;
  uint64_t failed_ = 0;
  uint64_t drops_ = 0;
  uint64_t last_seq_ = 0;
  uint64_t verified_ = 0;
  uint64_t plain_bytes_ = 0;
  uint64_t wire_bytes_ = 0;
  uint64_t copied_bytes_ = 0;  // bytes the kernel copied to or from user memory meanwhile
  uint64_t first_arrival_ps_ = 0;
  uint64_t last_done_ps_ = 0;
  uint64_t cpu_ps_ = 0;
  uint64_t stage_ps_[kStages] = {};
  LatencyStats latency_;
  std::string pasid_;          // "1 on 3 devices": the process's SVA binding once all are open
  uint64_t setup_ps_ = 0;      // the program's start to its first wait for a packet
  uint64_t pinned_bytes_ = 0;  // DMA memory pinned for the engines (static shares, the dma-buf)
  bool zip_timing_only_ = false;
};

}  // namespace wdsim::nic_pipeline_kind
