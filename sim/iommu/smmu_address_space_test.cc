// Per-address-space cache statistics of the SMMU: two PASIDs and the no-PASID DMA domain on one
// stream, a known access pattern, and the exact hit/miss counts each address space must get in
// the micro-TLB, the main TLB and the configuration cache (STE and CD); their sums equal the
// aggregate counters. The counting helper itself is tested in address_space_stats_test.cc.
#include <gtest/gtest.h>

#include <string>

#include "sim/iommu/smmu.h"
#include "sim/iommu/testing/smmu_harness.h"
#include "sim/iommu/testing/table_builder.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using testing::SmmuHarness;
using testing::TableBuilder;

constexpr double kMemNs = 50;
constexpr uint32_t kSid = 5;
constexpr uint64_t kUserAttrs = aarch64::kApUser | aarch64::kAccessFlag;
// Three address spaces of stream kSid, each with its own table, ASID and pages.
constexpr uint32_t kPasidA = 1, kPasidB = 2;
constexpr uint64_t kA0 = 0x7000'0000, kA1 = 0x7000'1000, kB0 = 0x7100'0000, kD0 = 0x7200'0000;

SmmuParams params() {
  SmmuParams p = default_params<SmmuParams>();
  p.utlb.enabled = true;
  p.walk_cache.enabled = false;
  return p;
}

uint64_t counter(SmmuHarness& h, const std::string& key) {
  const Counter* c = h.env.stats().find_counter(key);
  return c ? c->value() : 0;
}

// Sum of every counter `<prefix>.by_pasid.<space>.<name>`.
uint64_t sum_by_space(SmmuHarness& h, const std::string& prefix, const std::string& name) {
  uint64_t sum = 0;
  const std::string head = prefix + ".by_pasid.", tail = "." + name;
  for (const std::string& k : h.env.stats().keys()) {
    if (k.rfind(head, 0) == 0 && k.size() > tail.size() &&
        k.compare(k.size() - tail.size(), tail.size(), tail) == 0) {
      sum += counter(h, k);
    }
  }
  return sum;
}

TEST(SmmuAddressSpaces, HitsAndMissesPerPasidOfEveryCacheAddUpToTheAggregates) {
  SmmuHarness h(params(), kMemNs);
  h.s1_stream(kSid, 4);  // S1DSS = SSID0: traffic without PASID uses CD 0
  TableBuilder ta(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
  TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x180'0000);
  TableBuilder td(*h.memory, smmu::kTg0_4K, 48, 0, 0x200'0000);
  ta.map(kA0, 0x4000'0000, 3, kUserAttrs);
  ta.map(kA1, 0x4000'1000, 3, kUserAttrs);
  tb.map(kB0, 0x4100'0000, 3, kUserAttrs);
  td.map(kD0, 0x4200'0000, 3, kUserAttrs);
  auto cd = [](uint16_t asid, const TableBuilder& t) {
    smmu::CdConfig c;
    c.asid = asid;
    c.ttb0 = t.root();
    return c;
  };
  h.set_cd(kSid, kPasidA, cd(1, ta));
  h.set_cd(kSid, kPasidB, cd(2, tb));
  h.set_cd(kSid, 0, cd(3, td));
  h.run([&] {
    sc_time t;
    h.enable(t);
    sc_core::wait(t);
    t = SC_ZERO_TIME;
    uint32_t v = 0;
    auto read = [&](std::optional<uint32_t> pasid, uint64_t va) {
      ASSERT_EQ(h.dma(kSid, pasid, va, &v, 4, false, t), tlm::TLM_OK_RESPONSE);
      sc_core::wait(t);
      t = SC_ZERO_TIME;
    };
    // Cold: every cache misses; the STE is fetched once for the stream.
    read(kPasidA, kA0);  // A: utlb miss, STE miss, CD miss, TLB miss
    read(kPasidA, kA0);  // A: utlb hit
    read(kPasidA, kA1);  // A: utlb miss, STE hit, CD hit, TLB miss
    read(kPasidB, kB0);  // B: utlb miss, STE hit, CD miss, TLB miss
    read(kPasidB, kB0);  // B: utlb hit
    read(kPasidB, kB0);  // B: utlb hit
    // CFGI_CD of B: drops CD (5, 2) and every micro-TLB entry of the stream.
    h.submit({smmu::encode_cmd_cfgi_cd(kSid, kPasidB), smmu::encode_cmd_sync()}, t);
    sc_time d = h.smmu->cmdq_drained_at();
    if (d > sc_core::sc_time_stamp()) sc_core::wait(d - sc_core::sc_time_stamp());
    t = SC_ZERO_TIME;
    read(kPasidA, kA0);       // A: utlb miss, STE hit, CD hit, TLB hit
    read(kPasidB, kB0);       // B: utlb miss, STE hit, CD miss, TLB hit
    read(std::nullopt, kD0);  // none: utlb miss, STE hit, CD 0 miss, TLB miss
  });
  struct Expect {
    const char* space;
    uint64_t utlb_hits, utlb_misses, ste_hits, ste_misses, cd_hits, cd_misses, tlb_hits, tlb_misses;
  };
  const Expect expect[] = {
      {"s5.p1", 1, 3, 2, 1, 2, 1, 1, 2},
      {"s5.p2", 2, 2, 2, 0, 0, 2, 1, 1},
      {"s5.nopasid", 0, 1, 1, 0, 0, 1, 0, 1},
  };
  for (const Expect& e : expect) {
    SCOPED_TRACE(e.space);
    const std::string s = e.space;
    EXPECT_EQ(counter(h, "smmu.utlb.by_pasid." + s + ".hits"), e.utlb_hits);
    EXPECT_EQ(counter(h, "smmu.utlb.by_pasid." + s + ".misses"), e.utlb_misses);
    EXPECT_EQ(counter(h, "smmu.config_cache.by_pasid." + s + ".ste_hits"), e.ste_hits);
    EXPECT_EQ(counter(h, "smmu.config_cache.by_pasid." + s + ".ste_misses"), e.ste_misses);
    EXPECT_EQ(counter(h, "smmu.config_cache.by_pasid." + s + ".cd_hits"), e.cd_hits);
    EXPECT_EQ(counter(h, "smmu.config_cache.by_pasid." + s + ".cd_misses"), e.cd_misses);
    EXPECT_EQ(counter(h, "smmu.iotlb.by_pasid." + s + ".hits"), e.tlb_hits);
    EXPECT_EQ(counter(h, "smmu.iotlb.by_pasid." + s + ".misses"), e.tlb_misses);
  }
  EXPECT_EQ(counter(h, "smmu.address_spaces"), 3u);
  EXPECT_EQ(h.smmu->address_spaces().size(), 3u);
  EXPECT_EQ(h.smmu->address_spaces().key_path(0), "s5.p1");
  // The aggregates are the sums over address spaces (nothing else translated here).
  for (const char* cache : {"smmu.utlb", "smmu.iotlb"}) {
    SCOPED_TRACE(cache);
    EXPECT_EQ(sum_by_space(h, cache, "hits"), counter(h, std::string(cache) + ".hits"));
    EXPECT_EQ(sum_by_space(h, cache, "misses"), counter(h, std::string(cache) + ".misses"));
  }
  for (const char* name : {"ste_hits", "ste_misses", "cd_hits", "cd_misses"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(sum_by_space(h, "smmu.config_cache", name),
              counter(h, std::string("smmu.config_cache.") + name));
  }
  EXPECT_EQ(counter(h, "smmu.utlb.hits"), 3u);
  EXPECT_EQ(counter(h, "smmu.iotlb.misses"), 4u);
}

TEST(SmmuAddressSpaces, NestedStage2LookupsCountForTheRequestsSpace) {
  // A VM's stream: the CD table, the stage-1 tables and the output are IPAs, each translated by
  // stage 2 through the main TLB. Those lookups belong to the request's address space too. Cold:
  // 1 nested lookup + 1 for the CD's IPA + 5 inside the walk (4 table IPAs, the output IPA), all
  // misses; then the nested entry hits (micro-TLB off, so the main TLB is asked).
  SmmuParams p = params();
  p.utlb.enabled = false;
  SmmuHarness h(p, kMemNs);
  constexpr uint64_t kIpaToPa = 0x10'0000'0000, kDataIpa = 0x3000'0000, kCdIpa = 0x20'0000;
  constexpr uint64_t kS2Rw = smmu::kDescS2ApRead | smmu::kDescS2ApWrite | smmu::kDescAf;
  TableBuilder s2(*h.memory, smmu::kTg0_4K, 48, 0, 0x1000'0000);
  TableBuilder s1(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000,
                  [](uint64_t ipa) { return ipa + kIpaToPa; });
  s1.map(kA0, kDataIpa, 3, kUserAttrs);
  for (uint64_t ipa : s1.tables()) s2.map(ipa, ipa + kIpaToPa, 3, kS2Rw);
  s2.map(kCdIpa, kCdIpa + kIpaToPa, 3, kS2Rw);
  s2.map(kDataIpa, kDataIpa + kIpaToPa, 3, kS2Rw);
  smmu::SteConfig ste;
  ste.config = smmu::SteCfg::kNested;
  ste.s2_vmid = 3;
  ste.s2_aa64 = true;
  ste.s2_r = true;
  ste.vtcr = smmu::encode_vtcr({.t0sz = 16, .sl0 = 2, .tg = 0, .ps = 5});
  ste.s2_ttb = s2.root();
  ste.s1_context_ptr = kCdIpa;
  ste.s1_cd_max = 4;
  h.set_ste(kSid, ste);
  smmu::CdConfig cd;
  cd.asid = 1;
  cd.ttb0 = s1.root();
  uint64_t w[8];
  smmu::encode_cd(cd, w);
  h.memory->poke(kCdIpa + kIpaToPa + 64 * kPasidA, w, 64);
  h.run([&] {
    sc_time t;
    h.enable(t);
    sc_core::wait(t);
    t = SC_ZERO_TIME;
    uint32_t v = 0;
    ASSERT_EQ(h.dma(kSid, kPasidA, kA0, &v, 4, false, t), tlm::TLM_OK_RESPONSE);
    sc_core::wait(t);
    t = SC_ZERO_TIME;
    ASSERT_EQ(h.dma(kSid, kPasidA, kA0 + 4, &v, 4, false, t), tlm::TLM_OK_RESPONSE);
  });
  EXPECT_EQ(counter(h, "smmu.iotlb.by_pasid.s5.p1.misses"), 7u);
  EXPECT_EQ(counter(h, "smmu.iotlb.by_pasid.s5.p1.hits"), 1u);
  EXPECT_EQ(counter(h, "smmu.iotlb.misses"), 7u);
  EXPECT_EQ(counter(h, "smmu.iotlb.hits"), 1u);
}

}  // namespace
}  // namespace wdsim
