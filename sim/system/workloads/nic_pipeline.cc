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

namespace wdsim {

namespace {

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
constexpr uint64_t kDmaBufAllocAlign = 64;  // a cache line, as UADK's pools align
void* dmabuf_alloc(void* usr, size_t size) {
  auto* m = static_cast<DmaBufMemory*>(usr);
  const uint64_t at = (m->next + kDmaBufAllocAlign - 1) & ~(kDmaBufAllocAlign - 1);
  if (at + size > m->end) return nullptr;
  m->next = at + size;
  return reinterpret_cast<void*>(at);
}
void dmabuf_free(void* /*usr*/, void* /*va*/) {}
void* dmabuf_iova_map(void* usr, void* va, size_t sz) {
  const auto* m = static_cast<const DmaBufMemory*>(usr);
  const uint64_t a = reinterpret_cast<uint64_t>(va);
  if (a < m->va || a + sz > m->va + m->size) return nullptr;
  return reinterpret_cast<void*>(m->iova + (a - m->va));
}
void dmabuf_iova_unmap(void* /*usr*/, void* /*va*/, void* /*dma*/, size_t /*sz*/) {}
wd_mm_ops dmabuf_ops(DmaBufMemory* m) {
  wd_mm_ops ops{};
  ops.alloc = dmabuf_alloc;
  ops.free = dmabuf_free;
  ops.iova_map = dmabuf_iova_map;
  ops.iova_unmap = dmabuf_iova_unmap;
  ops.usr = m;
  return ops;
}

// The stages of a packet's latency, in order.
enum Stage { kRx, kDecrypt, kDecompress, kStages };
constexpr const char* kStageNames[kStages] = {"rx", "decrypt", "decompress"};

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

const DeviceView& NicPipeline::device_of(ProgramThread& t, const std::string& kind,
                                         const std::string& name) {
  for (const DeviceView& d : t.system.devices()) {
    if (d.kind == kind && (name.empty() || d.name == name)) return d;
  }
  fail(t, "no " + kind + " device " + (name.empty() ? "" : name + " ") + "in system.devices");
}

void NicPipeline::run(ProgramThread& t) {
  const DeviceView& nic = device_of(t, "nic", p_.nic);
  const DeviceView& sec = device_of(t, "sec", "");
  const DeviceView& zip = device_of(t, "zip", "");
  // Timing-only engines (data_mode: timing) move sizes, not bytes: a real ZIP behind a
  // timing-only SEC would be handed ciphertext.
  if (sec.timing_only && !zip.timing_only) {
    fail(t, sec.name + " is timing-only but " + zip.name +
                " is not: it would decompress ciphertext (give both the same data_mode)");
  }
  zip_timing_only_ = zip.timing_only;
  HostThread& os = t.os;
  const int fd = os.open(nic.dev_path);
  if (fd < 0) fail(t, "open " + nic.dev_path + ": " + std::to_string(fd));
  const uint16_t n = static_cast<uint16_t>(p_.queue_size);
  const uint64_t start_ps = os.now();
  Engines eng;
  const uint64_t rx_bytes = uint64_t{n} * p_.buffer_bytes;
  if (p_.mode == "dmabuf") {
    // One dma-buf: the receive buffers, the application's buffer, the sessions' scratch.
    const uint64_t bytes = rx_bytes + p_.output_bytes + kDmaBufScratchBytes;
    const int heap = os.open(rt::kDmaHeapSystemPath);
    rt::DmaHeapAllocationData a;
    a.len = bytes;
    a.fd_flags = rt::kORdwr;
    if (heap < 0 || os.ioctl(heap, rt::kDmaHeapIoctlAlloc, &a) < 0) {
      fail(t, std::string("cannot allocate a dma-buf from ") + rt::kDmaHeapSystemPath);
    }
    os.close(heap);
    eng.dmabuf_fd = static_cast<int>(a.fd);
    int err = 0;
    eng.dmabuf_va = os.mmap(eng.dmabuf_fd, a.len, rt::kProtRead | rt::kProtWrite, 0, &err);
    if (!eng.dmabuf_va) fail(t, "mmap of the dma-buf: " + std::to_string(err));
    pinned_bytes_ = a.len;
    const uint64_t scratch = eng.dmabuf_va + rx_bytes + p_.output_bytes;
    for (DmaBufMemory* m : {&eng.sec_mem, &eng.zip_mem}) {
      m->va = eng.dmabuf_va;
      m->size = a.len;
    }
    eng.sec_mem.next = scratch;
    eng.sec_mem.end = scratch + kDmaBufScratchBytes / 2;
    eng.zip_mem.next = eng.sec_mem.end;
    eng.zip_mem.end = scratch + kDmaBufScratchBytes;
  }
  const uint64_t out =
      eng.dmabuf_va ? eng.dmabuf_va + rx_bytes : t.map_buffer(p_.output_bytes, true);
  const uint64_t key_va = t.map_buffer(rec::kKeyBytes, true);

  const uint64_t seed = nic_traffic::stream_seed(t.system.env().seed(), nic.name);
  const rec::StreamKeys keys = rec::stream_keys(seed);
  if (!os.process().write(key_va, keys.key.data(), keys.key.size())) fail(t, "key unmapped");
  if (p_.mode != "syscall") {
    const bool want_sva = p_.mode == "sva";
    if (sec.sva != want_sva || zip.sva != want_sva) {
      fail(t, "mode " + p_.mode + " needs " + sec.name + " and " + zip.name +
                  (want_sva ? " with SVA (system.devices[].uacce_mode: sva)"
                            : " without SVA (system.devices[].uacce_mode: nosva)"));
    }
    open_uadk(t, key_va, &eng);
  } else {
    if (sec.syscall_path.empty() || zip.syscall_path.empty()) {
      fail(t, "mode syscall needs the kernel's /dev/sec_sync and /dev/zip_sync");
    }
    eng.sec_fd = os.open(sec.syscall_path);
    eng.zip_fd = os.open(zip.syscall_path);
    if (eng.sec_fd < 0 || eng.zip_fd < 0) fail(t, "open of the kernel's SEC or ZIP device failed");
  }
  // The receive queue last: the NIC delivers once it is enabled, and the engines are ready.
  UserRxRing rx(t, fd, n, n, p_.buffer_bytes, p_.wait == "poll", "nic_pipeline", eng.dmabuf_va);
  if (auto b = t.system.sva_binding(os.process().pid())) {
    pasid_ = std::to_string(b->pasid) + " on " + std::to_string(b->devices) + " devices";
  }
  const Counter* copies = t.system.env().stats().find_counter("host.kernel.copied_bytes");
  const Counter* user_copies = t.system.env().stats().find_counter("host.user_copied_bytes");
  auto copied_now = [&] {
    return (copies ? copies->value() : 0) + (user_copies ? user_copies->value() : 0);
  };
  const uint64_t copied0 = copied_now();

  const uint64_t poll_ps = to_ps(ns(t.system.host_costs().poll_interval_ns));
  const uint64_t idle_ps = to_ps(ns(p_.idle_timeout_us * 1e3));
  const uint64_t cpu0 = to_ps(os.cpu().stats().busy);
  setup_ps_ = os.now() - start_ps;
  RequestLog* log = t.system.request_log();
  uint8_t head[rec::kCipherOffset];
  while (received_ < p_.packets) {
    const uint16_t idx = rx.used_index();
    if (idx == rx.consumed()) {
      if (!rx.wait(poll_ps, idle_ps)) break;  // idle
      continue;
    }
    rx.read_barrier();
    while (rx.consumed() != idx && received_ < p_.packets) {
      const vio::VirtqUsedElem e = rx.next_used();
      if (e.id >= n || e.len > p_.buffer_bytes ||
          e.len < sizeof(vio::NetHdr) + rec::kOverheadBytes) {
        fail(t, "bad used element id " + std::to_string(e.id) + " len " + std::to_string(e.len) +
                    " (is the NIC's nic.payload records?)");
      }
      const uint64_t pkt = rx.buffer_va(e.id) + sizeof(vio::NetHdr);
      const uint32_t len = e.len - static_cast<uint32_t>(sizeof(vio::NetHdr));
      os.load(pkt, head, sizeof head);  // the record's header: where the lengths are
      const uint64_t seen_ps = os.now();
      std::string why;
      const std::optional<rec::RecordView> v = rec::parse(head, len, &why);
      if (!v) {
        fail(t, "packet " + std::to_string(received_) + ": " + why +
                    " (not a record: is the NIC's nic.payload records?)");
      }
      const nic_traffic::Header h = nic_traffic::read_header(head);
      if (received_ > 0 && v->seq <= last_seq_) {
        fail(t, "record " + std::to_string(v->seq) + " after " + std::to_string(last_seq_));
      }
      if (v->plain_bytes > p_.output_bytes) {
        fail(t, "record " + std::to_string(v->seq) + " has " + std::to_string(v->plain_bytes) +
                    " plaintext bytes, more than output_bytes (" + std::to_string(p_.output_bytes) +
                    ")");
      }
      drops_ += v->seq - (received_ > 0 ? last_seq_ + 1 : 0);
      last_seq_ = v->seq;

      uint64_t decrypted_ps = 0;
      if (p_.mode == "sva" || p_.mode == "dmabuf") {
        decrypted_ps = sva_requests(t, eng, pkt, out, *v);
      } else if (p_.mode == "pinned") {
        decrypted_ps = pinned_requests(t, eng, pkt, out, *v);
      } else {
        decrypted_ps = syscall_requests(t, eng, pkt, out, key_va, *v);
      }
      const uint64_t done_ps = os.now();
      if (t.system.verify_output(zip.name, "zip", received_)) {
        std::vector<uint8_t> got(v->plain_bytes);
        if (!os.process().read(out, got.data(), got.size())) fail(t, "output buffer unmapped");
        const std::vector<uint8_t> want = rec::plaintext(seed, v->seq, v->data, v->plain_bytes);
        if (got != want) {
          size_t i = 0;
          while (i < got.size() && got[i] == want[i]) ++i;
          fail(t, "record " + std::to_string(v->seq) + ": plaintext byte " + std::to_string(i) +
                      " differs from the traffic source's");
        }
        ++verified_;
      }
      if (received_ == 0) first_arrival_ps_ = h.arrival_ps;
      last_done_ps_ = done_ps;
      const uint64_t lat = done_ps > h.arrival_ps ? done_ps - h.arrival_ps : 0;
      latency_.add(lat);
      stage_ps_[kRx] += seen_ps > h.arrival_ps ? seen_ps - h.arrival_ps : 0;
      stage_ps_[kDecrypt] += decrypted_ps - seen_ps;
      stage_ps_[kDecompress] += done_ps - decrypted_ps;
      plain_bytes_ += v->plain_bytes;
      wire_bytes_ += len;
      if (log) {
        RequestRow row;
        row.process = instance_;
        row.thread = t.name;
        row.program = "nic_pipeline";
        row.point = p_.mode;
        row.size = len;
        row.index = received_;
        row.submit_ps = h.arrival_ps;
        row.latency_ps = lat;
        row.output_bytes = v->plain_bytes;
        log->write(row);
      }
      os.compute(to_ps(ns(p_.per_packet_ns)));
      cpu_ps_ = to_ps(os.cpu().stats().busy) - cpu0;
      rx.repost(static_cast<uint16_t>(e.id));
      rx.consume();
      ++received_;
      rx.publish();
    }
  }
  cpu_ps_ = to_ps(os.cpu().stats().busy) - cpu0;
  copied_bytes_ = copied_now() - copied0;
  if (p_.mode != "syscall") {
    t.bind_runtime();
    wd_comp_free_sess(eng.comp);
    wd_aead_free_sess(eng.aead);
    if (eng.sec_pool) {
      wd_mem_free(eng.sec_pool, reinterpret_cast<void*>(eng.sec_block));
      wd_mempool_free(eng.sec_ctx, eng.sec_pool);
    }
    if (eng.zip_pool) {
      wd_mem_free(eng.zip_pool, reinterpret_cast<void*>(eng.zip_src));
      wd_mem_free(eng.zip_pool, reinterpret_cast<void*>(eng.zip_dst));
      wd_mempool_free(eng.zip_ctx, eng.zip_pool);
    }
    wd_comp_uninit2();  // the queue files' release detaches the dma-buf
    wd_aead_uninit2();
  } else {
    os.close(eng.sec_fd);
    os.close(eng.zip_fd);
  }
  os.close(fd);
  if (eng.dmabuf_fd >= 0) {
    os.munmap(eng.dmabuf_va, pinned_bytes_);
    os.close(eng.dmabuf_fd);
  }
}

void NicPipeline::open_uadk(ProgramThread& t, uint64_t key_va, Engines* eng) {
  // One sync ctx each for AES-GCM decryption and deflate decompression, bound to the process's
  // address space like the NIC.
  t.bind_runtime();
  if (int r = wd_aead_init2(const_cast<char*>("gcm(aes)"), SCHED_POLICY_RR, TASK_HW); r != 0) {
    fail(t, "wd_aead_init2: " + std::to_string(r));
  }
  wd_ctx_nums nums[WD_DIR_MAX] = {};
  nums[WD_DIR_DECOMPRESS].sync_ctx_num = 1;
  wd_ctx_params ctx_params{WD_DIR_MAX, nums, nullptr, nullptr};
  if (int r = wd_comp_init2_(const_cast<char*>("deflate"), SCHED_POLICY_RR, TASK_HW, &ctx_params);
      r != 0) {
    fail(t, "wd_comp_init2: " + std::to_string(r));
  }
  wd_aead_sess_setup aead_setup{};
  aead_setup.calg = WD_CIPHER_AES;
  aead_setup.cmode = WD_CIPHER_GCM;
  wd_comp_sess_setup comp_setup{};
  if (p_.mode == "dmabuf") {
    // No SVA, no copies: the dma-buf attached to each device, the sessions' memory the user's.
    eng->sec_ctx = wd_find_ctx("gcm(aes)");
    eng->zip_ctx = wd_find_ctx("deflate");
    if (!eng->sec_ctx || !eng->zip_ctx) fail(t, "wd_find_ctx found no gcm(aes) or deflate ctx");
    for (auto [ctx, mem] :
         {std::pair{eng->sec_ctx, &eng->sec_mem}, {eng->zip_ctx, &eng->zip_mem}}) {
      rt::WdsimDmaBufAttach a;
      a.fd = eng->dmabuf_fd;
      if (int r = wd_ctx_set_io_cmd(ctx, rt::kWdsimUacceCmdAttachDmaBuf, &a); r != 0) {
        fail(t, "attaching the dma-buf to a device: " + std::to_string(r));
      }
      mem->iova = a.iova;
    }
    aead_setup.mm_type = UADK_MEM_USER;
    aead_setup.mm_ops = dmabuf_ops(&eng->sec_mem);
    comp_setup.mm_type = UADK_MEM_USER;
    comp_setup.mm_ops = dmabuf_ops(&eng->zip_mem);
  }
  if (p_.mode == "pinned") {
    // No SVA: a pool on each ctx's static share region, the sessions' memory (UADK_MEM_PROXY).
    eng->sec_ctx = wd_find_ctx("gcm(aes)");
    eng->zip_ctx = wd_find_ctx("deflate");
    if (!eng->sec_ctx || !eng->zip_ctx) fail(t, "wd_find_ctx found no gcm(aes) or deflate ctx");
    // SEC: the session key's block and the record's; ZIP: the stream's and the plaintext's.
    wd_mempool_setup sec_setup{};
    sec_setup.block_size = p_.buffer_bytes;
    sec_setup.block_num = kPinnedSecBlocks;
    sec_setup.align_size = kPinnedBlockAlign;
    eng->sec_pool = wd_mempool_alloc(eng->sec_ctx, &sec_setup);
    wd_mempool_setup zip_setup{};
    zip_setup.block_size = std::max(p_.buffer_bytes, p_.output_bytes);
    zip_setup.block_num = kPinnedZipBlocks;
    zip_setup.align_size = kPinnedBlockAlign;
    eng->zip_pool = wd_mempool_alloc(eng->zip_ctx, &zip_setup);
    if (!eng->sec_pool || !eng->zip_pool) fail(t, "wd_mempool_alloc on a static share failed");
    // The static shares wd_mempool_alloc mapped: its blocks at their alignment plus one
    // alignment, in whole pages (runtime/uadk/uadk_bmm.cc).
    const uint64_t page = t.os.process().granule_size();
    for (const wd_mempool_setup* s : {&sec_setup, &zip_setup}) {
      const uint64_t stride = (s->block_size + s->align_size - 1) / s->align_size * s->align_size;
      pinned_bytes_ += (stride * s->block_num + s->align_size + page - 1) / page * page;
    }
    aead_setup.mm_type = UADK_MEM_PROXY;
    aead_setup.mm_ops.usr = eng->sec_pool;
    comp_setup.mm_type = UADK_MEM_PROXY;
    comp_setup.mm_ops.usr = eng->zip_pool;
  }
  eng->aead = wd_aead_alloc_sess(&aead_setup);
  if (!eng->aead) fail(t, "wd_aead_alloc_sess failed");
  if (wd_aead_set_ckey(eng->aead, reinterpret_cast<const __u8*>(key_va), rec::kKeyBytes) != 0 ||
      wd_aead_set_authsize(eng->aead, rec::kTagBytes) != 0) {
    fail(t, "the AES-GCM key or tag size was refused");
  }
  comp_setup.alg_type = WD_DEFLATE;
  comp_setup.op_type = WD_DIR_DECOMPRESS;
  comp_setup.comp_lv = WD_COMP_L1;
  comp_setup.win_sz = WD_COMP_WS_32K;
  eng->comp = wd_comp_alloc_sess(&comp_setup);
  if (!eng->comp) fail(t, "wd_comp_alloc_sess failed");
  if (p_.mode == "pinned") {
    auto block = [&](void* pool, uint32_t bytes) {
      void* b = wd_mem_alloc(pool, bytes);
      if (!b) fail(t, "wd_mem_alloc: the static share pool has no free block");
      return reinterpret_cast<uint64_t>(b);
    };
    eng->sec_block = block(eng->sec_pool, p_.buffer_bytes);
    eng->zip_src = block(eng->zip_pool, p_.buffer_bytes);
    eng->zip_dst = block(eng->zip_pool, p_.output_bytes);
  }
}

uint64_t NicPipeline::sva_requests(ProgramThread& t, Engines& eng, uint64_t pkt, uint64_t out,
                                   const rec::RecordView& v) {
  // The NIC's buffer straight to SEC (in place) and its stream straight to ZIP.
  uadk_decrypt(t, eng, pkt + rec::kNonceOffset, v);
  const uint64_t decrypted_ps = t.os.now();
  uadk_decompress(t, eng, pkt + rec::kCipherOffset, out, p_.output_bytes, v);
  return decrypted_ps;
}

uint64_t NicPipeline::pinned_requests(ProgramThread& t, Engines& eng, uint64_t pkt, uint64_t out,
                                      const rec::RecordView& v) {
  // The record (AAD, ciphertext, tag) into SEC's static share, decrypted in place there; its
  // stream into ZIP's, decompressed into ZIP's other block; the plaintext out to the application.
  const uint64_t record_bytes = rec::kAadBytes + uint64_t{v.cipher_bytes} + rec::kTagBytes;
  t.os.copy(eng.sec_block, pkt + rec::kNonceOffset, record_bytes);
  uadk_decrypt(t, eng, eng.sec_block, v);
  const uint64_t decrypted_ps = t.os.now();
  t.os.copy(eng.zip_src, eng.sec_block + (rec::kCipherOffset - rec::kNonceOffset), v.cipher_bytes);
  const uint32_t produced = uadk_decompress(t, eng, eng.zip_src, eng.zip_dst, p_.output_bytes, v);
  t.os.copy(out, eng.zip_dst, produced);
  return decrypted_ps;
}

void NicPipeline::uadk_decrypt(ProgramThread& t, Engines& eng, uint64_t record,
                               const rec::RecordView& v) {
  // SEC: decrypt in place. src = dst = the AAD (nonce, length) then the ciphertext; the tag
  // after it.
  wd_aead_req dec{};
  dec.op_type = WD_CIPHER_DECRYPTION_DIGEST;
  dec.src = reinterpret_cast<void*>(record);
  dec.dst = dec.src;
  dec.iv = dec.src;  // the nonce is the AAD's first 12 bytes
  dec.iv_bytes = rec::kNonceBytes;
  dec.mac = reinterpret_cast<void*>(record + rec::kAadBytes + v.cipher_bytes);
  dec.mac_bytes = rec::kTagBytes;
  dec.assoc_bytes = rec::kAadBytes;
  dec.in_bytes = v.cipher_bytes;
  dec.out_bytes = rec::kAadBytes + v.cipher_bytes;
  dec.data_fmt = WD_FLAT_BUF;
  dec.msg_state = AEAD_MSG_BLOCK;
  t.bind_runtime();
  if (int r = wd_do_aead_sync(eng.aead, &dec); r != 0) {
    fail(t, "record " + std::to_string(v.seq) + ": wd_do_aead_sync: " + std::to_string(r));
  }
  if (dec.state != 0) {
    fail(t, "record " + std::to_string(v.seq) + ": decryption state " + std::to_string(dec.state) +
                (dec.state == WD_IN_EPARA ? " (the tag does not verify)" : ""));
  }
}

uint32_t NicPipeline::uadk_decompress(ProgramThread& t, Engines& eng, uint64_t stream, uint64_t dst,
                                      uint32_t dst_bytes, const rec::RecordView& v) {
  // ZIP: the decrypted deflate stream into the destination.
  wd_comp_req z{};
  z.src = reinterpret_cast<void*>(stream);
  z.src_len = v.cipher_bytes;
  z.dst = reinterpret_cast<void*>(dst);
  z.dst_len = dst_bytes;
  z.op_type = WD_DIR_DECOMPRESS;
  z.data_fmt = WD_FLAT_BUF;
  t.bind_runtime();
  if (int r = wd_do_comp_sync(eng.comp, &z); r != 0) {
    fail(t, "record " + std::to_string(v.seq) + ": wd_do_comp_sync: " + std::to_string(r));
  }
  check_decompressed(t, v, z.status, z.dst_len);
  return z.dst_len;
}

uint64_t NicPipeline::syscall_requests(ProgramThread& t, Engines& eng, uint64_t pkt, uint64_t out,
                                       uint64_t key_va, const rec::RecordView& v) {
  // The kernel decrypts the record in place (its copy or its pinned pages), then decompresses
  // it into the application's buffer.
  SecSyncRequest dec;
  dec.src = pkt + rec::kNonceOffset;
  dec.dst = dec.src;
  dec.iv = dec.src;
  dec.mac = pkt + rec::kCipherOffset + v.cipher_bytes;
  dec.key = key_va;
  dec.assoc_len = rec::kAadBytes;
  dec.text_len = v.cipher_bytes;
  dec.op = 1;
  dec.key_len = rec::kKeyBytes;
  dec.tag_len = rec::kTagBytes;
  dec.tag = static_cast<uint32_t>(v.seq);
  if (long r = t.os.ioctl(eng.sec_fd, kSecSyncIoctl, &dec); r < 0) {
    fail(t, "record " + std::to_string(v.seq) + ": the kernel's decryption failed: " +
                std::to_string(r) + (r == -EBADMSG ? " (the tag does not verify)" : ""));
  }
  const uint64_t decrypted_ps = t.os.now();
  ZipSyncRequest z;
  z.src = pkt + rec::kCipherOffset;
  z.dst = out;
  z.src_len = v.cipher_bytes;
  z.dst_len = p_.output_bytes;
  z.req_type = kZipReqDeflate;
  z.op = 1;
  z.tag = static_cast<uint32_t>(v.seq);
  if (long r = t.os.ioctl(eng.zip_fd, kZipSyncIoctl, &z); r < 0) {
    fail(t, "record " + std::to_string(v.seq) + ": the kernel's decompression failed: " +
                std::to_string(r) + " (status " + std::to_string(z.status) + ")");
  }
  check_decompressed(t, v, 0, z.dst_len);
  return decrypted_ps;
}

void NicPipeline::check_decompressed(ProgramThread& t, const rec::RecordView& v, uint32_t status,
                                     uint32_t produced) {
  // A timing-only ZIP's output length is the ratio model's.
  if (status != 0 || (!zip_timing_only_ && produced != v.plain_bytes)) {
    fail(t, "record " + std::to_string(v.seq) + ": decompression status " + std::to_string(status) +
                ", " + std::to_string(produced) + " bytes of " + std::to_string(v.plain_bytes));
  }
}

void report(const std::vector<const Program*>& programs, RunReport& r) {
  std::ostringstream os;
  char line[320];
  const bool several = programs.size() > 1;
  const StatsRegistry& st = *r.stats;
  auto count = [&st](const std::string& key) -> double {
    const Counter* c = st.find_counter(key);
    return c ? static_cast<double>(c->value()) : 0.0;
  };
  uint64_t all_received = 0;
  for (const Program* prog : programs) {
    all_received += static_cast<const NicPipeline*>(prog)->received();
  }
  // Run-wide: the devices' traffic to DRAM (TLM), the kernel's and the processes' copies (each
  // byte read and written once), the SMMU's IOTLB.
  const double mem_bytes =
      count("mem.read_bytes") + count("mem.write_bytes") +
      2 * (count("host.kernel.copied_bytes") + count("host.user_copied_bytes"));
  const double hits = count("smmu.iotlb.hits");
  const double misses = count("smmu.iotlb.misses");
  const double mem_per_packet = all_received ? mem_bytes / static_cast<double>(all_received) : 0;
  const double walks_per_packet =
      all_received ? count("smmu.walks") / static_cast<double>(all_received) : 0;
  const double hit_rate = hits + misses > 0 ? hits / (hits + misses) : 0;
  os << "nic_pipeline: records from the NIC decrypted by SEC in place, decompressed by ZIP into "
        "the application's buffer\n";
  std::snprintf(line, sizeof line,
                "%-10s %7s %8s %6s %8s %9s %9s %8s %8s %8s %7s %9s %8s %9s %7s %8s %9s %9s\n",
                "process", "mode", "received", "drops", "verified", "p50_us", "p99_us", "rx_us",
                "sec_us", "zip_us", "Mpps", "cpu_ns/pk", "copied_B", "mem_B/pk", "iotlb%",
                "walks/pk", "setup_us", "pin_KiB");
  os << line;
  SummaryTable table{"nic_pipeline",
                     {"process",
                      "mode",
                      "packets",
                      "received",
                      "drops",
                      "verified",
                      "p50_us",
                      "p99_us",
                      "rx_us",
                      "decrypt_us",
                      "decompress_us",
                      "mpps",
                      "cpu_ns_per_packet",
                      "copied_bytes_per_packet",
                      "mem_bytes_per_packet",
                      "iotlb_hit_rate",
                      "walks_per_packet",
                      "plain_bytes_per_packet",
                      "wire_bytes_per_packet",
                      "pasid",
                      "setup_us",
                      "pinned_kib"},
                     {}};
  for (const Program* prog : programs) {
    const auto* p = static_cast<const NicPipeline*>(prog);
    const Histogram& lat = p->latency().us;
    const double rcv = static_cast<double>(p->received());
    const double copied = rcv > 0 ? static_cast<double>(p->copied_bytes()) / rcv : 0;
    std::snprintf(
        line, sizeof line,
        "%-10s %7s %8llu %6llu %8llu %9.3f %9.3f %8.3f %8.3f %8.3f %7.3f %9.1f %8.0f %9.0f "
        "%7.1f %8.2f %9.1f %9.0f\n",
        p->instance().c_str(), p->params().mode.c_str(),
        static_cast<unsigned long long>(p->received()), static_cast<unsigned long long>(p->drops()),
        static_cast<unsigned long long>(p->verified()), lat.percentile(50), lat.percentile(99),
        p->stage_mean_us(kRx), p->stage_mean_us(kDecrypt), p->stage_mean_us(kDecompress),
        p->packets_per_s() / 1e6, p->cpu_ns_per_packet(), copied, mem_per_packet, 100 * hit_rate,
        walks_per_packet, p->setup_us(), static_cast<double>(p->pinned_bytes()) / 1024);
    os << line;
    table.rows.push_back({p->instance(),
                          p->params().mode,
                          std::to_string(p->params().packets),
                          std::to_string(p->received()),
                          std::to_string(p->drops()),
                          std::to_string(p->verified()),
                          fixed(lat.percentile(50)),
                          fixed(lat.percentile(99)),
                          fixed(p->stage_mean_us(kRx)),
                          fixed(p->stage_mean_us(kDecrypt)),
                          fixed(p->stage_mean_us(kDecompress)),
                          fixed(p->packets_per_s() / 1e6),
                          fixed(p->cpu_ns_per_packet(), 1),
                          fixed(copied, 0),
                          fixed(mem_per_packet, 0),
                          fixed(hit_rate, 4),
                          fixed(walks_per_packet, 2),
                          fixed(rcv > 0 ? static_cast<double>(p->plain_bytes()) / rcv : 0, 0),
                          fixed(rcv > 0 ? static_cast<double>(p->wire_bytes()) / rcv : 0, 0),
                          p->pasid(),
                          fixed(p->setup_us(), 1),
                          fixed(static_cast<double>(p->pinned_bytes()) / 1024, 0)});
    r.measured_requests += p->received();
    const std::string base = "workload.nic_pipeline." + (several ? p->instance() + "." : "");
    r.stats
        ->histogram(base + "latency_ns", "ns",
                    "record arrival at the NIC to its plaintext in the application's buffer")
        .merge(p->latency().ns);
    r.stats->set_scalar(base + "received", rcv, "packets", "records received and processed");
    r.stats->set_scalar(base + "drops", static_cast<double>(p->drops()), "packets",
                        "sequence numbers skipped before the last record seen");
    r.stats->set_scalar(base + "verified", static_cast<double>(p->verified()), "packets",
                        "plaintexts checked byte for byte against the traffic source");
    for (int s = 0; s < kStages; ++s) {
      r.stats->set_scalar(base + kStageNames[s] + "_mean_us", p->stage_mean_us(s), "us",
                          std::string("mean time per record in ") + kStageNames[s]);
    }
    r.stats->set_scalar(base + "packets_per_s", p->packets_per_s(), "1/s",
                        "records over first arrival to last plaintext ready");
    r.stats->set_scalar(base + "cpu_ns_per_packet", p->cpu_ns_per_packet(), "ns",
                        "CPU time of the thread per record");
    r.stats->set_scalar(base + "copied_bytes_per_packet", copied, "B",
                        "bytes copied per record: by the kernel to or from the process, and by "
                        "the process (memcpy)");
    r.stats->set_scalar(base + "mem_bytes_per_packet", mem_per_packet, "B",
                        "DRAM bytes per record in the run: devices' DMA, and copies twice");
    r.stats->set_scalar(base + "iotlb_hit_rate", hit_rate, "",
                        "SMMU IOTLB hits over lookups in the run");
    r.stats->set_scalar(base + "walks_per_packet", walks_per_packet, "walks",
                        "SMMU table walks in the run per record (all devices)");
    r.stats->set_scalar(base + "setup_us", p->setup_us(), "us",
                        "the program's start to its first wait for a packet: ring, engines, "
                        "pools or dma-buf attachments");
    r.stats->set_scalar(base + "pinned_bytes", static_cast<double>(p->pinned_bytes()), "B",
                        "DMA memory pinned for the engines: static share regions or the dma-buf");
  }
  os << "  rx: arrival to the program reading the header; sec: in-place AES-GCM decryption; zip: "
        "decompression; mem_B/pk, iotlb% and walks/pk are run-wide; setup_us: the program's "
        "set-up before its first packet; pin_KiB: DMA memory pinned for the engines\n";
  r.text += os.str();
  r.tables.push_back(std::move(table));
}

}  // namespace

WDSIM_REGISTER_PROGRAM(
    nic_pipeline,
    program_kind<NicPipelineParams, NicPipeline>(
        "nic_pipeline",
        "NIC -> SEC -> ZIP on one address space: records received into the process's buffer, "
        "decrypted in place (AES-GCM), decompressed into the application's buffer, every "
        "plaintext checked",
        "nic", 1, report));

}  // namespace wdsim
