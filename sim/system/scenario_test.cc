// Bad input to the scenario loader: every error names file:line:column and the key path, and
// nothing runs. Keys of the format before the system layer say what replaced them; conflicts
// between device entries, programs without the device they need, events naming no process
// are errors at the offending key. The device and process lists: computed names, StreamIDs
// and MSI vectors, defaults, --set appending entries, and `describe` listing each list
// entry's keys once.
#include "sim/system/scenario.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace wdsim {
namespace {

std::string error_of(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  try {
    load_scenario_text(yaml, "bad.yaml", sets);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

TEST(ScenarioLoader, AcceptsTheShippedScenarios) {
  for (const char* f : {"syscall_vs_doorbell", "golden/two_requests", "batch_depth", "crypto_mix",
                        "iommu_design_space", "iopf_pri", "iopf_vs_pretouch", "vm_nested",
                        "pcie_fabric", "nic_rx", "nic_pipeline", "kernel_queues"}) {
    EXPECT_NO_THROW(load_scenario(std::string("scenarios/") + f + ".yaml", {}, 0)) << f;
  }
}

TEST(ScenarioLoader, UnknownKeyNamesItsPlace) {
  EXPECT_EQ(error_of("system:\n  smmu:\n    iotlb:\n      entires: 64\n"),
            "bad.yaml:4:16: system.smmu.iotlb.entires: unknown key");
  EXPECT_EQ(error_of("sytem: {}\n"), "bad.yaml:1:8: sytem: unknown key");
  // Inside a list entry: the entry's index is part of the key path.
  EXPECT_EQ(error_of("processes:\n  - threads:\n      - compare:\n          reqests: 2\n"),
            "bad.yaml:4:20: processes.0.threads.0.compare.reqests: unknown key");
  EXPECT_EQ(error_of("system:\n  devices:\n    - kind: zip\n      qm:\n        atss: true\n"),
            "bad.yaml:5:15: system.devices.0.qm.atss: unknown key");
  // The ATC's random victims come from the scenario seed: it has no seed of its own.
  EXPECT_EQ(error_of("system:\n  devices:\n    - kind: zip\n      qm:\n        atc:\n"
                     "          random_seed: 7\n"),
            "bad.yaml:6:24: system.devices.0.qm.atc.random_seed: unknown key");
  EXPECT_EQ(error_of("events:\n  - {at_us: 1, process: app, code: 3}\n"),
            "bad.yaml:2:36: events.0.code: unknown key");
}

TEST(ScenarioLoader, WrongTypeAndRange) {
  const std::string thread = "processes:\n  - threads:\n      - compare:\n";
  EXPECT_EQ(error_of(thread + "          requests: many\n"),
            "bad.yaml:4:21: processes.0.threads.0.compare.requests: expected uint, got 'many'");
  EXPECT_EQ(error_of(thread + "          sizes: [64, 0]\n"),
            "bad.yaml:4:23: processes.0.threads.0.compare.sizes.1: value 0 is out of range "
            "[1, 8388608] B");
  EXPECT_EQ(error_of(thread + "          paths: [doorbell, carrier_pigeon]\n"),
            "bad.yaml:4:29: processes.0.threads.0.compare.paths.1: 'carrier_pigeon' is not one "
            "of: doorbell, syscall");
  EXPECT_EQ(error_of("system:\n  pcie: fast\n"),
            "bad.yaml:2:9: system.pcie: expected a section (a map of parameters), got 'fast'");
  EXPECT_EQ(error_of("processes: app\n"), "bad.yaml:1:12: processes: expected a list");
}

TEST(ScenarioLoader, OverridesAreCheckedAndNamed) {
  EXPECT_EQ(error_of("{}\n", {"system.host.syscall_entry_ns=-5"}),
            "--set system.host.syscall_entry_ns=-5: system.host.syscall_entry_ns: value -5 is "
            "out of range [0, 10000000000000] ns");
  EXPECT_EQ(error_of("{}\n", {"system.nope=1"}), "--set system.nope=1: system.nope: unknown key");
  EXPECT_EQ(error_of("{}\n", {"novalue"}), "--set novalue: expected key.path=value");
}

TEST(ScenarioLoader, ConstraintsBeyondRangesNameTheKey) {
  EXPECT_EQ(error_of("system:\n  pcie:\n    lanes: 3\n"),
            "bad.yaml:3:12: system.pcie.lanes: must be 1, 2, 4, 8 or 16");
}

TEST(ScenarioLoader, SweepAxesAndTheirCartesianProduct) {
  Scenario sc = load_scenario_text(
      "sweep:\n  system.smmu.iotlb.entries: [16, 64]\n"
      "  processes.0.threads.0.compare.sizes: [[64], [64, 4096]]\n",
      "s.yaml", {});
  ASSERT_EQ(sc.sweep.size(), 2u);
  EXPECT_EQ(sc.sweep[0].key, "system.smmu.iotlb.entries");
  EXPECT_EQ(sc.sweep[1].values[1], "[64, 4096]");
  auto points = sweep_points(sc.sweep);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0], (std::vector<std::string>{"system.smmu.iotlb.entries=16",
                                                 "processes.0.threads.0.compare.sizes=[64]"}));
  EXPECT_EQ(points[3],
            (std::vector<std::string>{"system.smmu.iotlb.entries=64",
                                      "processes.0.threads.0.compare.sizes=[64, 4096]"}));
  EXPECT_EQ(error_of("sweep:\n  system.smmu.iotlb.entires: [1]\n"),
            "bad.yaml:2:30: sweep.system.smmu.iotlb.entires: not a parameter");
  EXPECT_EQ(error_of("sweep:\n  processes.0.threads.0.compare.requests: 5\n"),
            "bad.yaml:2:43: sweep.processes.0.threads.0.compare.requests: expected a non-empty "
            "list of values");
}

TEST(ScenarioLoader, EmptySectionsAreFine) {
  for (const char* yaml : {"system: {}\n", "system:\n", "output: {}\n",
                           "system:\n  smmu: {}\n  pcie:\n", "system: {devices: [{qm: {}}]}\n"}) {
    EXPECT_EQ(error_of(yaml), "") << yaml;
  }
  EXPECT_EQ(error_of("system: {smu: {}}\n"), "bad.yaml:1:15: system.smu: unknown key");
}

TEST(ScenarioLoader, NumbersAreReadAsWritten) {
  const std::string thread = "processes:\n  - threads:\n      - compare:\n";
  EXPECT_EQ(error_of(thread + "          sizes: [010]\n"),
            "bad.yaml:4:19: processes.0.threads.0.compare.sizes.0: value 010 has a leading zero "
            "(octal or decimal?): write it without the zero, or as 0x hex");
  EXPECT_EQ(error_of("seed: ' -1'\n"), "bad.yaml:1:7: seed: expected uint, got ' -1'");
  EXPECT_EQ(error_of("seed: 18446744073709551616\n"),
            "bad.yaml:1:7: seed: value 18446744073709551616 does not fit (at most "
            "18446744073709551615)");
}

TEST(ScenarioLoader, ASweepHasABoundedNumberOfPoints) {
  std::string yaml = "sweep:\n";
  const char* keys[] = {"system.smmu.iotlb.entries", "system.smmu.utlb.entries",
                        "system.pcie.lanes",         "system.host.syscall_entry_ns",
                        "system.dram.channels",      "seed"};
  for (const char* k : keys) yaml += std::string("  ") + k + ": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n";
  const std::string e = error_of(yaml);
  EXPECT_NE(e.find("the sweep has more than 4096 points"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("bad.yaml:", 0), 0u) << e;
}

TEST(ScenarioLoader, MissingFileAndSyntaxError) {
  try {
    load_scenario("scenarios/does_not_exist.yaml", {}, 0);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "scenarios/does_not_exist.yaml: cannot open scenario file: No such file or "
                 "directory");
  }
  EXPECT_NE(error_of("processes: [\n").find("bad.yaml:"), std::string::npos);
}

TEST(ScenarioLoader, DescribeListsEveryBlock) {
  auto specs = describe_scenario();
  for (const char* prefix : {"system.dram.", "system.smmu.", "system.pcie.", "system.devices[].qm.",
                             "system.devices[].zip.", "system.devices[].sec.", "system.host.",
                             "system.runtime.", "processes[].threads[].compare.",
                             "processes[].threads[].batch.", "processes[].threads[].crypto.",
                             "processes[].threads[].uadk_sync.", "events[].", "output."}) {
    bool found = false;
    for (const auto& s : specs) found |= starts_with(s.key_path, prefix);
    EXPECT_TRUE(found) << prefix;
  }
  for (const auto& s : specs) {
    EXPECT_FALSE(s.description.empty()) << s.key_path;
    EXPECT_FALSE(s.source.empty()) << s.key_path;
  }
}

TEST(ScenarioLoader, DescribeListsEachListEntryKeyOnce) {
  auto specs = describe_scenario();
  for (const char* key :
       {"system.devices[].qm.num_qps", "system.devices[].sec.cores",
        "processes[].threads[].compare.sizes", "processes[].threads[].uadk_sync.ctxs"}) {
    const auto n = std::count_if(specs.begin(), specs.end(),
                                 [&](const ParamSpec& s) { return s.key_path == key; });
    EXPECT_EQ(n, 1) << key;
  }
  // No key path appears twice.
  std::vector<std::string> keys;
  for (const auto& s : specs) keys.push_back(s.key_path);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(std::adjacent_find(keys.begin(), keys.end()), keys.end());
}

// ---- The format before the system layer.

TEST(ScenarioLoader, OldKeysSayWhatReplacedThem) {
  const std::string w = error_of("workload:\n  requests: 5\n");
  EXPECT_TRUE(starts_with(w, "bad.yaml:2:3: workload: replaced by processes[].threads[]")) << w;
  const std::string q = error_of("system:\n  qm:\n    ats: true\n");
  EXPECT_TRUE(starts_with(q, "bad.yaml:3:5: system.qm: replaced by system.devices[].qm")) << q;
  const std::string z = error_of("system:\n  zip:\n    cores: 2\n");
  EXPECT_TRUE(starts_with(z, "bad.yaml:3:5: system.zip: replaced by system.devices[].zip")) << z;
  const std::string s = error_of("system:\n  sec:\n    cores: 2\n");
  EXPECT_TRUE(starts_with(s,
                          "bad.yaml:3:5: system.sec: replaced by a system.devices entry of "
                          "kind sec"))
      << s;
  const std::string sq = error_of("system:\n  sec_qm:\n    num_qps: 2\n");
  EXPECT_TRUE(starts_with(sq, "bad.yaml:3:5: system.sec_qm: replaced by system.devices[].qm"))
      << sq;
  // From --set too: the override names itself.
  const std::string o = error_of("{}\n", {"workload.requests=5"});
  EXPECT_TRUE(starts_with(o, "--set workload.requests=5: workload: replaced by")) << o;
}

// ---- Devices.

TEST(ScenarioLoader, DefaultIsOneZipDevice) {
  Scenario sc = load_scenario_text("{}\n", "d.yaml", {});
  ASSERT_EQ(sc.system.devices.size(), 1u);
  const DeviceSpec& d = sc.system.devices[0];
  EXPECT_EQ(d.kind, "zip");
  EXPECT_EQ(d.name, "hisi_zip-0");
  EXPECT_EQ(d.qm.stream_id, 0u);
  EXPECT_EQ(d.qm.msi_data, 0u);
}

TEST(ScenarioLoader, AThirdZipDeviceIsOneMoreListEntry) {
  Scenario sc = load_scenario_text(
      "system:\n  devices:\n    - kind: zip\n    - kind: zip\n    - kind: zip\n", "d.yaml", {});
  ASSERT_EQ(sc.system.devices.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    const DeviceSpec& d = sc.system.devices[i];
    EXPECT_EQ(d.index, i);
    EXPECT_EQ(d.kind, "zip");
    EXPECT_EQ(d.name, "hisi_zip-" + std::to_string(i));  // n counts the devices of the kind
    EXPECT_EQ(d.qm.stream_id, i);                        // StreamID = index
    EXPECT_EQ(d.qm.msi_data, 2 * i);                     // EQ 2i, AEQ 2i + 1
  }
  // A kind's number counts that kind only: zip, sec, zip -> hisi_zip-0, hisi_sec2-0, hisi_zip-1,
  // while StreamIDs and MSI vectors follow the position.
  Scenario mixed = load_scenario_text(
      "system:\n  devices:\n    - kind: zip\n    - kind: sec\n    - kind: zip\n", "d.yaml", {});
  ASSERT_EQ(mixed.system.devices.size(), 3u);
  EXPECT_EQ(mixed.system.devices[1].name, "hisi_sec2-0");
  EXPECT_EQ(mixed.system.devices[2].name, "hisi_zip-1");
  EXPECT_EQ(mixed.system.devices[2].qm.stream_id, 2u);
  EXPECT_EQ(mixed.system.devices[2].qm.msi_data, 4u);
}

TEST(ScenarioLoader, DeviceConflictsAreErrorsAtTheLaterEntry) {
  EXPECT_EQ(error_of("system:\n  devices:\n    - kind: zip\n      name: acc\n"
                     "    - kind: zip\n      name: acc\n"),
            "bad.yaml:6:13: system.devices.1.name: name acc is also system.devices.0's");
  EXPECT_EQ(error_of("system:\n  devices:\n    - kind: zip\n    - kind: sec\n"
                     "      qm:\n        stream_id: 0\n"),
            "bad.yaml:6:20: system.devices.1.qm.stream_id: StreamID 0 is also "
            "system.devices.0's");
  // Device 1's EQ vector 1 is device 0's AEQ vector (msi_data + 1).
  EXPECT_EQ(error_of("system:\n  devices:\n    - kind: zip\n    - kind: sec\n"
                     "      qm:\n        msi_data: 1\n"),
            "bad.yaml:6:19: system.devices.1.qm.msi_data: MSI vector 1 (EQ msi_data, AEQ +1) is "
            "also system.devices.0's");
  // A computed StreamID clashing with one given earlier: the error is at the later entry
  // (the entry itself, line 5, as it gives no stream_id).
  const std::string implicit =
      error_of("system:\n  devices:\n    - kind: zip\n      qm: {stream_id: 1}\n    - kind: zip\n");
  EXPECT_TRUE(starts_with(implicit, "bad.yaml:5:")) << implicit;
  EXPECT_NE(implicit.find("system.devices.1.qm.stream_id: StreamID 1 is also system.devices.0's"),
            std::string::npos)
      << implicit;
  // The same through --set: named by the override.
  EXPECT_EQ(error_of("system:\n  devices:\n    - kind: zip\n    - kind: zip\n",
                     {"system.devices.1.name=hisi_zip-0"}),
            "--set system.devices.1.name=hisi_zip-0: system.devices.1.name: name hisi_zip-0 is "
            "also system.devices.0's");
}

// ---- Processes, threads, programs, events.

TEST(ScenarioLoader, DefaultIsOneProcessRunningCompare) {
  Scenario sc = load_scenario_text("{}\n", "p.yaml", {});
  ASSERT_EQ(sc.processes.size(), 1u);
  EXPECT_EQ(sc.processes[0].name, "app");
  EXPECT_EQ(sc.processes[0].count, 1u);
  EXPECT_EQ(sc.processes[0].page_size, 4096u);
  ASSERT_EQ(sc.processes[0].threads.size(), 1u);
  EXPECT_EQ(sc.processes[0].threads[0].name, "main");
  EXPECT_EQ(sc.processes[0].threads[0].program, "compare");
  EXPECT_NE(sc.processes[0].threads[0].params, nullptr);
  EXPECT_TRUE(sc.events.empty());
}

TEST(ScenarioLoader, SetCreatesListEntries) {
  // On a scenario without a processes key, the override creates the first entry.
  Scenario one =
      load_scenario_text("{}\n", "p.yaml", {"processes.0.threads.0.compare.sizes=[4096]"});
  ASSERT_EQ(one.processes.size(), 1u);
  EXPECT_EQ(one.processes[0].name, "app");
  EXPECT_EQ(one.processes[0].threads[0].program, "compare");
  // An index one past the end appends: the default process stays first, the new one gets the
  // default thread (main, compare).
  Scenario two = load_scenario_text("{}\n", "p.yaml", {"processes.1.name=x"});
  ASSERT_EQ(two.processes.size(), 2u);
  EXPECT_EQ(two.processes[0].name, "app");
  ASSERT_EQ(two.processes[0].threads.size(), 1u);
  EXPECT_EQ(two.processes[0].threads[0].program, "compare");
  EXPECT_EQ(two.processes[1].name, "x");
  ASSERT_EQ(two.processes[1].threads.size(), 1u);
  EXPECT_EQ(two.processes[1].threads[0].name, "main");
  EXPECT_EQ(two.processes[1].threads[0].program, "compare");
  // The same on a scenario that lists one process.
  Scenario listed =
      load_scenario_text("processes:\n  - name: a\n", "p.yaml", {"processes.1.name=b"});
  ASSERT_EQ(listed.processes.size(), 2u);
  EXPECT_EQ(listed.processes[0].name, "a");
  EXPECT_EQ(listed.processes[1].name, "b");
  // Two past the end is an error.
  EXPECT_EQ(error_of("processes:\n  - name: a\n", {"processes.2.name=c"}),
            "--set processes.2.name=c: processes.2.name: index out of range");
}

TEST(ScenarioLoader, ProcessCountNamesInstances) {
  Scenario sc = load_scenario_text("processes:\n  - name: w\n    count: 3\n", "p.yaml", {});
  EXPECT_EQ(Scenario::instance_names(sc.processes[0]),
            (std::vector<std::string>{"w.0", "w.1", "w.2"}));
  EXPECT_EQ(Scenario::instance_names(load_scenario_text("{}\n", "p.yaml", {}).processes[0]),
            (std::vector<std::string>{"app"}));
}

TEST(ScenarioLoader, UnknownProgramKindIsAnError) {
  EXPECT_EQ(error_of("processes:\n  - threads:\n      - program: nosuch\n"),
            "bad.yaml:3:18: processes.0.threads.0.program: 'nosuch' is not one of: batch, "
            "compare, crypto, hostile, nic_pipeline, nic_rx, probe, uadk_sync");
}

TEST(ScenarioLoader, ProgramParamsGoUnderTheProgramsOwnKey) {
  // A batch thread with compare's key: compare is not its program.
  EXPECT_EQ(error_of("processes:\n  - threads:\n      - program: batch\n        compare:\n"
                     "          requests: 2\n"),
            "bad.yaml:5:21: processes.0.threads.0.compare.requests: unknown key");
}

TEST(ScenarioLoader, KernelQueueKeysAreChecked) {
  const std::string events = "events:\n  - {at_us: 1, action: evict, process: app, device: ";
  EXPECT_TRUE(starts_with(error_of(events + "nosuch}\n"), "bad.yaml:2:"));
  EXPECT_NE(error_of(events + "nosuch}\n")
                .find("events.0.device: no QM device (system.devices[].name) is named nosuch"),
            std::string::npos);
  EXPECT_EQ(error_of(events + "hisi_zip-0}\n"), "");
  EXPECT_NE(error_of("events:\n  - {at_us: 1, action: kill, process: app, device: hisi_zip-0}\n")
                .find("events.0.device: only evict and rebind name a device"),
            std::string::npos);
  EXPECT_NE(error_of("processes:\n  - queue_priority: 16\n").find("processes.0.queue_priority"),
            std::string::npos);
  EXPECT_NE(error_of("system:\n  devices: [{kind: zip, evict_policy: always}]\n")
                .find("system.devices.0.evict_policy: 'always' is not one of: none, priority"),
            std::string::npos);
}

TEST(ScenarioLoader, EventNamingNoProcessIsAnError) {
  EXPECT_EQ(error_of("events:\n  - at_us: 1\n    action: exit\n    process: ghost\n"),
            "bad.yaml:4:14: events.0.process: no process or process instance is named ghost");
  // An instance name or the entry's name both work.
  EXPECT_NO_THROW(load_scenario_text(
      "processes:\n  - name: w\n    count: 2\nevents:\n  - {at_us: 1, action: exit, process: w.1}\n"
      "  - {at_us: 2, action: kill, process: w}\n",
      "e.yaml", {}));
  // w has instances w.0 and w.1 only.
  EXPECT_EQ(error_of("processes:\n  - name: w\n    count: 2\n"
                     "events:\n  - {at_us: 1, action: exit, process: w.2}\n"),
            "bad.yaml:5:39: events.0.process: no process or process instance is named w.2");
}

TEST(ScenarioLoader, CryptoWithoutASecDeviceIsAnError) {
  const std::string e = error_of("processes:\n  - threads:\n      - program: crypto\n");
  EXPECT_TRUE(starts_with(e,
                          "bad.yaml:3:18: processes.0.threads.0.program: crypto needs a "
                          "device of kind sec in system.devices"))
      << e;
  EXPECT_NO_THROW(
      load_scenario_text("system:\n  devices: [{kind: zip}, {kind: sec}]\n"
                         "processes:\n  - threads:\n      - program: crypto\n",
                         "c.yaml", {}));
  // The compare program needs a zip device.
  const std::string z = error_of(
      "system:\n  devices: [{kind: sec}]\nprocesses:\n  - threads:\n      - program: compare\n");
  EXPECT_NE(z.find("processes.0.threads.0.program: compare needs a device of kind zip"),
            std::string::npos)
      << z;
}

TEST(ScenarioLoader, BatchRunsOneThreadPerProcess) {
  const std::string e =
      error_of("processes:\n  - threads:\n      - program: batch\n        count: 2\n");
  EXPECT_TRUE(starts_with(e,
                          "bad.yaml:4:16: processes.0.threads.0.count: batch runs at most 1 "
                          "thread(s) per process"))
      << e;
  // Two entries of one thread each add up too: the error is at the second.
  const std::string two = error_of(
      "processes:\n  - threads:\n      - {name: a, program: batch}\n"
      "      - {name: b, program: batch}\n");
  EXPECT_NE(two.find("processes.0.threads.1.count: batch runs at most 1"), std::string::npos)
      << two;
  // One batch thread in each of two processes is fine.
  EXPECT_NO_THROW(
      load_scenario_text("processes:\n  - name: a\n    threads: [{program: batch}]\n"
                         "  - name: b\n    threads: [{program: batch}]\n",
                         "b.yaml", {}));
}

TEST(ScenarioLoader, DuplicateProcessAndThreadNamesAreErrors) {
  EXPECT_EQ(error_of("processes:\n  - name: a\n  - name: a\n"),
            "bad.yaml:3:11: processes.1.name: process name a is used twice");
  EXPECT_EQ(error_of("processes:\n  - threads:\n      - name: t\n      - name: t\n"),
            "bad.yaml:4:15: processes.0.threads.1.name: another thread entry of this process has "
            "this name");
}

}  // namespace
}  // namespace wdsim
