// Program kind `nic_rx`: a process receiving packets from a NIC (system.devices kind nic)
// straight into its own memory, as a user-space packet loop does with an SVA NIC queue. It opens
// the device node (the driver binds the process's address space: its PASID on the NIC's
// StreamID), maps a ring and `buffers` receive buffers in its own memory and hands their virtual
// addresses to the driver (VirtioNetRxSetup), which writes the descriptors and enables the queue.
// Then, until it has `packets` packets (or none came for idle_timeout_us), it waits for the used
// ring's index to move (mode poll: busy-polls the index; mode interrupt: sleeps in the device's
// wait_event until the receive MSI), and for each new used element: reads the buffer, checks the
// packet against what the traffic source made (sim/accel/nic/nic_traffic.h: its sequence number
// after the last one seen, every body byte from the seed), spends per_packet_ns of its own work,
// and puts the buffer back on the available ring; every repost_batch buffers (and at the end of
// each batch of packets seen) it publishes the available index (a release barrier first). Per
// packet it records the latency from the packet's arrival at the device (the header's time) to the
// program seeing it, and counts sequence numbers it never saw (drops: no buffer was posted when
// they arrived). Figures (summary table nic_rx, stats workload.nic_rx.[<process>.]*): received,
// drops, verified, latency p50/p99, packets per second (received over first arrival to last packet
// seen), CPU per packet.
#include <cstring>
#include <sstream>

#include "formats/virtio/virtio_net.h"
#include "sim/accel/nic/nic_traffic.h"
#include "sim/cpu_host/host_costs.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/virtio_net_driver.h"
#include "sim/system/program.h"
#include "sim/system/workloads/stages.h"
#include "sim/system/workloads/user_rx_ring.h"

namespace wdsim {

namespace {

namespace vio = virtio;

struct NicRxParams : ProgramParams {
  std::string device;
  uint64_t packets;
  uint32_t queue_size;
  uint32_t buffers;
  uint32_t buffer_bytes;
  std::string mode;
  double per_packet_ns;
  uint32_t repost_batch;
  double idle_timeout_us;

  void declare(ParamScope& s) override {
    s.add("device", device, "", "",
          "The NIC (system.devices[].name of a device of kind nic); empty: the first",
          "scenario choice");
    s.add("packets", packets, 1000u, "packets",
          "Packets to receive (the run of the program ends there, or after idle_timeout_us "
          "without one)",
          "scenario choice", Range::between(1, 1ull << 32));
    s.add("queue_size", queue_size, 256u, "descriptors",
          "Receive queue size (a power of two up to the NIC's queue_size_max)",
          "Linux virtio_net: the device's queue size", Range::between(1, vio::kMaxQueueSize));
    s.require("queue_size", (queue_size & (queue_size - 1)) == 0, "must be a power of two");
    s.add("buffers", buffers, 0u, "buffers",
          "Receive buffers posted (0: queue_size, a buffer per descriptor)",
          "Linux virtio_net try_fill_recv fills the ring", Range::between(0, vio::kMaxQueueSize));
    s.require("buffers", buffers <= queue_size, "at most queue_size buffers");
    s.add("buffer_bytes", buffer_bytes, 2048u, "B",
          "Bytes of each receive buffer (the 12-byte virtio_net_hdr, then the packet)",
          "guess: a 2 KiB buffer holds an MTU-1500 frame",
          Range::between(sizeof(vio::NetHdr) + nic_traffic::kHeaderBytes,
                         65536 + sizeof(vio::NetHdr)));
    s.add_choice("mode", mode, "poll", {"poll", "interrupt"},
                 "How the program waits for packets: busy-poll the used index (no receive "
                 "interrupts), or sleep until the receive MSI",
                 "DPDK-style polling vs Linux NAPI interrupts");
    s.add("per_packet_ns", per_packet_ns, 100.0, "ns",
          "The program's own work per packet besides reading and checking it", "guess",
          Range::between(0, 1e9));
    s.add("repost_batch", repost_batch, 1u, "buffers",
          "Publish the available index after this many re-posted buffers (and at the end of each "
          "batch of packets seen)",
          "guess: each buffer at once (Linux virtio_net refills in NAPI batches)",
          Range::between(1, vio::kMaxQueueSize));
    s.add("idle_timeout_us", idle_timeout_us, 1000.0, "us",
          "Stop when no packet has come for this long (the rest were dropped)", "guess",
          Range::between(0.001, 1e9));
  }
};

class NicRx : public Program {
 public:
  NicRx(const NicRxParams& p, const ProgramSetup& setup) : p_(p), instance_(setup.instance) {}

  void run(ProgramThread& t) override {
    const DeviceView* dev = nullptr;
    for (const DeviceView& d : t.system.devices()) {
      if (d.kind == "nic" && (p_.device.empty() || d.name == p_.device)) {
        dev = &d;
        break;
      }
    }
    if (!dev)
      throw ProgramError("nic_rx: no NIC " + (p_.device.empty() ? "" : p_.device + " ") +
                         "in system.devices");
    device_ = dev->name;
    HostThread& os = t.os;
    const int fd = os.open(dev->dev_path);
    if (fd < 0) throw ProgramError("nic_rx: open " + dev->dev_path + ": " + std::to_string(fd));
    const uint16_t n = static_cast<uint16_t>(p_.queue_size);
    const uint16_t nbuf = static_cast<uint16_t>(p_.buffers ? p_.buffers : p_.queue_size);
    UserRxRing rx(t, fd, n, nbuf, p_.buffer_bytes, p_.mode == "poll", "nic_rx");
    const uint64_t seed = nic_traffic::stream_seed(t.system.env().seed(), device_);
    const uint64_t poll_ps = to_ps(ns(t.system.host_costs().poll_interval_ns));
    const uint64_t idle_ps = to_ps(ns(p_.idle_timeout_us * 1e3));
    const uint64_t cpu0 = to_ps(os.cpu().stats().busy);
    uint32_t unpublished = 0;  // re-posted buffers whose available index is not written yet
    std::vector<uint8_t> buf(p_.buffer_bytes);
    RequestLog* log = t.system.request_log();
    while (received_ < p_.packets) {
      const uint16_t idx = rx.used_index();
      if (idx == rx.consumed()) {
        if (!rx.wait(poll_ps, idle_ps)) break;  // idle
        continue;                               // read the index again
      }
      rx.read_barrier();
      while (rx.consumed() != idx && received_ < p_.packets) {
        const vio::VirtqUsedElem e = rx.next_used();
        if (e.id >= nbuf || e.len > p_.buffer_bytes ||
            e.len < sizeof(vio::NetHdr) + nic_traffic::kHeaderBytes) {
          throw ProgramError("nic_rx: bad used element id " + std::to_string(e.id) + " len " +
                             std::to_string(e.len));
        }
        os.load(rx.buffer_va(e.id), buf.data(), e.len);
        const uint64_t seen_ps = os.now();
        const uint8_t* pkt = buf.data() + sizeof(vio::NetHdr);
        const size_t len = e.len - sizeof(vio::NetHdr);
        const nic_traffic::Header h = nic_traffic::read_header(pkt);
        if (received_ > 0 && h.seq <= last_seq_) {
          throw ProgramError("nic_rx: packet " + std::to_string(h.seq) + " after " +
                             std::to_string(last_seq_) + " (out of order or repeated)");
        }
        drops_ += h.seq - (received_ > 0 ? last_seq_ + 1 : 0);
        last_seq_ = h.seq;
        if (t.system.verify_output(device_, "nic", received_)) {
          if (auto bad = nic_traffic::first_wrong_byte(seed, pkt, len)) {
            throw ProgramError("nic_rx: packet " + std::to_string(h.seq) + " byte " +
                               std::to_string(*bad) + " differs from the traffic source's");
          }
          ++verified_;
        }
        if (received_ == 0) first_arrival_ps_ = h.arrival_ps;
        last_seen_ps_ = seen_ps;
        const uint64_t lat = seen_ps > h.arrival_ps ? seen_ps - h.arrival_ps : 0;
        latency_.add(lat);
        bytes_ += len;
        if (log) {
          RequestRow row;
          row.process = instance_;
          row.thread = t.name;
          row.program = "nic_rx";
          row.point = "rx";
          row.size = len;
          row.index = received_;
          row.submit_ps = h.arrival_ps;
          row.latency_ps = lat;
          log->write(row);
        }
        os.compute(to_ps(ns(p_.per_packet_ns)));
        cpu_ps_ = to_ps(os.cpu().stats().busy) - cpu0;  // so far (a killed run keeps it)
        // The buffer goes back on the available ring.
        rx.repost(static_cast<uint16_t>(e.id));
        rx.consume();
        ++received_;
        if (++unpublished == p_.repost_batch) {
          rx.publish();
          unpublished = 0;
        }
      }
      if (unpublished > 0) {
        rx.publish();
        unpublished = 0;
      }
    }
    cpu_ps_ = to_ps(os.cpu().stats().busy) - cpu0;
    os.close(fd);
  }

  uint64_t requests_ok() const override { return received_; }
  uint64_t requests_failed() const override { return 0; }

  const std::string& instance() const { return instance_; }
  const NicRxParams& params() const { return p_; }
  uint64_t received() const { return received_; }
  uint64_t drops() const { return drops_; }
  // Packets of the `packets` asked for that never came (dropped after the last one seen).
  uint64_t missing() const {
    return p_.packets > received_ + drops_ ? p_.packets - received_ - drops_ : 0;
  }
  uint64_t verified() const { return verified_; }
  const LatencyStats& latency() const { return latency_; }
  double packets_per_s() const {
    if (received_ < 2 || last_seen_ps_ <= first_arrival_ps_) return 0;
    return static_cast<double>(received_) /
           (static_cast<double>(last_seen_ps_ - first_arrival_ps_) * 1e-12);
  }
  double cpu_ns_per_packet() const {
    return received_ ? static_cast<double>(cpu_ps_) / 1e3 / static_cast<double>(received_) : 0;
  }
  uint64_t bytes() const { return bytes_; }

 private:
  const NicRxParams& p_;
  std::string instance_;
  std::string device_;
  uint64_t received_ = 0;
  uint64_t drops_ = 0;
  uint64_t last_seq_ = 0;
  uint64_t verified_ = 0;
  uint64_t bytes_ = 0;
  uint64_t first_arrival_ps_ = 0;
  uint64_t last_seen_ps_ = 0;
  uint64_t cpu_ps_ = 0;
  LatencyStats latency_;
};

void report(const std::vector<const Program*>& programs, RunReport& r) {
  std::ostringstream os;
  char line[256];
  const bool several = programs.size() > 1;
  os << "nic_rx: packets received by the process from the NIC's ring in its own memory (SVA)\n";
  std::snprintf(line, sizeof line, "%-12s %9s %8s %9s %7s %8s %9s %9s %9s %10s\n", "process",
                "mode", "received", "drops", "missing", "verified", "p50_us", "p99_us", "Mpps",
                "cpu_ns/pkt");
  os << line;
  SummaryTable table{"nic_rx",
                     {"process", "mode", "packets", "received", "drops", "missing", "verified",
                      "p50_us", "p99_us", "mpps", "cpu_ns_per_packet"},
                     {}};
  for (const Program* prog : programs) {
    const auto* p = static_cast<const NicRx*>(prog);
    const Histogram& lat = p->latency().us;
    std::snprintf(line, sizeof line, "%-12s %9s %8llu %9llu %7llu %8llu %9.3f %9.3f %9.3f %10.1f\n",
                  p->instance().c_str(), p->params().mode.c_str(),
                  static_cast<unsigned long long>(p->received()),
                  static_cast<unsigned long long>(p->drops()),
                  static_cast<unsigned long long>(p->missing()),
                  static_cast<unsigned long long>(p->verified()), lat.percentile(50),
                  lat.percentile(99), p->packets_per_s() / 1e6, p->cpu_ns_per_packet());
    os << line;
    table.rows.push_back({p->instance(), p->params().mode, std::to_string(p->params().packets),
                          std::to_string(p->received()), std::to_string(p->drops()),
                          std::to_string(p->missing()), std::to_string(p->verified()),
                          fixed(lat.percentile(50)), fixed(lat.percentile(99)),
                          fixed(p->packets_per_s() / 1e6), fixed(p->cpu_ns_per_packet(), 1)});
    r.measured_requests += p->received();
    const std::string base = "workload.nic_rx." + (several ? p->instance() + "." : "");
    r.stats
        ->histogram(base + "latency_ns", "ns", "packet arrival at the NIC to the program seeing it")
        .merge(p->latency().ns);
    r.stats->set_scalar(base + "received", static_cast<double>(p->received()), "packets",
                        "packets the program received");
    r.stats->set_scalar(base + "drops", static_cast<double>(p->drops()), "packets",
                        "sequence numbers skipped before the last packet seen");
    r.stats->set_scalar(base + "missing", static_cast<double>(p->missing()), "packets",
                        "packets asked for that never came (after the last one seen)");
    r.stats->set_scalar(base + "verified", static_cast<double>(p->verified()), "packets",
                        "packets checked byte for byte against the traffic source");
    r.stats->set_scalar(base + "packets_per_s", p->packets_per_s(), "1/s",
                        "received over first arrival to last packet seen");
    r.stats->set_scalar(base + "cpu_ns_per_packet", p->cpu_ns_per_packet(), "ns",
                        "CPU time of the receiving thread per packet");
  }
  r.text += os.str();
  r.tables.push_back(std::move(table));
}

}  // namespace

WDSIM_REGISTER_PROGRAM(
    nic_rx, program_kind<NicRxParams, NicRx>(
                "nic_rx",
                "receives packets from a NIC into the process's own memory (SVA, PASID DMA), "
                "polling or by interrupt; checks every byte, reports latency, drops, packets/s",
                "nic", 1, report));

}  // namespace wdsim
