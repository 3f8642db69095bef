// The process's page size in the whole system: the golden two-request workload runs end to end
// (outputs verified by the system) with a 64K granule and with 2 MiB huge pages, walking the
// process's tables less often than with 4K pages; mmu_notifier invalidations step TLBI_NH_VA by the
// process's granule and switch to TLBI_NH_ASID at Linux's CMDQ_MAX_TLBI_OPS = 1 << (granule_shift -
// 3) pages; processes[].page_size is validated.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "sim/base/config_tree.h"
#include "sim/cpu_host/kernel/smmu_driver.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

uint64_t counter(SimEnv &env, const std::string &key) {
  const Counter *c = env.stats().find_counter(key);
  return c ? c->value() : 0;
}

// A parameter of the compare program of the default process's thread.
std::string compare(const std::string &key_value) {
  return "processes.0.threads.0.compare." + key_value;
}

// One mmu_notifier invalidation of the SVA context and the TLBI commands the SMMU executed for it
// (the driver waits for each SYNC, so they come before the next invalidation).
struct Invalidation {
  uint64_t va = 0;
  uint64_t len = 0;
  std::vector<std::pair<uint64_t, uint64_t>> tlbi_va;  // TLBI_NH_VA (va, bytes), ASID 2
  int tlbi_asid = 0;
};

std::vector<Invalidation> sva_invalidations(SimEnv &env) {
  std::vector<Invalidation> out;
  std::istringstream in(env.trace().to_text());
  std::string line;
  const std::string inv = "host.smmu_drv mm_invalidate pasid=1 va=";
  const std::string va_cmd = "smmu cmd op=TLBI_NH_VA asid=2 va=";
  while (std::getline(in, line)) {
    if (auto at = line.find(inv); at != std::string::npos) {
      std::istringstream rest(line.substr(at + inv.size()));
      std::string va, len;
      rest >> va >> len;
      out.push_back({std::stoull(va, nullptr, 16), std::stoull(len.substr(4)), {}, 0});
    } else if (auto at2 = line.find(va_cmd); at2 != std::string::npos && !out.empty()) {
      std::istringstream rest(line.substr(at2 + va_cmd.size()));
      std::string va, bytes;
      rest >> va >> bytes;
      out.back().tlbi_va.emplace_back(std::stoull(va, nullptr, 16), std::stoull(bytes.substr(6)));
    } else if (line.find("smmu cmd op=TLBI_NH_ASID asid=2") != std::string::npos && !out.empty()) {
      out.back().tlbi_asid++;
    }
  }
  return out;
}

// The invalidation of `len` bytes (the test's fresh destination buffer).
const Invalidation *find_len(const std::vector<Invalidation> &v, uint64_t len) {
  for (const auto &i : v) {
    if (i.len == len) return &i;
  }
  return nullptr;
}

struct PageSizeRun {
  bool ok = false;
  std::string error;
  uint64_t walks = 0;
  uint64_t tlbi_va = 0;
  uint64_t tlbi_asid = 0;
  std::vector<Invalidation> invalidations;
};

PageSizeRun run(uint64_t page_size, const std::vector<std::string> &extra = {}) {
  std::vector<std::string> sets = extra;
  sets.push_back("processes.0.page_size=" + std::to_string(page_size));
  Scenario sc = load_scenario("scenarios/golden/two_requests.yaml", sets, 0);
  SimEnv env(sc.seed);
  RunOutcome o = run_system(sc, env);
  PageSizeRun r;
  r.ok = o.ok;
  r.error = o.error;
  r.walks = counter(env, "smmu.walks");
  r.tlbi_va = counter(env, "smmu.cmds.tlbi_nh_va");
  r.tlbi_asid = counter(env, "smmu.cmds.tlbi_nh_asid");
  r.invalidations = sva_invalidations(env);
  return r;
}

TEST(PageSize, GoldenWorkloadRunsWithBiggerPagesAndFewerWalks) {
  // The golden scenario as it is (one 4 KiB request per path): both outputs inflate to their inputs
  // with every page size (the run fails otherwise).
  for (uint64_t ps : {65536u, 2097152u, 16384u}) {
    const PageSizeRun r = run(ps);
    EXPECT_TRUE(r.ok) << ps << ": " << r.error;
  }
  // The doorbell (SVA) request at 64 KiB of incompressible data: the source spans 16 pages of 4 KiB
  // and the destination 17, each a walk; 64 KiB pages and 2 MiB blocks need a few. (The syscall
  // path's DMA domain stays 4K whatever the process uses.)
  const std::vector<std::string> big = {compare("paths=[doorbell]"), compare("sizes=[65536]"),
                                        compare("data=random")};
  const PageSizeRun base = run(4096, big);
  ASSERT_TRUE(base.ok) << base.error;
  const PageSizeRun g64k = run(65536, big);
  ASSERT_TRUE(g64k.ok) << g64k.error;
  const PageSizeRun huge = run(2097152, big);
  ASSERT_TRUE(huge.ok) << huge.error;
  EXPECT_GE(base.walks, 2u * 16);
  EXPECT_LT(g64k.walks, base.walks / 4);
  EXPECT_LT(huge.walks, base.walks / 4);
}

TEST(PageSize, MmuNotifierStepsTlbiByTheGranuleAndSwitchesToAsid) {
  // Fresh destinations of 2 MiB + 1 KiB, unmapped after the request: the notifier invalidates the
  // whole mapping. With 4K pages that is 513 pages >= 512 = CMDQ_MAX_TLBI_OPS: TLBI_NH_ASID.
  const std::vector<std::string> big = {compare("paths=[doorbell]"), compare("sizes=[1048576]"),
                                        compare("buffers=pretouch")};
  const PageSizeRun g4k = run(4096, big);
  ASSERT_TRUE(g4k.ok) << g4k.error;
  const Invalidation *i4k = find_len(g4k.invalidations, (2u << 20) + 4096);
  ASSERT_NE(i4k, nullptr);
  EXPECT_TRUE(i4k->tlbi_va.empty());
  EXPECT_EQ(i4k->tlbi_asid, 1);
  // The 1 MiB source (256 pages) stays below the threshold: range commands.
  const Invalidation *src4k = find_len(g4k.invalidations, 1u << 20);
  ASSERT_NE(src4k, nullptr);
  EXPECT_EQ(src4k->tlbi_asid, 0);
  ASSERT_EQ(src4k->tlbi_va.size(), 1u);
  EXPECT_EQ(src4k->tlbi_va[0].second, 1u << 20);
  // With 64K pages it is 33 pages (far below 8192): range TLBI_NH_VA commands stepping by 64 KiB,
  // as Linux splits them: 1 page (scale 0) then 32 pages (scale 5).
  const PageSizeRun g64k = run(65536, big);
  ASSERT_TRUE(g64k.ok) << g64k.error;
  const Invalidation *i64k = find_len(g64k.invalidations, (2u << 20) + 65536);
  ASSERT_NE(i64k, nullptr);
  EXPECT_EQ(i64k->tlbi_asid, 0);
  ASSERT_EQ(i64k->tlbi_va.size(), 2u);
  EXPECT_EQ(i64k->tlbi_va[0].first, i64k->va);
  EXPECT_EQ(i64k->va % 65536, 0u);
  EXPECT_EQ(i64k->tlbi_va[0].second, 65536u);
  EXPECT_EQ(i64k->tlbi_va[1].first, i64k->va + 65536);
  EXPECT_EQ(i64k->tlbi_va[1].second, 32u * 65536);
  // With 16K pages: 129 pages (below 2048): 1 + 128 pages of 16 KiB.
  const PageSizeRun g16k = run(16384, big);
  ASSERT_TRUE(g16k.ok) << g16k.error;
  const Invalidation *i16k = find_len(g16k.invalidations, (2u << 20) + 16384);
  ASSERT_NE(i16k, nullptr);
  ASSERT_EQ(i16k->tlbi_va.size(), 2u);
  EXPECT_EQ(i16k->tlbi_va[0].second, 16384u);
  EXPECT_EQ(i16k->tlbi_va[1].second, 128u * 16384);
  // With 2 MiB huge pages (4K granule): two huge pages = 1024 4 KiB pages: TLBI_NH_ASID.
  const PageSizeRun huge = run(2097152, big);
  ASSERT_TRUE(huge.ok) << huge.error;
  const Invalidation *i2m = find_len(huge.invalidations, 4u << 20);
  ASSERT_NE(i2m, nullptr);
  EXPECT_EQ(i2m->tlbi_asid, 1);
  // A small fresh destination (9 KiB) in a 64K process: one 64 KiB page, one command.
  const PageSizeRun small = run(65536, {compare("paths=[doorbell]"), compare("buffers=pretouch")});
  ASSERT_TRUE(small.ok) << small.error;
  const Invalidation *i_small = find_len(small.invalidations, 65536);
  ASSERT_NE(i_small, nullptr);
  ASSERT_EQ(i_small->tlbi_va.size(), 1u);
  EXPECT_EQ(i_small->tlbi_va[0].second, 65536u);
}

TEST(PageSize, LinuxTlbiOpsThresholdPerGranule) {
  EXPECT_EQ(SmmuDriver::max_tlbi_ops(12), 512u);
  EXPECT_EQ(SmmuDriver::max_tlbi_ops(14), 2048u);
  EXPECT_EQ(SmmuDriver::max_tlbi_ops(16), 8192u);
}

TEST(PageSize, HugePageDemandFaultsOncePerHugePage) {
  // Untouched 2 MiB-page destinations: the device's first write stalls once for the whole (2 MiB)
  // page; the output still verifies.
  const std::vector<std::string> demand = {compare("paths=[doorbell]"), compare("data=random"),
                                           compare("sizes=[65536]"), compare("buffers=demand")};
  Scenario sc4k = load_scenario("scenarios/golden/two_requests.yaml", demand, 0);
  SimEnv env4k(sc4k.seed);
  ASSERT_TRUE(run_system(sc4k, env4k).ok);
  std::vector<std::string> huge_sets = demand;
  huge_sets.push_back("processes.0.page_size=2097152");
  Scenario sc2m = load_scenario("scenarios/golden/two_requests.yaml", huge_sets, 0);
  SimEnv env2m(sc2m.seed);
  RunOutcome o = run_system(sc2m, env2m);
  ASSERT_TRUE(o.ok) << o.error;
  const uint64_t faults4k =
      counter(env4k, "host.page_faults.io") + counter(env4k, "host.page_faults.cpu");
  const uint64_t faults2m =
      counter(env2m, "host.page_faults.io") + counter(env2m, "host.page_faults.cpu");
  EXPECT_GE(faults4k, 16u);  // 64 KiB of output over fresh 4 KiB pages
  EXPECT_EQ(faults2m, 1u);   // one 2 MiB page holds the whole buffer
}

TEST(PageSize, ScenarioRejectsPageSizesWithoutAGranule) {
  EXPECT_THROW(load_scenario_text("processes:\n  - page_size: 8192\n", "inline", {}), ConfigError);
  EXPECT_NO_THROW(load_scenario_text("processes:\n  - page_size: 2097152\n", "inline", {}));
}

}  // namespace
}  // namespace wdsim
