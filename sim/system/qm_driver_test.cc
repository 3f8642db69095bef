// The QM driver's error paths with a real QM behind a PCIe link and an SMMU: the AEQ handler
// disabling a user queue (DUS stop words, STOP_QP, the runtime's next send failing with -EIO)
// after a QM_CQE_ERROR and after a QM_CQ_OVERFLOW; a kernel queue's unreaped request failing;
// device isolation after N errors (sysfs isolate, discovery skips the device, open -EPERM); and
// doorbell isolation (each queue's MMIO region is its own 64 KiB page, the runtime rings there).
// The machine is the one a scenario builds (machine.h, topology.h), its one device of a test
// kind: a QM whose queue type 0 has an engine that completes every SQE at once.
#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/hisi_qm_udrv.h"
#include "runtime/uacce_queue.h"
#include "sim/accel/qm/qm.h"
#include "sim/base/config_tree.h"
#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/cpu_host/kernel/hisi_qm_driver.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/system/accelerator_kind.h"
#include "sim/system/machine.h"
#include "sim/system/scenario.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint8_t kAlgWithEngine = 0;
constexpr uint8_t kAlgWithoutEngine = 1;  // the QM completes it with QM_CQE_ERROR
constexpr const char* kDevName = "hisi_zip-0";
constexpr uint64_t kDramBytes = 256ull << 20;

// Completes every SQE at once and leaves it as it was (a QM-level test engine).
class EchoEngine : public QmEngine {
 public:
  const char* name() const override { return "echo"; }
  EngineTiming process(EngineRequest&, sc_core::sc_time&) override { return {}; }
};

// The test's accelerator kind: a QM function named as ZIP's (driver hisi_zip, uacce device
// hisi_zip-<n>, algorithm zlib) with the echo engine on queue type 0 and none on type 1.
class EchoKind : public AcceleratorKind {
 public:
  class Params : public EngineParams {
   public:
    void declare(ParamScope&) override {}
    bool timing_only() const override { return false; }
  };
  class Instance : public EngineInstance {
   public:
    EchoEngine engine;
  };
  std::string name() const override { return "qm_echo"; }
  std::string description() const override { return "test: a QM with an echo engine"; }
  std::string uacce_prefix() const override { return "hisi_zip"; }
  std::string driver_name() const override { return "hisi_zip"; }
  std::string algorithms() const override { return "zlib"; }
  std::string qm_component() const override { return "qm"; }
  std::string engine_component() const override { return "echo"; }
  std::string link_component() const override { return "pcie_link"; }
  bool ats_capable() const override { return false; }
  std::unique_ptr<EngineParams> make_params() const override { return std::make_unique<Params>(); }
  std::unique_ptr<EngineInstance> build(const std::string&, const EngineParams&, SimEnv&,
                                        Qm& qm) const override {
    auto e = std::make_unique<Instance>();
    qm.attach_engine(kAlgWithEngine, &e->engine);
    return e;
  }
};

const bool kEchoKindRegistered = register_accelerator_kind(std::make_unique<EchoKind>());

struct Options {
  uint32_t sq_depth = 16;
  uint32_t isolate_threshold = 0;
  bool use_db_isolation = false;
};

// A scenario's `system:` with one qm_echo function; SVA faults abort (no stalls).
SystemParams system_of(const Options& o) {
  ConfigTree tree =
      ConfigTree::from_string("system:\n  devices:\n    - kind: qm_echo\n", "qm_driver_test");
  const std::string dev = "system.devices.0.qm.";
  for (const std::string& set :
       {"system.dram.size_bytes=" + std::to_string(kDramBytes),
        std::string("system.host.iopf=none"), dev + "sq_depth=" + std::to_string(o.sq_depth),
        dev + "isolate_threshold=" + std::to_string(o.isolate_threshold),
        dev + "use_db_isolation=" + std::string(o.use_db_isolation ? "true" : "false")}) {
    tree.apply_override(set);
  }
  SystemParams p = load_params<SystemParams>(tree, "system");
  tree.check_all_used("system");
  return p;
}

// The machine with a test body in a simulated thread (after boot, with one process).
class Harness : public sc_core::sc_module {
 public:
  using Body = std::function<void(Harness&, HostThread&)>;

  Harness(sc_core::sc_module_name name, const SystemParams& params, SimEnv& env, Body body)
      : sc_module(name), env_(env), body_(std::move(body)), machine_(params, env) {
    SC_HAS_PROCESS(Harness);
    SC_THREAD(run);
  }

  Kernel& kernel() { return machine_.kernel(); }
  Qm& qm() { return *function().qm; }
  HisiQmDriver& drv() { return *function().driver; }
  uint64_t counter(const std::string& key) {
    const Counter* c = env_.stats().find_counter(key);
    return c ? c->value() : 0;
  }
  bool finished = false;

 private:
  AcceleratorFunction& function() { return *machine_.topology().functions().front(); }

  void run() {
    CpuContext boot;
    machine_.boot(boot);
    Process& process = kernel().create_process();
    HostThread thread(kernel(), process, "app");
    body_(*this, thread);
    finished = true;
    sc_core::sc_stop();
  }

  SimEnv& env_;
  Body body_;
  Machine machine_;
};

bool run_harness(const Options& o, SimEnv& env, Harness::Body body) {
  const SystemParams params = system_of(o);
  testing::fresh_sc_context();
  bool finished = false;
  {
    auto h = std::make_unique<Harness>("h", params, env, std::move(body));
    sc_core::sc_start();
    finished = h->finished;
  }
  testing::fresh_sc_context();
  return finished;
}

rt::UacceDeviceInfo the_device(HostThread& t) {
  std::vector<rt::UacceDeviceInfo> devs;
  EXPECT_EQ(rt::UacceQueue::list_devices(t, &devs), 0);
  EXPECT_EQ(devs.size(), 1u);
  return devs.empty() ? rt::UacceDeviceInfo{} : devs.front();
}

uint32_t word(HostThread& t, rt::VirtAddr va) {
  uint32_t v = 0;
  t.load(va, &v, sizeof v);
  return v;
}

const rt::UserDriverCosts kCosts{};
const sc_core::sc_time kSettle = ns(20000);  // long enough for a completion and its interrupts

TEST(QmDriverErrors, CqeErrorDisablesTheUserQueueAndTheNextSendFails) {
  SimEnv env(1);
  int send_after = 0, recv_after = 0;
  uint32_t tx = 0, rx = 0;
  bool started_after = true;
  uint64_t hw_errors = 0, disabled = 0;
  ASSERT_TRUE(run_harness({}, env, [&](Harness& h, HostThread& t) {
    rt::UacceQueue q(t, kPage);
    rt::UacceQueueRequest req;
    req.algorithm = "zlib";
    req.qc_type = kAlgWithoutEngine;
    ASSERT_EQ(q.open(req), 0) << q.last_error();
    rt::HisiQmQueue hq(t, kCosts);
    ASSERT_EQ(hq.attach(q, {}), 0) << hq.last_error();
    EXPECT_EQ(word(t, hq.tx_status_va()), 0u);
    std::vector<uint8_t> sqe(hq.sqe_size(), 0);
    uint16_t sent = 0;
    ASSERT_EQ(hq.send(sqe.data(), 1, &sent), 0);
    sc_core::wait(kSettle);
    tx = word(t, hq.tx_status_va());
    rx = word(t, hq.rx_status_va());
    send_after = hq.send(sqe.data(), 1, &sent);
    std::vector<uint8_t> out(hq.sqe_size());
    uint16_t got = 0;
    recv_after = hq.recv(out.data(), 1, &got);
    started_after = h.qm().queue_started(q.qp_id());
    hw_errors = h.drv().hw_errors();
    disabled = h.counter("host.qm_drv.disabled_qps");
    EXPECT_EQ(h.counter("host.qm_drv.aeqes.cqe_error"), 1u);
    EXPECT_EQ(q.close(), 0);
  }));
  EXPECT_EQ(tx, qm::kDusStopValue);
  EXPECT_EQ(rx, qm::kDusStopValue);
  EXPECT_EQ(send_after, -EIO);
  EXPECT_EQ(recv_after, -EIO);
  EXPECT_FALSE(started_after);  // STOP_QP went through the mailbox
  EXPECT_EQ(hw_errors, 1u);
  EXPECT_EQ(disabled, 1u);
}

TEST(QmDriverErrors, CqOverflowDisablesTheUserQueue) {
  SimEnv env(1);
  Options o;
  o.sq_depth = 8;
  int send_after = 0;
  uint32_t tx = 0;
  uint64_t overflows = 0;
  ASSERT_TRUE(run_harness(o, env, [&](Harness& h, HostThread& t) {
    rt::UacceQueue q(t, kPage);
    rt::UacceQueueRequest req;
    req.algorithm = "zlib";
    req.qc_type = kAlgWithEngine;
    ASSERT_EQ(q.open(req), 0) << q.last_error();
    rt::HisiQmQueue hq(t, kCosts);
    ASSERT_EQ(hq.attach(q, {}), 0) << hq.last_error();
    ASSERT_EQ(hq.sq_depth(), 8);
    // depth - 1 requests, none received: the CQ holds depth - 1 CQEs and is full.
    std::vector<uint8_t> sqes(size_t{hq.sqe_size()} * 7, 0);
    uint16_t sent = 0;
    ASSERT_EQ(hq.send(sqes.data(), 7, &sent), 0);
    ASSERT_EQ(sent, 7);
    sc_core::wait(kSettle);
    EXPECT_EQ(h.counter("host.qm_drv.aeqes"), 0u);
    // A misbehaving process rings one more slot in by hand: its CQE has no room.
    t.store(hq.sq_base() + 7ull * hq.sqe_size(), sqes.data(), hq.sqe_size());
    qm::Doorbell db{q.qp_id(), qm::kDbCmdSq, 0, 0, 0};
    t.mmio_write64(hq.doorbell_va(), qm::encode_doorbell_v2(db));
    sc_core::wait(kSettle);
    overflows = h.counter("host.qm_drv.aeqes.cq_overflow");
    tx = word(t, hq.tx_status_va());
    send_after = hq.send(sqes.data(), 0, &sent);
    EXPECT_EQ(q.close(), 0);
  }));
  EXPECT_EQ(overflows, 1u);
  EXPECT_EQ(tx, qm::kDusStopValue);
  EXPECT_EQ(send_after, -EIO);
}

TEST(QmDriverErrors, KernelQueueFailsItsUnreapedRequest) {
  SimEnv env(1);
  std::vector<uint16_t> failed, reaped_later;
  bool disabled = false, send_after = true;
  uint32_t stray = 0;
  ASSERT_TRUE(run_harness({}, env, [&](Harness& h, HostThread& t) {
    CpuContext& cpu = t.cpu();
    HisiQmDriver::Qp* qp = h.drv().alloc_qp(kAlgWithoutEngine);
    ASSERT_NE(qp, nullptr);
    qp->on_fail = [&](CpuContext&, uint16_t slot) { failed.push_back(slot); };
    // The completion interrupt that follows finds nothing left to reap: the request failed.
    qp->on_event = [&h, &reaped_later, qp](CpuContext& c) {
      for (uint16_t s : h.drv().kernel_poll_cq(c, *qp)) reaped_later.push_back(s);
    };
    h.drv().alloc_ring(cpu, *qp, /*with_status_page=*/false);
    h.drv().start_qp(cpu, *qp, 0, /*pasid_enabled=*/false);
    std::vector<uint8_t> sqe(128, 0);
    ASSERT_TRUE(h.drv().kernel_send(cpu, *qp, sqe.data()));
    sc_core::wait(kSettle);
    disabled = qp->disabled;
    send_after = h.drv().kernel_send(cpu, *qp, sqe.data());
    stray = static_cast<uint32_t>(h.counter("host.qm_drv.stray_eqes"));
    h.drv().release_qp(cpu, qp);
  }));
  EXPECT_EQ(failed, std::vector<uint16_t>{0});
  EXPECT_TRUE(reaped_later.empty());
  EXPECT_TRUE(disabled);
  EXPECT_FALSE(send_after);
  EXPECT_EQ(stray, 0u);
}

TEST(QmDriverErrors, IsolationAfterNErrorsHidesTheDeviceAndOpenFails) {
  SimEnv env(1);
  Options o;
  o.isolate_threshold = 2;
  std::string isolate_before, isolate_after, strategy;
  int pick = 0, open_fd = 0;
  std::string why;
  ASSERT_TRUE(run_harness(o, env, [&](Harness&, HostThread& t) {
    const std::string dir = std::string("/sys/class/uacce/") + kDevName + "/";
    t.read_text(dir + "isolate", &isolate_before);
    t.read_text(dir + "isolate_strategy", &strategy);
    for (int i = 0; i < 2; ++i) {  // one bad SQE on each of two queues
      rt::UacceQueue q(t, kPage);
      rt::UacceQueueRequest req;
      req.algorithm = "zlib";
      req.qc_type = kAlgWithoutEngine;
      ASSERT_EQ(q.open(req), 0) << q.last_error();
      rt::HisiQmQueue hq(t, kCosts);
      ASSERT_EQ(hq.attach(q, {}), 0);
      std::vector<uint8_t> sqe(hq.sqe_size(), 0);
      uint16_t sent = 0;
      ASSERT_EQ(hq.send(sqe.data(), 1, &sent), 0);
      sc_core::wait(kSettle);
      q.close();
    }
    t.read_text(dir + "isolate", &isolate_after);
    rt::UacceQueueRequest req;
    req.algorithm = "zlib";
    rt::UacceDeviceInfo dev;
    pick = rt::UacceQueue::pick_device(t, req, &dev, &why);
    open_fd = t.open(std::string("/dev/") + kDevName);
  }));
  EXPECT_EQ(isolate_before, "0");
  EXPECT_EQ(strategy, "2");
  EXPECT_EQ(isolate_after, "1");
  EXPECT_EQ(pick, -ENODEV);
  EXPECT_NE(why.find("isolated"), std::string::npos) << why;
  EXPECT_EQ(open_fd, -EPERM);
}

TEST(QmDriverDoorbellIsolation, EachQueueMapsItsOwnPageAndTheRuntimeRingsThere) {
  SimEnv env(1);
  Options o;
  o.use_db_isolation = true;
  uint64_t mmio_size = 0;
  int received[2] = {-1, -1};
  uint64_t pa[2] = {0, 0};
  ASSERT_TRUE(run_harness(o, env, [&](Harness& h, HostThread& t) {
    mmio_size = the_device(t).region_mmio_size;
    rt::UacceQueue q0(t, kPage), q1(t, kPage);
    rt::UacceQueueRequest req;
    req.algorithm = "zlib";
    req.qc_type = kAlgWithEngine;
    ASSERT_EQ(q0.open(req), 0) << q0.last_error();
    ASSERT_EQ(q1.open(req), 0) << q1.last_error();
    rt::UacceQueue* qs[2] = {&q0, &q1};
    for (int i = 0; i < 2; ++i) {
      auto p = t.process().translate(qs[i]->mmio_base());
      pa[i] = p ? *p : 0;
      rt::HisiQmQueue hq(t, kCosts);
      ASSERT_EQ(hq.attach(*qs[i], {}), 0) << hq.last_error();
      std::vector<uint8_t> sqe(hq.sqe_size(), 0);
      uint16_t sent = 0, got = 0;
      ASSERT_EQ(hq.send(sqe.data(), 1, &sent), 0);
      received[i] = hq.wait_and_recv(sqe.data(), 1, &got, 1'000'000'000);
    }
    EXPECT_EQ(h.drv().qp_mmio_pa(q1.qp_id()) - h.drv().qp_mmio_pa(q0.qp_id()),
              static_cast<uint64_t>(q1.qp_id() - q0.qp_id()) * 0x10000);
    q0.close();
    q1.close();
  }));
  EXPECT_EQ(mmio_size, 0x10000u);
  EXPECT_EQ(received[0], 0);
  EXPECT_EQ(received[1], 0);
  const QmParams qp = default_params<QmParams>();
  EXPECT_EQ(pa[0], AddressMap::kQmBarBase + qp.db_isolation_base + 0 * 0x10000);
  EXPECT_EQ(pa[1], AddressMap::kQmBarBase + qp.db_isolation_base + 1 * 0x10000);
}

}  // namespace
}  // namespace wdsim
