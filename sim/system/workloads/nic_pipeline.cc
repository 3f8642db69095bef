// Program kind nic_pipeline: its packet loop and its report (sim/system/workloads/
// nic_pipeline.h says what it models; nic_pipeline_engines.cc opens the engines and runs the
// requests).
#include "sim/system/workloads/nic_pipeline.h"

#include <cstring>
#include <sstream>

namespace wdsim::nic_pipeline_kind {

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

}  // namespace wdsim::nic_pipeline_kind

namespace wdsim {

WDSIM_REGISTER_PROGRAM(
    nic_pipeline,
    program_kind<nic_pipeline_kind::NicPipelineParams, nic_pipeline_kind::NicPipeline>(
        "nic_pipeline",
        "NIC -> SEC -> ZIP on one address space: records received into the process's buffer, "
        "decrypted in place (AES-GCM), decompressed into the application's buffer, every "
        "plaintext checked",
        "nic", 1, nic_pipeline_kind::report));

}  // namespace wdsim
