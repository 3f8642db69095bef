#include "sim/system/scenario.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "sim/cpu_host/kernel/process.h"
#include "sim/cpu_host/kernel/smmu_driver.h"
#include "sim/system/presets.h"
#include "sim/system/scenario_fabric.h"
#include "sim/system/scenario_lists.h"

namespace wdsim {

namespace {

using scenario_detail::check_attachments;
using scenario_detail::entry_scope;
using scenario_detail::given;
using scenario_detail::list_size;
using scenario_detail::load_switches;
using scenario_detail::where_of;

constexpr uint32_t kMaxDevices = 64;
constexpr uint32_t kMaxProcessEntries = 256;
constexpr uint32_t kMaxProcessCount = 1024;
constexpr uint32_t kMaxThreadEntries = 64;
constexpr uint32_t kMaxThreadCount = 1024;
constexpr uint32_t kMaxEvents = 10000;

// Keys of the format before the system layer, and what replaced them.
struct OldKey {
  const char* key;
  const char* replaced_by;
};
constexpr OldKey kOldKeys[] = {
    {"workload",
     "replaced by processes[].threads[]: each thread names a `program` (compare, batch, "
     "crypto, ...) and takes its parameters under the program's key, e.g. processes: "
     "[{name: app, threads: [{program: compare, compare: {sizes: [4096]}}]}]; the page size "
     "is processes[].page_size (see docs/scenarios.md)"},
    {"system.qm",
     "replaced by system.devices[].qm: one list entry per accelerator function, e.g. "
     "system: {devices: [{kind: zip, qm: {ats: true}}]}"},
    {"system.zip", "replaced by system.devices[].zip (the entry of kind zip)"},
    {"system.sec",
     "replaced by a system.devices entry of kind sec: devices: [{kind: zip}, {kind: sec}] "
     "(its engine parameters under that entry's sec: key)"},
    {"system.sec_qm", "replaced by system.devices[].qm of the entry of kind sec"},
};

void reject_old_keys(const ConfigTree& tree) {
  for (const OldKey& k : kOldKeys) {
    if (tree.has(k.key)) config_error(tree.location(k.key), k.key, k.replaced_by);
  }
}

std::vector<std::string> names_of_accelerator_kinds() {
  std::vector<std::string> names;
  for (const auto* k : accelerator_kinds()) names.push_back(k->name());
  return names;
}

std::vector<std::string> names_of_program_kinds() {
  std::vector<std::string> names;
  for (const auto* k : program_kinds()) names.push_back(k->name);
  return names;
}

// One device entry. In describe mode, `kind_for_describe` says which kind's engine
// parameters to describe.
DeviceSpec load_device(ParamScope e, uint32_t index, const AcceleratorKind* kind_for_describe,
                       std::map<std::string, uint32_t>* per_kind) {
  DeviceSpec d;
  d.index = index;
  d.where = where_of(e);
  if (!e.describing()) e.tree()->mark_section(e.prefix());
  e.add_choice("kind", d.kind, "zip", names_of_accelerator_kinds(),
               "The device's kind: a QM function's engine, driver and uacce device (zip, sec), "
               "or a whole device with its own driver (nic, docs/nic.md)",
               "DESIGN.md (system layer)");
  const AcceleratorKind* kind = e.describing() ? kind_for_describe : find_accelerator_kind(d.kind);
  if (e.describing()) d.kind = kind->name();
  const uint32_t n = per_kind ? (*per_kind)[d.kind]++ : 0;
  e.add("name", d.name, kind->uacce_prefix() + "-" + std::to_string(n), "",
        "The uacce device name (/dev/<name>, /sys/class/uacce/<name>), or a whole device's "
        "driver node (/dev/<name>); default <driver>-<n>, n counting the devices of this kind",
        "Linux uacce: the parent driver's name and an id");
  // A whole device (a kind without a QM) has no `qm:` key: its QM parameters stay at their
  // defaults and only the StreamID and MSI vectors below are used.
  ConfigTree no_qm;
  ParamScope q = kind->has_qm() ? e.sub("qm") : ParamScope::load("unused.qm", &no_qm);
  d.qm.declare(q);
  if (kind->has_qm()) {
    e.add_choice(
        "evict_policy", d.evict_policy, "none", {"none", "priority"},
        "What the uacce driver does when a process opens a queue and none is free: none "
        "(the open fails with -EBUSY), or priority (it evicts the lowest-priority started "
        "queue whose process has a lower processes[].queue_priority than the opener's, "
        "and re-binds it when that queue pair is freed)",
        "model choice, after amdkfd's evict/restore of user queues (docs/kernel_queues.md)");
    e.add("kernel_queue_priority", d.kernel_queue_priority, 0u, "",
          "SQC w13 priority[3:0] of the kernel's own queues on this device (the syscall path, "
          "/dev/zip_sync); they are never evicted",
          "Linux qm.c qm_sqc priority field (Linux writes 0)", Range::between(0, 15));
    e.add_choice(
        "uacce_mode", d.uacce_mode, "sva", {"sva", "nosva"},
        "How the uacce device shares memory with processes: sva (flags UACCE_DEV_SVA: open "
        "binds the process's address space, a PASID per process, descriptors carry virtual "
        "addresses), or nosva (flags UACCE_DEV_IOMMU: no PASID, the queue's DMA goes through "
        "the device's kernel DMA domain, and each queue exports a static share region of "
        "pinned DMA memory, mmap offset UACCE_QFRT_SS, whose DMA address UACCE_CMD_GET_SS_DMA "
        "gives; descriptors carry those DMA addresses and the process copies its data in)",
        "hisi_qm module parameter uacce_mode (openEuler/KAE: 1 UACCE_MODE_SVA, 2 "
        "UACCE_MODE_NOIOMMU); UADK wd_bmm.c reserves the region");
  }
  ParamScope a = e.sub("attach");
  d.attach.where = where_of(a);
  a.add("integrated", d.attach.integrated, false, "",
        "A root-complex integrated endpoint: no link, pcie.integrated.latency_ns each way to the "
        "root complex",
        "PCIe Base Spec 6.0 1.3.2.3 (Root Complex Integrated Endpoint)");
  uint32_t root_port = 0;
  a.add("root_port", root_port, 0u, "",
        "The root port the device's own link ends at; default: the lowest root port nothing "
        "else takes",
        "PCIe Base Spec 6.0 1.3.1 (a root port is the root of one hierarchy, one link)",
        Range::between(0, PcieAttach::kMaxRootPorts - 1));
  if (given(a, "root_port")) d.attach.root_port = root_port;
  a.add("switch", d.attach.switch_name, "", "",
        "The switch (system.pcie.switches[].name) whose downstream port the device's link ends "
        "at; empty: a root port",
        "PCIe Base Spec 6.0 1.3.3 (switches)");
  a.add("port", d.attach.port, 0u, "",
        "The switch's downstream port the device's link ends at (ignored without attach.switch, "
        "so that a sweep can move a device between a root port and a switch)",
        "PCIe Base Spec 6.0 1.3.3 (switches)",
        Range::between(0, PcieSwitchParams::kMaxDownstreamPorts - 1));
  if (!e.describing()) {
    a.require("switch", d.attach.switch_name.empty() || !d.attach.integrated,
              "an integrated endpoint (attach.integrated: true) has no link to a switch");
    a.require("root_port", !d.attach.root_port || d.attach.switch_name.empty(),
              "a device behind a switch reaches the root port of its switch (give the switch's "
              "root_port instead)");
  }
  // StreamID and MSI vectors follow from the position unless given.
  if (!given(q, "stream_id")) d.qm.stream_id = index;
  if (!given(q, "msi_data")) d.qm.msi_data = 2 * index;
  auto engine = kind->make_params();
  ParamScope en = e.sub(kind->name());
  engine->declare(en);
  if (auto sid = engine->stream_id()) d.qm.stream_id = *sid;
  d.engine = std::move(engine);
  if (!e.describing()) {
    e.require("qm.ats", kind->ats_capable() || !d.qm.ats,
              "ATS is modelled for kind zip only (the engine's data DMA through the ATC)");
  }
  return d;
}

void load_devices(ParamScope s, std::vector<DeviceSpec>* out) {
  if (s.describing()) {
    for (const auto* k : accelerator_kinds())
      load_device(entry_scope(s, "devices", 0), 0, k, nullptr);
    return;
  }
  std::map<std::string, uint32_t> per_kind;
  auto n = list_size(s, "devices", kMaxDevices);
  if (!n) {
    // No list: one ZIP function with every default.
    ConfigTree empty;
    ParamScope d = ParamScope::load("system.devices.0", &empty);
    out->push_back(load_device(d, 0, nullptr, &per_kind));
    return;
  }
  for (size_t i = 0; i < *n; ++i) {
    out->push_back(
        load_device(entry_scope(s, "devices", i), static_cast<uint32_t>(i), nullptr, &per_kind));
  }
  // Conflicts between entries.
  std::map<std::string, uint32_t> names;
  std::map<uint32_t, uint32_t> sids;
  std::map<uint32_t, uint32_t> vectors;
  for (const DeviceSpec& d : *out) {
    const std::string at = "system.devices." + std::to_string(d.index);
    auto clash = [&](const char* key, const std::string& what, uint32_t other) {
      config_error(s.tree()->location(at + "." + key), at + "." + key,
                   what + " is also system.devices." + std::to_string(other) + "'s");
    };
    if (auto [it, fresh] = names.emplace(d.name, d.index); !fresh) {
      clash("name", "name " + d.name, it->second);
    }
    if (auto [it, fresh] = sids.emplace(d.qm.stream_id, d.index); !fresh) {
      clash(find_accelerator_kind(d.kind)->stream_id_key().c_str(),
            "StreamID " + std::to_string(d.qm.stream_id), it->second);
    }
    // The EQ uses msi_data, the AEQ msi_data + 1.
    for (uint32_t v : {d.qm.msi_data, d.qm.msi_data + 1}) {
      if (auto [it, fresh] = vectors.emplace(v, d.index); !fresh) {
        clash("qm.msi_data", "MSI vector " + std::to_string(v) + " (EQ msi_data, AEQ +1)",
              it->second);
      }
    }
  }
}

ThreadSpec load_thread(ParamScope e, size_t index, const ProgramKind* kind_for_describe) {
  ThreadSpec t;
  t.where = where_of(e);
  if (!e.describing()) e.tree()->mark_section(e.prefix());
  e.add("name", t.name, index == 0 ? std::string("main") : "t" + std::to_string(index), "",
        "The thread entry's name (threads are named <process>/<name>[.<i>])",
        "DESIGN.md (system layer: processes, threads, cores)");
  e.add("count", t.count, 1u, "threads",
        "Threads of this entry: each runs the program (sharing the process's address space and "
        "UADK state)",
        "DESIGN.md (system layer: processes, threads, cores)", Range::between(1, kMaxThreadCount));
  e.add("start_us", t.start_us, 0.0, "us", "Simulated time the threads start (after boot)",
        "DESIGN.md (system layer: processes, threads, cores)", Range::min(0));
  e.add_choice("program", t.program, "compare", names_of_program_kinds(),
               "The program kind the threads run; its parameters go under the key of that name",
               "DESIGN.md (system layer)");
  e.add("expect_errors", t.expect_errors, false, "",
        "Failed requests are counted and reported instead of ending the run as a simulation "
        "error (lifecycle and isolation scenarios)",
        "DESIGN.md (system layer: processes, threads, cores)");
  const ProgramKind* kind = e.describing() ? kind_for_describe : find_program_kind(t.program);
  if (e.describing()) t.program = kind->name;
  auto params = kind->make_params();
  ParamScope p = e.sub(kind->name);
  params->declare(p);
  t.params = std::move(params);
  return t;
}

ProcessSpec load_process(ParamScope e, size_t index, bool is_child) {
  ProcessSpec p;
  p.where = where_of(e);
  if (!e.describing()) e.tree()->mark_section(e.prefix());
  e.add("name", p.name,
        is_child     ? std::string("child")
        : index == 0 ? std::string("app")
                     : "p" + std::to_string(index),
        "", "The process's name; with count > 1 its instances are <name>.0 .. <name>.<count-1>",
        "DESIGN.md (system layer: processes, threads, cores)");
  if (!is_child) {
    e.add("count", p.count, 1u, "processes",
          "Processes alike (each its own address space, PASID and queues)",
          "DESIGN.md (system layer: processes, threads, cores)",
          Range::between(1, kMaxProcessCount));
    e.add("page_size", p.page_size, 4096u, "B",
          "Page size of the process: 4096, 16384 or 65536 make it the process's translation "
          "granule (CPU and SMMU walks, TLB entries, DUS/MMIO mappings); 2097152 or "
          "1073741824 keep the 4K granule and give the workload buffers huge pages of that "
          "size (MAP_HUGETLB), as do 33554432 on the 16K and 536870912 on the 64K granule",
          "Linux arm64 CONFIG_ARM64_{4K,16K,64K}_PAGES and hugetlb sizes");
    e.require("page_size", process_page_size(p.page_size).has_value(),
              "must be 4096, 16384, 65536 (granules) or 2097152, 1073741824 (4K + huge pages), "
              "33554432 (16K + huge), 536870912 (64K + huge)");
  }
  e.add("queue_priority", p.queue_priority, 0u, "",
        "Priority of the process's device queues, written into SQC w13 priority[3:0] at "
        "START_Q: the weighted arbiter (qm.arbitration: weighted) gives a queue priority + 1 "
        "fetches in a row, and evict_policy priority evicts lower-priority queues for it",
        "Linux qm.c qm_sqc priority field (Linux writes 0); docs/kernel_queues.md",
        Range::between(0, 15));
  if (e.describing()) {
    for (const auto* k : program_kinds())
      p.threads.push_back(load_thread(entry_scope(e, "threads", 0), 0, k));
    return p;
  }
  auto n = list_size(e, "threads", kMaxThreadEntries);
  if (!n) {
    ConfigTree empty;
    p.threads.push_back(load_thread(ParamScope::load(e.key_path("threads.0"), &empty), 0, nullptr));
  } else {
    for (size_t i = 0; i < *n; ++i)
      p.threads.push_back(load_thread(entry_scope(e, "threads", i), i, nullptr));
  }
  std::set<std::string> names;
  for (size_t i = 0; i < p.threads.size(); ++i) {
    if (!names.insert(p.threads[i].name).second) {
      const std::string k = e.key_path("threads." + std::to_string(i) + ".name");
      config_error(e.tree()->location(k), k, "another thread entry of this process has this name");
    }
  }
  return p;
}

void load_processes(ParamScope s, std::vector<ProcessSpec>* out) {
  if (s.describing()) {
    out->push_back(load_process(entry_scope(s, "processes", 0), 0, false));
    return;
  }
  auto n = list_size(s, "processes", kMaxProcessEntries);
  if (!n) {
    ConfigTree empty;
    out->push_back(load_process(ParamScope::load("processes.0", &empty), 0, false));
    return;
  }
  for (size_t i = 0; i < *n; ++i)
    out->push_back(load_process(entry_scope(s, "processes", i), i, false));
  std::set<std::string> names;
  for (size_t i = 0; i < out->size(); ++i) {
    for (const auto& inst : Scenario::instance_names((*out)[i])) {
      if (!names.insert(inst).second) {
        const std::string k = "processes." + std::to_string(i) + ".name";
        config_error(s.tree()->location(k), k, "process name " + inst + " is used twice");
      }
    }
  }
}

EventSpec load_event(ParamScope e) {
  EventSpec ev;
  ev.where = where_of(e);
  if (!e.describing()) e.tree()->mark_section(e.prefix());
  e.add("at_us", ev.at_us, 0.0, "us", "Simulated time of the event",
        "DESIGN.md (system layer: events timeline)", Range::min(0));
  e.add_choice("action", ev.action, "exit", {"exit", "kill", "munmap", "fork", "evict", "rebind"},
               "exit: the process exits (its threads stop, the kernel tears down its queues "
               "and SVA bindings); kill: the same by SIGKILL; munmap: the process unmaps one "
               "of its program's buffers (`buffer`) under whatever request is in flight; fork: "
               "the process forks a child (`child`) that runs its own threads; evict: the "
               "kernel evicts the process's queues (on `device`, or every QM device): doorbells "
               "to a dummy page, STOP_QP drain, contexts saved, queue pairs freed; rebind: they "
               "are re-bound and resume where they were (docs/kernel_queues.md)",
               "DESIGN.md (system layer: events timeline); amdkfd evict/restore_process_queues");
  e.add("device", ev.device, "", "",
        "evict, rebind: the device (system.devices[].name) whose queues; empty: every QM device",
        "DESIGN.md (system layer: events timeline)");
  e.add("process", ev.process, "", "",
        "The process the event acts on: an instance name (app, app.3) or a process entry's "
        "name (all its instances)",
        "DESIGN.md (system layer: events timeline)");
  e.add("buffer", ev.buffer, "", "", "munmap: the program's buffer to unmap (dst, src)",
        "DESIGN.md (system layer: events timeline)");
  e.add("exit_code", ev.exit_code, 0, "", "exit: the status the process exits with",
        "DESIGN.md (system layer: events timeline)", Range::between(0, 255));
  if (e.describing()) {
    // The child's threads are described once, as processes[].threads[].
    ParamScope c = e.sub("child");
    c.add("name", ev.child.name, "child", "",
          "fork: the child's name; its `threads` are entries like processes[].threads[]",
          "DESIGN.md (system layer: events timeline)");
    return ev;
  }
  if (ev.action == "fork") {
    ev.child = load_process(e.sub("child"), 0, true);
  } else if (e.tree()->has(e.key_path("child"))) {
    config_error(where_of(e, "child"), e.key_path("child"), "only a fork has a child");
  }
  e.require("process", !ev.process.empty(), "name the process the event acts on");
  e.require("buffer", ev.action != "munmap" || !ev.buffer.empty(),
            "munmap needs the buffer to unmap (e.g. buffer: dst)");
  e.require("device", ev.device.empty() || ev.action == "evict" || ev.action == "rebind",
            "only evict and rebind name a device");
  return ev;
}

void load_events(ParamScope s, std::vector<EventSpec>* out) {
  if (s.describing()) {
    out->push_back(load_event(entry_scope(s, "events", 0)));
    return;
  }
  auto n = list_size(s, "events", kMaxEvents);
  if (!n) return;
  for (size_t i = 0; i < *n; ++i) out->push_back(load_event(entry_scope(s, "events", i)));
}

}  // namespace

void SystemParams::declare(ParamScope& s) {
  auto sub = [&](const char* name, auto& p) {
    ParamScope scope = s.sub(name);
    p.declare(scope);
  };
  sub("dram", dram);
  sub("host_bus", host_bus);
  sub("host", host);
  sub("smmu", smmu);
  ParamScope pcie_scope = s.sub("pcie");
  pcie.declare(pcie_scope);
  ParamScope integrated_scope = pcie_scope.sub("integrated");
  integrated.declare(integrated_scope);
  load_switches(pcie_scope, pcie, &switches);
  sub("root_complex", root_complex);
  sub("runtime", runtime);
  load_devices(s, &devices);
  if (s.describing()) return;
  check_attachments(s, switches, devices);
  if (host.iopf == "pri") {
    for (const DeviceSpec& d : devices) {
      const std::string k = "devices." + std::to_string(d.index) + ".qm.ats";
      s.require(k, d.qm.ats || host.iopf != "pri",
                "host.iopf pri needs every device to be an ATS endpoint (qm.ats: true)");
    }
    s.require_any({"host.iopf", "smmu.pri.enabled"}, smmu.pri.enabled,
                  "host.iopf pri needs the SMMU's Page Request Interface (smmu.pri.enabled: "
                  "true)");
  }
  // The kernel's SMMU driver refuses a small command queue at probe, as Linux arm-smmu-v3
  // does (a queue must hold more than one batch of CMDQ_BATCH_ENTRIES commands).
  s.require("smmu.cmdq.max_log2_entries", smmu.cmdq.max_log2_entries >= SmmuDriver::kMinCmdqLog2,
            "the kernel's SMMU driver (as Linux arm-smmu-v3) needs a command queue of more than " +
                std::to_string(1u << (SmmuDriver::kMinCmdqLog2 - 1)) + " entries: at least " +
                std::to_string(SmmuDriver::kMinCmdqLog2));
  const uint32_t sid_bits = std::min(smmu.sid_bits, SmmuDriver::kMaxSidBits);
  for (const DeviceSpec& d : devices) {
    const std::string at = "devices." + std::to_string(d.index) + ".qm.";
    const std::string sid_key =
        "devices." + std::to_string(d.index) + "." + find_accelerator_kind(d.kind)->stream_id_key();
    s.require_any({sid_key, "smmu.sid_bits"}, uint64_t{d.qm.stream_id} < (uint64_t{1} << sid_bits),
                  "StreamID " + std::to_string(d.qm.stream_id) + " of system.devices." +
                      std::to_string(d.index) + " does not fit the stream table of 2^" +
                      std::to_string(sid_bits) + " entries (smmu.sid_bits, at most " +
                      std::to_string(SmmuDriver::kMaxSidBits) + " for the kernel's driver)");
    s.require_any({at + "ats", "smmu.ats.enabled"}, !d.qm.ats || smmu.ats.enabled,
                  "system.devices." + std::to_string(d.index) +
                      " is an ATS endpoint (qm.ats: true) but the SMMU does not support ATS "
                      "(smmu.ats.enabled: false)");
    const uint64_t msi = d.qm.msi_address;
    s.require(at + "msi_address",
              msi == 0 || (msi >= root_complex.msi_base &&
                           msi - root_complex.msi_base <=
                               root_complex.msi_size - RootComplexParams::kMsiWriteBytes),
              "MSI address is outside the root complex's MSI window (root_complex.msi_base, "
              "msi_size)");
  }
}

void OutputParams::declare(ParamScope& s) {
  s.add("trace", trace, true, "", "Write trace.txt (the canonical protocol trace)", "DESIGN.md");
  s.add("chrome_trace", chrome_trace, true, "",
        "Write trace.json (Chrome trace-event format, opens in Perfetto UI)", "DESIGN.md");
  s.add("requests", requests, false, "",
        "Write requests.csv: one row per measured request (process, thread, program, point, "
        "size, request, submit_ps, latency_ps, cpu_ps, output_bytes, stages); off, nothing is "
        "kept per request",
        "DESIGN.md (stats: per-request latency broken into stages)");
  s.add_choice("verify", verify, "all", {"all", "sample", "none"},
               "Which outputs programs check against the reference (system zlib, OpenSSL): all, "
               "a deterministic sample (each program's requests 0, n, 2n, ...: verify_every), "
               "or none. Outputs of a timing-only device (data_mode: timing) are never checked",
               "guess: checking every output costs about a tenth of a real-mode request");
  s.add("verify_every", verify_every, 16u, "requests",
        "verify: sample checks one request in this many of each program", "guess",
        Range::between(1, 1u << 30));
}

void RunParams::declare(ParamScope& s) {
  s.add("max_sim_time_ms", max_sim_time_ms, 600000.0, "ms",
        "Watchdog: the run ends as a simulation error (exit 1) when simulated time passes this "
        "and the scenario has not finished",
        "guess: ten simulated minutes, far beyond every shipped scenario (the longest, a million "
        "requests of scenarios/bench or hostile_fuzz.yaml's million-operation run, simulate "
        "under ten seconds)",
        Range::between(0.001, 1e7));
  s.add("max_host_seconds", max_host_seconds, 3600.0, "s",
        "Watchdog: the run ends as a simulation error (exit 1) when it has taken this much host "
        "wall-clock time (checked between slices of simulated time, run_system; 0 fires at "
        "the first check)",
        "guess: an hour, beyond every shipped scenario (seconds each; the million-operation "
        "hostile fuzz took 25 minutes of wall time on a loaded 2-core machine)",
        Range::between(0, 1e6));
}

std::vector<std::string> data_mode_sets(const Scenario& s, const std::string& mode) {
  std::vector<std::string> sets;
  for (const DeviceSpec& d : s.system.devices) {
    if (!find_accelerator_kind(d.kind)->has_data_mode()) continue;
    sets.push_back("system.devices." + std::to_string(d.index) + "." + d.kind +
                   ".data_mode=" + mode);
  }
  return sets;
}

std::vector<std::string> Scenario::instance_names(const ProcessSpec& p) {
  if (p.count == 1) return {p.name};
  std::vector<std::string> names;
  for (uint32_t i = 0; i < p.count; ++i) names.push_back(p.name + "." + std::to_string(i));
  return names;
}

void Scenario::declare(ParamScope& s) {
  if (!s.describing()) reject_old_keys(*s.tree());
  s.add("seed", seed, 1u, "", "Seed of every random stream in the run", "DESIGN.md", Range::min(0));
  ParamScope sys = s.sub("system");
  system.declare(sys);
  load_processes(s, &processes);
  load_events(s, &events);
  ParamScope out = s.sub("output");
  output.declare(out);
  ParamScope run_scope = s.sub("run");
  run.declare(run_scope);
  if (s.describing()) return;
  // Programs that need a device kind.
  for (size_t i = 0; i < processes.size(); ++i) {
    for (size_t j = 0; j < processes[i].threads.size(); ++j) {
      const ThreadSpec& t = processes[i].threads[j];
      const ProgramKind* kind = find_program_kind(t.program);
      if (kind->needs_device_kind.empty()) continue;
      bool found = false;
      for (const DeviceSpec& d : system.devices) found |= d.kind == kind->needs_device_kind;
      // Blame the program key where the scenario wrote one, else the device list, else the
      // thread entry (the default program), so the error always has a line.
      const std::string entry = "processes." + std::to_string(i) + ".threads." + std::to_string(j);
      std::string k = entry + ".program";
      if (!s.given(k)) k = s.given("system.devices") ? "system.devices" : entry;
      s.require(k, found,
                t.program + " needs a device of kind " + kind->needs_device_kind +
                    " in system.devices (e.g. devices: [{kind: zip}, {kind: " +
                    kind->needs_device_kind + "}])");
    }
  }
  // Kinds limited in threads per process.
  for (size_t i = 0; i < processes.size(); ++i) {
    std::map<std::string, uint32_t> threads_of_kind;
    for (size_t j = 0; j < processes[i].threads.size(); ++j) {
      const ThreadSpec& t = processes[i].threads[j];
      const ProgramKind* kind = find_program_kind(t.program);
      threads_of_kind[t.program] += t.count;
      const std::string k =
          "processes." + std::to_string(i) + ".threads." + std::to_string(j) + ".count";
      s.require(k,
                kind->max_threads_per_process == 0 ||
                    threads_of_kind[t.program] <= kind->max_threads_per_process,
                t.program + " runs at most " + std::to_string(kind->max_threads_per_process) +
                    " thread(s) per process (UADK's settings are per process); use more "
                    "processes, or program uadk_sync for threads sharing ctxs");
    }
  }
  // Events name existing processes.
  std::set<std::string> known;
  for (const auto& p : processes) {
    known.insert(p.name);
    for (const auto& n : instance_names(p)) known.insert(n);
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string k = "events." + std::to_string(i) + ".process";
    s.require(k, known.count(events[i].process) > 0,
              "no process or process instance is named " + events[i].process);
    if (events[i].action == "fork") known.insert(events[i].child.name);
    if (!events[i].device.empty()) {
      bool found = false;
      for (const DeviceSpec& d : system.devices) {
        found = found || (d.name == events[i].device && find_accelerator_kind(d.kind)->has_qm());
      }
      const std::string dk = "events." + std::to_string(i) + ".device";
      s.require(dk, found, "no QM device (system.devices[].name) is named " + events[i].device);
    }
  }
}

namespace {

Scenario load_tree(const ConfigTree& tree, const std::string& name) {
  Scenario sc = load_params<Scenario>(tree, "");
  sc.sweep = load_sweep(tree);
  tree.check_all_used("");
  sc.name = name;
  sc.file = tree.file();
  return sc;
}

}  // namespace

Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets,
                       uint64_t seed_override) {
  ConfigTree tree = ConfigTree::from_file(path);
  resolve_layers(tree);
  for (const auto& s : sets) tree.apply_override(s);
  finish_layers(tree);
  Scenario sc = load_tree(tree, std::filesystem::path(path).stem().string());
  if (seed_override) sc.seed = seed_override;
  return sc;
}

Scenario load_scenario_text(const std::string& text, const std::string& name,
                            const std::vector<std::string>& sets) {
  ConfigTree tree = ConfigTree::from_string(text, name);
  resolve_layers(tree);
  for (const auto& s : sets) tree.apply_override(s);
  finish_layers(tree);
  return load_tree(tree, name);
}

std::vector<ParamSpec> describe_scenario() {
  // A list entry's keys are described once per kind; keep the first of each.
  std::vector<ParamSpec> out;
  std::set<std::string> seen;
  for (auto& spec : describe_params<Scenario>("")) {
    if (seen.insert(spec.key_path).second) out.push_back(std::move(spec));
  }
  return out;
}

}  // namespace wdsim
