// Translation-side tests of the SMMU: 2-level stream and CD tables, stage 2 and nested, the
// three granules and block mappings, permissions and faults, micro-TLB, walk cache, walkers
// and coalescing, and the invalidation commands. Every expectation is a formula over the
// parameters or a hand-built table.
#include <gtest/gtest.h>

#include <string>

#include "sim/iommu/smmu.h"
#include "sim/iommu/testing/smmu_harness.h"
#include "sim/iommu/testing/table_builder.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using smmu::EventId;
using testing::SmmuHarness;
using testing::TableBuilder;

constexpr double kMemNs = 50, kLookupNs = 2, kStepNs = 1, kUtlbNs = 1, kWcNs = 3;
const sc_time kRead = ns(kMemNs + kStepNs);  // one descriptor: memory + walker step

SmmuParams params(bool utlb = false, bool walk_cache = false) {
  SmmuParams p = default_params<SmmuParams>();
  p.iotlb.lookup_latency_ns = kLookupNs;
  p.config_cache.lookup_latency_ns = 0;
  p.walk.step_latency_ns = kStepNs;
  p.utlb.enabled = utlb;
  p.utlb.lookup_latency_ns = kUtlbNs;
  p.walk_cache.enabled = walk_cache;
  p.walk_cache.lookup_latency_ns = kWcNs;
  return p;
}

constexpr uint32_t kSid = 5;
constexpr uint64_t kUserAttrs = aarch64::kApUser | aarch64::kAccessFlag;
constexpr uint64_t kS2Rw = smmu::kDescS2ApRead | smmu::kDescS2ApWrite | smmu::kDescAf;

uint64_t counter(SmmuHarness& h, const std::string& key) {
  const Counter* c = h.env.stats().find_counter(key);
  return c ? c->value() : 0;
}
void start(SmmuHarness& h) {
  sc_time t;
  h.enable(t);
  sc_core::wait(t);
}
void sync_to(sc_time& t) {
  sc_core::wait(t);
  t = SC_ZERO_TIME;
}
void wait_cmdq(SmmuHarness& h) {
  sc_time d = h.smmu->cmdq_drained_at();
  if (d > sc_core::sc_time_stamp()) sc_core::wait(d - sc_core::sc_time_stamp());
}
// A stage-1 stream (linear CD table, 16 CDs) with PASID 1 -> ASID 1 and a CD for `tb`.
smmu::CdConfig s1_setup(SmmuHarness& h, const TableBuilder& tb, uint8_t t0sz = 16) {
  h.s1_stream(kSid, 4);
  smmu::CdConfig cd;
  cd.asid = 1;
  cd.ttb0 = tb.root();
  cd.tg0 = tb.granule().tg;
  cd.t0sz = t0sz;
  h.set_cd(kSid, 1, cd);
  return cd;
}

// ---- Stream and CD tables --------------------------------------------------------------

TEST(SmmuTables, TwoLevelStreamTableReadsL1DescriptorThenSte) {
  SmmuHarness h(params(), kMemNs);
  constexpr uint64_t kL1 = 0x50'0000, kL2 = 0x51'0000;
  constexpr uint32_t kSid2 = 0x105;  // L1 index 1, L2 index 5 with SPLIT 8
  TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
  tb.map(0x7000'0000, 0x4000'0000, 3, kUserAttrs);
  h.memory->poke64(kL1 + 8 * 1, smmu::encode_l1_std(9, kL2));  // 2^(9-1) = 256 STEs
  h.memory->poke64(kL1 + 8 * 2, smmu::encode_l1_std(3, kL2));  // 4 STEs
  smmu::SteConfig ste;
  ste.s1_context_ptr = 0x52'0000;
  ste.s1_cd_max = 4;
  uint64_t w[8];
  smmu::encode_ste(ste, w);
  h.memory->poke(kL2 + 64 * 5, w, 64);
  smmu::CdConfig cd;
  cd.asid = 1;
  cd.ttb0 = tb.root();
  smmu::encode_cd(cd, w);
  h.memory->poke(0x52'0000 + 64, w, 64);
  h.run([&] {
    sc_time t;
    h.enable(t);
    h.reg_write64(smmu::kRegStrtabBase, kL1, t);
    h.reg_write32(smmu::kRegStrtabBaseCfg,
                  smmu::encode_strtab_base_cfg({.log2size = 16, .split = 8, .fmt = 1}), t);
    sync_to(t);
    h.memory->clear_log();
    IoAttrs a;
    uint32_t v = 0;
    ASSERT_EQ(h.dma(kSid2, 1, 0x7000'0000, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kLookupNs + 3 * kMemNs) + 4 * kRead);
    const auto& log = h.memory->log();
    ASSERT_GE(log.size(), 3u);
    EXPECT_EQ(log[0].addr, kL1 + 8);
    EXPECT_EQ(log[0].len, 8u);
    EXPECT_EQ(log[1].addr, kL2 + 64 * 5);
    EXPECT_EQ(log[2].addr, 0x52'0000u + 64);
    // StreamID 0x205: L1 index 2 has Span 3 (4 STEs): index 5 is C_BAD_STREAMID. 0x305: an
    // invalid (zero) L1 descriptor: the same.
    EXPECT_EQ(h.dma(0x205, 1, 0x7000'0000, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.dma(0x305, 1, 0x7000'0000, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.event(0).id, static_cast<uint8_t>(EventId::kCBadStreamId));
    EXPECT_EQ(h.event(1).id, static_cast<uint8_t>(EventId::kCBadStreamId));
    EXPECT_EQ(h.event(1).sid, 0x305u);
  });
}

TEST(SmmuTables, TwoLevelCdTablesWith4KAnd64KLeaves) {
  SmmuHarness h(params(), kMemNs);
  TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
  tb.map(0x7000'0000, 0x4000'0000, 3, kUserAttrs);
  constexpr uint64_t kCdL1 = 0x60'0000, kLeaf = 0x61'0000;
  // SID 5: S1Fmt 2 (64 KiB leaves of 1024 CDs, Linux): PASID 1030 = L1 1, CD 6.
  // SID 6: S1Fmt 1 (4 KiB leaves of 64 CDs): PASID 70 = L1 1, CD 6.
  for (uint32_t sid : {5u, 6u}) {
    smmu::SteConfig ste;
    ste.s1_fmt = sid == 5 ? smmu::kS1Fmt2Level64K : smmu::kS1Fmt2Level4K;
    ste.s1_context_ptr = kCdL1 + 0x1000 * (sid - 5);
    ste.s1_cd_max = 16;
    h.set_ste(sid, ste);
    h.memory->poke64(ste.s1_context_ptr + 8, smmu::encode_l1_cd(true, kLeaf));
  }
  smmu::CdConfig cd;
  cd.asid = 1;
  cd.ttb0 = tb.root();
  uint64_t w[8];
  smmu::encode_cd(cd, w);
  h.memory->poke(kLeaf + 64 * 6, w, 64);
  h.run([&] {
    start(h);
    sc_time t;
    IoAttrs a;
    uint32_t v = 0;
    for (uint32_t sid : {5u, 6u}) {
      h.memory->clear_log();
      ASSERT_EQ(h.dma(sid, sid == 5 ? 1030 : 70, 0x7000'0000, &v, 4, false, t, &a),
                tlm::TLM_OK_RESPONSE);
      const auto& log = h.memory->log();
      EXPECT_EQ(log[1].addr, kCdL1 + 0x1000 * (sid - 5) + 8);  // after the STE
      EXPECT_EQ(log[2].addr, kLeaf + 64 * 6);
    }
    // An invalid L1 CD descriptor: C_BAD_SUBSTREAMID.
    EXPECT_EQ(h.dma(5, 3000, 0x7000'0000, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.event(0).id, static_cast<uint8_t>(EventId::kCBadSubstreamId));
  });
}

// ---- Granules and blocks -----------------------------------------------------------------

struct GranuleCase {
  uint8_t tg;
  unsigned leaf_level;
  unsigned reads;
  uint64_t leaf_bytes;
};

class SmmuGranules : public ::testing::TestWithParam<GranuleCase> {};

TEST_P(SmmuGranules, WalkReadsOneDescriptorPerLevelDownToTheLeaf) {
  const GranuleCase c = GetParam();
  SmmuHarness h(params(), kMemNs);
  const smmu::Granule g = *smmu::granule_from_tg(c.tg);
  TableBuilder tb(*h.memory, c.tg, 48, smmu::s1_start_level(g, 48), 0x100'0000);
  constexpr uint64_t kVa = 0x40'0000'0000, kPa = 0x80'0000'0000;  // 1 GiB aligned
  tb.map(kVa, kPa, c.leaf_level, kUserAttrs);
  s1_setup(h, tb);
  h.memory->poke(kPa + c.leaf_bytes - 8, "last", 4);
  h.run([&] {
    start(h);
    sc_time t;
    IoAttrs a;
    char buf[5] = {};
    ASSERT_EQ(h.dma(kSid, 1, kVa + c.leaf_bytes - 8, buf, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_STREQ(buf, "last");
    EXPECT_EQ(a.translation_time, ns(kLookupNs + 2 * kMemNs) + c.reads * kRead);
    // The whole leaf is one TLB entry: its first page hits.
    sync_to(t);
    ASSERT_EQ(h.dma(kSid, 1, kVa, buf, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kLookupNs));
  });
  EXPECT_EQ(counter(h, "smmu.walks_by_reads." + std::to_string(c.reads)), 1u);
  EXPECT_EQ(h.smmu->iotlb().valid_entries(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    All, SmmuGranules,
    ::testing::Values(GranuleCase{smmu::kTg0_4K, 3, 4, 1ull << 12},     // 4 levels
                      GranuleCase{smmu::kTg0_4K, 2, 3, 1ull << 21},     // 2 MiB block
                      GranuleCase{smmu::kTg0_4K, 1, 2, 1ull << 30},     // 1 GiB block
                      GranuleCase{smmu::kTg0_16K, 3, 4, 1ull << 14},    // 16K: 4 levels
                      GranuleCase{smmu::kTg0_16K, 2, 3, 1ull << 25},    // 32 MiB block
                      GranuleCase{smmu::kTg0_64K, 3, 3, 1ull << 16},    // 64K: 3 levels
                      GranuleCase{smmu::kTg0_64K, 2, 2, 1ull << 29}));  // 512 MiB block

TEST(SmmuGranule, TwoMiBBlockMaps512PagesWithOneTlbEntry) {
  SmmuHarness h(params(), kMemNs);
  TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
  tb.map(0x7000'0000, 0x4000'0000, 2, kUserAttrs);
  s1_setup(h, tb);
  h.run([&] {
    start(h);
    sc_time t;
    uint32_t v = 0;
    for (uint64_t i = 0; i < 512; ++i) {
      ASSERT_EQ(h.dma(kSid, 1, 0x7000'0000 + i * 4096, &v, 4, false, t), tlm::TLM_OK_RESPONSE);
    }
  });
  EXPECT_EQ(counter(h, "smmu.walks"), 1u);
  EXPECT_EQ(counter(h, "smmu.iotlb.hits"), 511u);
  EXPECT_EQ(h.smmu->iotlb().valid_entries(), 1u);
}

// ---- Permissions and faults --------------------------------------------------------------

TEST(SmmuFaults, AccessFlagPermissionsAddressSizeAndWalkAbort) {
  SmmuHarness h(params(), kMemNs);
  TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
  constexpr uint64_t kVa = 0x7000'0000;
  tb.map(kVa, 0x4000'0000, 3, aarch64::kApUser);  // AF = 0
  tb.map(kVa + 0x1000, 0x4000'1000, 3, kUserAttrs | aarch64::kApReadOnly | aarch64::kUxn);
  tb.map(kVa + 0x2000, 0x4000'2000, 3, aarch64::kAccessFlag);             // kernel only
  tb.map(kVa + 0x3000, 0x1'0000'0000, 3, kUserAttrs);                     // beyond 32 bits
  const auto slots = tb.map(0x80'0000'0000, 0x4000'4000, 3, kUserAttrs);  // own L1..L3
  s1_setup(h, tb);
  smmu::CdConfig cd2;  // PASID 2: IPS 32 bits over the same table
  cd2.asid = 2;
  cd2.ttb0 = tb.root();
  cd2.ips = 0;
  h.set_cd(kSid, 2, cd2);
  h.memory->fail_range(slots[2] & ~0xfffull, (slots[2] & ~0xfffull) + 0x1000);  // level-2 table
  h.run([&] {
    start(h);
    sc_time t;
    IoAttrs a;
    uint32_t v = 0;
    auto dma = [&](uint32_t pasid, uint64_t va, bool write, bool exec, bool priv) {
      IoAttrs at;
      at.stream_id = kSid;
      at.pasid_valid = true;
      at.pasid = pasid;
      at.exec = exec;
      at.privileged = priv;
      auto s = tlm_access(h.driver->dma, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, va,
                          &v, 4, t, &at);
      a = at;
      return s;
    };
    EXPECT_EQ(dma(1, kVa, false, false, false), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kAccessFlag);
    EXPECT_EQ(dma(1, kVa + 0x1000, false, false, false), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(dma(1, kVa + 0x1000, false, true, false), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kPermission);
    EXPECT_EQ(dma(1, kVa + 0x1000, false, true, true), tlm::TLM_OK_RESPONSE);  // PXN clear
    EXPECT_EQ(dma(1, kVa + 0x2000, true, false, true), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(dma(1, kVa + 0x2000, false, false, false), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kPermission);
    EXPECT_EQ(dma(1, kVa + 0x3000, false, false, false), tlm::TLM_OK_RESPONSE);  // IPS 48
    EXPECT_EQ(dma(2, kVa + 0x3000, false, false, false), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kAddressSize);
    EXPECT_EQ(dma(1, 0x80'0000'0000, false, false, false), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kWalkAbort);
    const std::vector<EventId> want = {EventId::kFAccess, EventId::kFPermission,
                                       EventId::kFPermission, EventId::kFAddrSize,
                                       EventId::kFWalkEabt};
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(h.event(i).id, uint8_t(want[i])) << i;
    const smmu::EventRecord eabt = h.event(4);
    EXPECT_EQ(eabt.fetch_addr, slots[2]);
    EXPECT_EQ(eabt.clss, uint8_t(smmu::EventClass::kTt));
  });
}

TEST(SmmuFaults, ApTableReadOnlyAppliesToEveryLeafBelow) {
  SmmuHarness h(params(), kMemNs);
  TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
  tb.map(0x7000'0000, 0x4000'0000, 3, kUserAttrs, smmu::kApTableReadOnly);
  s1_setup(h, tb);
  h.run([&] {
    start(h);
    sc_time t;
    IoAttrs a;
    uint32_t v = 0;
    EXPECT_EQ(h.dma(kSid, 1, 0x7000'0000, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(h.dma(kSid, 1, 0x7000'0000, &v, 4, true, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kPermission);
  });
}

// ---- S1DSS -------------------------------------------------------------------------------

TEST(SmmuConfigs, S1dssTerminateBypassAndSsid0) {
  SmmuHarness h(params(), kMemNs);
  TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
  tb.map(0x7000'0000, 0x4000'0000, 3, kUserAttrs);
  s1_setup(h, tb);
  smmu::CdConfig cd0;
  cd0.asid = 7;
  cd0.ttb0 = tb.root();
  for (uint32_t sid : {1u, 2u, 3u}) {
    smmu::SteConfig ste;
    ste.s1_context_ptr = h.cd_table(kSid);
    ste.s1_cd_max = 4;
    ste.s1_dss = static_cast<uint8_t>(sid - 1);  // 0 terminate, 1 bypass, 2 SSID0
    h.set_ste(sid, ste);
  }
  h.set_cd(kSid, 0, cd0);
  h.memory->poke(0x7000'0000, "byp", 4);
  h.memory->poke(0x4000'0000, "cd0", 4);
  h.run([&] {
    start(h);
    sc_time t;
    IoAttrs a;
    char buf[4] = {};
    EXPECT_EQ(h.dma(1, std::nullopt, 0x7000'0000, buf, 4, false, t, &a),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.event(0).id, uint8_t(EventId::kFStreamDisabled));
    EXPECT_EQ(h.dma(2, std::nullopt, 0x7000'0000, buf, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_STREQ(buf, "byp");
    EXPECT_EQ(h.dma(3, std::nullopt, 0x7000'0000, buf, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_STREQ(buf, "cd0");
  });
}

// ---- Stage 2 and nested ------------------------------------------------------------------

constexpr uint16_t kVmid = 3;
constexpr uint64_t kIpaToPa = 0x10'0000'0000;  // stage 2 maps IPA x to PA x + this

smmu::SteConfig s2_ste(const TableBuilder& s2tb, smmu::SteCfg cfg) {
  smmu::SteConfig ste;
  ste.config = cfg;
  ste.s2_vmid = kVmid;
  ste.s2_aa64 = true;
  ste.s2_r = true;
  ste.vtcr = smmu::encode_vtcr({.t0sz = 16, .sl0 = 2, .tg = 0, .ps = 5});  // 48-bit, level 0
  ste.s2_ttb = s2tb.root();
  return ste;
}

TEST(SmmuStage2, Stage2OnlyWalkWithConcatenatedStartTableAndS2Permission) {
  SmmuHarness h(params(), kMemNs);
  // 40-bit IPA, SL0 1: start at level 1 with 2 concatenated tables: 3 reads per walk.
  TableBuilder s2(*h.memory, smmu::kTg0_4K, 40, 1, 0x200'0000);
  constexpr uint64_t kIpa = 0x80'4000'0000;  // needs bit 39: the second concatenated table
  s2.map(kIpa, 0x5000'0000, 3, kS2Rw);
  s2.map(kIpa + 0x1000, 0x5000'1000, 3, smmu::kDescS2ApRead | smmu::kDescAf);
  smmu::SteConfig ste = s2_ste(s2, smmu::SteCfg::kS2Trans);
  ste.vtcr = smmu::encode_vtcr({.t0sz = 24, .sl0 = 1, .tg = 0, .ps = 5});
  h.set_ste(kSid, ste);
  h.memory->poke(0x5000'0010, "ipa", 4);
  h.run([&] {
    start(h);
    sc_time t;
    IoAttrs a;
    char buf[4] = {};
    ASSERT_EQ(h.dma(kSid, std::nullopt, kIpa + 0x10, buf, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_STREQ(buf, "ipa");
    EXPECT_EQ(a.translation_time, ns(kLookupNs + kMemNs) + 3 * kRead);  // no CD
    EXPECT_EQ(h.dma(kSid, std::nullopt, kIpa + 0x1000, buf, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(h.dma(kSid, std::nullopt, kIpa + 0x1000, buf, 4, true, t, &a),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    const smmu::EventRecord e = h.event(0);
    EXPECT_EQ(e.id, uint8_t(EventId::kFPermission));
    EXPECT_TRUE(e.s2);
    EXPECT_EQ(e.ipa, kIpa + 0x1000);
    // A PASID on a stream without stage 1: C_BAD_SUBSTREAMID.
    EXPECT_EQ(h.dma(kSid, 1, kIpa, buf, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.event(1).id, uint8_t(EventId::kCBadSubstreamId));
  });
  EXPECT_EQ(h.smmu->iotlb().valid_entries(), 2u);
}

// A VM: the guest's CD table and stage-1 tables live at IPAs; stage 2 maps IPA x to x+kIpaToPa.
struct Nested {
  SmmuHarness h;
  TableBuilder s2;
  TableBuilder s1;
  static constexpr uint64_t kVa = 0x7000'0000, kDataIpa = 0x3000'0000;
  static constexpr uint64_t kCdIpa = 0x20'0000;
  explicit Nested(const SmmuParams& p)
      : h(p, kMemNs),
        s2(*h.memory, smmu::kTg0_4K, 48, 0, 0x1000'0000),
        s1(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000,
           [](uint64_t ipa) { return ipa + kIpaToPa; }) {
    s1.map(kVa, kDataIpa, 3, kUserAttrs);
    // Stage 2: every page the guest uses (tables in scattered 1 GiB regions: one table each).
    for (uint64_t ipa : s1.tables()) s2.map(ipa, ipa + kIpaToPa, 3, kS2Rw);
    s2.map(kCdIpa, kCdIpa + kIpaToPa, 3, kS2Rw);
    s2.map(kDataIpa, kDataIpa + kIpaToPa, 3, kS2Rw);
    smmu::SteConfig ste = s2_ste(s2, smmu::SteCfg::kNested);
    ste.s1_context_ptr = kCdIpa;
    ste.s1_cd_max = 4;
    h.set_ste(kSid, ste);
    smmu::CdConfig cd;
    cd.asid = 1;
    cd.ttb0 = s1.root();
    uint64_t w[8];
    smmu::encode_cd(cd, w);
    h.memory->poke(kCdIpa + kIpaToPa + 64, w, 64);
    h.memory->poke(kDataIpa + kIpaToPa, "vm!", 4);
  }
};

TEST(SmmuStage2, NestedColdWalkReads24DescriptorsThenHits) {
  Nested n(params());
  auto& h = n.h;
  h.run([&] {
    start(h);
    sc_time t;
    IoAttrs a;
    char buf[4] = {};
    h.memory->clear_log();
    ASSERT_EQ(h.dma(kSid, 1, Nested::kVa, buf, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_STREQ(buf, "vm!");
    // Lookup, STE, CD (its IPA through a 4-level stage 2, one TLB lookup), then the walk:
    // 4 stage-1 levels each behind a stage-2 walk, and the output IPA's stage-2 walk.
    const sc_time cd = ns(kLookupNs) + 4 * kRead + ns(kMemNs);
    const sc_time walk = ns(5 * kLookupNs) + 24 * kRead;
    EXPECT_EQ(a.translation_time, ns(kLookupNs + kMemNs) + cd + walk);
    EXPECT_EQ(h.memory->log().size(), 1u + 5u + 24u + 1u);
    sync_to(t);
    ASSERT_EQ(h.dma(kSid, 1, Nested::kVa + 4, buf, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kLookupNs));
  });
  EXPECT_EQ(counter(h, "smmu.walks_by_reads.24"), 1u);
  EXPECT_EQ(h.env.stats().find_histogram("smmu.walk_reads")->max(), 24);
}

TEST(SmmuStage2, NestedStage2FaultOnAStage1TableIsClassTt) {
  Nested n(params());
  auto& h = n.h;
  // Unmap the stage-1 level-2 table's IPA in stage 2.
  const uint64_t l2_ipa = n.s1.tables()[2];
  h.memory->clear_log();
  TableBuilder probe = n.s2;  // same tables: re-map the page invalid
  const auto slots = probe.map(l2_ipa, 0, 3, 0);
  h.memory->poke64(slots.back(), 0);
  h.run([&] {
    start(h);
    sc_time t;
    IoAttrs a;
    uint32_t v = 0;
    EXPECT_EQ(h.dma(kSid, 1, Nested::kVa, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kTranslation);
    const smmu::EventRecord e = h.event(0);
    EXPECT_EQ(e.id, uint8_t(EventId::kFTranslation));
    EXPECT_TRUE(e.s2);
    EXPECT_EQ(e.clss, uint8_t(smmu::EventClass::kTt));
    EXPECT_EQ(e.ipa, l2_ipa);
  });
}

TEST(SmmuStage2, TlbiS2IpaRemovesNestedEntriesAndS12VmallTheVmid) {
  Nested n(params());
  auto& h = n.h;
  h.run([&] {
    start(h);
    sc_time t;
    uint32_t v = 0;
    ASSERT_EQ(h.dma(kSid, 1, Nested::kVa, &v, 4, false, t), tlm::TLM_OK_RESPONSE);
    // 1 nested entry + 6 stage-2 entries (CD page, 4 table pages, data page).
    EXPECT_EQ(h.smmu->iotlb().valid_entries(), 7u);
    smmu::Command c;
    c.op = static_cast<uint8_t>(smmu::CmdOp::kTlbiS2Ipa);
    c.vmid = kVmid;
    c.addr = Nested::kDataIpa;
    c.leaf = true;
    h.submit({smmu::encode_cmd(c), smmu::encode_cmd_sync()}, t);
    wait_cmdq(h);
    EXPECT_EQ(h.smmu->iotlb().valid_entries(), 5u);  // the nested entry and the data IPA's
    c.op = static_cast<uint8_t>(smmu::CmdOp::kTlbiS12Vmall);
    t = SC_ZERO_TIME;
    h.submit({smmu::encode_cmd(c), smmu::encode_cmd_sync()}, t);
    wait_cmdq(h);
    EXPECT_EQ(h.smmu->iotlb().valid_entries(), 0u);
  });
  EXPECT_EQ(counter(h, "smmu.cmds.tlbi_s2_ipa"), 1u);
  EXPECT_EQ(counter(h, "smmu.cmds.tlbi_s12_vmall"), 1u);
}

// ---- Caches ------------------------------------------------------------------------------

TEST(SmmuCaches, WarmLevel2WalkCacheCostsOneRead) {
  SmmuHarness h(params(false, true), kMemNs);
  TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
  constexpr uint64_t kVa = 0x7000'0000;
  tb.map(kVa, 0x4000'0000, 3, kUserAttrs);
  tb.map(kVa + 0x1000, 0x4000'1000, 3, kUserAttrs);     // same 2 MiB region
  tb.map(kVa + 0x20'0000, 0x4020'0000, 3, kUserAttrs);  // next 2 MiB region, same 1 GiB
  s1_setup(h, tb);
  h.run([&] {
    start(h);
    sc_time t;
    IoAttrs a;
    uint32_t v = 0;
    ASSERT_EQ(h.dma(kSid, 1, kVa, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kLookupNs + 2 * kMemNs + kWcNs) + 4 * kRead);
    sync_to(t);
    ASSERT_EQ(h.dma(kSid, 1, kVa + 0x1000, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kLookupNs + kWcNs) + kRead);
    sync_to(t);
    ASSERT_EQ(h.dma(kSid, 1, kVa + 0x20'0000, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kLookupNs + kWcNs) + 2 * kRead);  // level 1 cached
    // TLBI_NH_VA with Leaf=0 drops the table entries too: a full walk again.
    sync_to(t);
    h.submit({smmu::encode_cmd_tlbi_nh_va(1, kVa, false), smmu::encode_cmd_sync()}, t);
    wait_cmdq(h);
    t = SC_ZERO_TIME;
    ASSERT_EQ(h.dma(kSid, 1, kVa, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kLookupNs + kWcNs) + 4 * kRead);
  });
  EXPECT_EQ(counter(h, "smmu.walk_cache.l2.hits"), 1u);
  EXPECT_EQ(counter(h, "smmu.walk_cache.l1.hits"), 1u);
  EXPECT_EQ(counter(h, "smmu.walks_by_reads.1"), 1u);
  EXPECT_EQ(counter(h, "smmu.walks_by_reads.4"), 2u);
  ASSERT_TRUE(h.env.stats().scalar("smmu.walk_cache.l2.hit_rate"));
  EXPECT_DOUBLE_EQ(*h.env.stats().scalar("smmu.walk_cache.l2.hit_rate"), 1.0 / 4.0);
}

TEST(SmmuCaches, MicroTlbHitCostsItsOwnLatencyAndCfgiDropsIt) {
  SmmuHarness h(params(true), kMemNs);
  TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
  tb.map(0x7000'0000, 0x4000'0000, 3, kUserAttrs);
  s1_setup(h, tb);
  h.run([&] {
    start(h);
    sc_time t;
    IoAttrs a;
    uint32_t v = 0;
    ASSERT_EQ(h.dma(kSid, 1, 0x7000'0000, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kUtlbNs + kLookupNs + 2 * kMemNs) + 4 * kRead);
    sync_to(t);
    ASSERT_EQ(h.dma(kSid, 1, 0x7000'0000, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kUtlbNs));
    EXPECT_EQ(h.smmu->utlb().valid_entries(), 1u);
    h.submit({smmu::encode_cmd_cfgi_cd_all(kSid), smmu::encode_cmd_sync()}, t);
    wait_cmdq(h);
    EXPECT_EQ(h.smmu->utlb().valid_entries(), 0u);
    t = SC_ZERO_TIME;
    ASSERT_EQ(h.dma(kSid, 1, 0x7000'0000, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kUtlbNs + kLookupNs + kMemNs));  // main TLB hit + CD
    // TLBI_NH_ALL (VMID 0) empties both TLBs.
    sync_to(t);
    h.submit({smmu::encode_cmd_tlbi_nh_all(), smmu::encode_cmd_sync()}, t);
    wait_cmdq(h);
    EXPECT_EQ(h.smmu->utlb().valid_entries(), 0u);
    EXPECT_EQ(h.smmu->iotlb().valid_entries(), 0u);
  });
  EXPECT_EQ(counter(h, "smmu.utlb.hits"), 1u);
}

TEST(SmmuCaches, TlbiNhVaaRemovesEveryAsidsEntry) {
  SmmuHarness h(params(), kMemNs);
  TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
  tb.map(0x7000'0000, 0x4000'0000, 3, kUserAttrs);
  s1_setup(h, tb);
  smmu::CdConfig cd2;
  cd2.asid = 2;
  cd2.ttb0 = tb.root();
  h.set_cd(kSid, 2, cd2);
  h.run([&] {
    start(h);
    sc_time t;
    uint32_t v = 0;
    h.dma(kSid, 1, 0x7000'0000, &v, 4, false, t);
    h.dma(kSid, 2, 0x7000'0000, &v, 4, false, t);
    EXPECT_EQ(h.smmu->iotlb().valid_entries(), 2u);
    smmu::Command c;
    c.op = static_cast<uint8_t>(smmu::CmdOp::kTlbiNhVaa);
    c.addr = 0x7000'0000;
    h.submit({smmu::encode_cmd(c), smmu::encode_cmd_sync()}, t);
    wait_cmdq(h);
    EXPECT_EQ(h.smmu->iotlb().valid_entries(), 0u);
  });
}

// ---- Walkers and coalescing --------------------------------------------------------------

TEST(SmmuWalkers, TwoDmasToTheSameColdPageIssueOneWalk) {
  for (bool tlb : {true, false}) {  // via the TLB entry's ready time, or the in-flight table
    SmmuParams p = params();
    p.iotlb.enabled = tlb;
    SmmuHarness h(p, kMemNs);
    TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
    tb.map(0x7000'0000, 0x4000'0000, 3, kUserAttrs);
    s1_setup(h, tb);
    h.run([&] {
      start(h);
      sc_time t1, t2;
      IoAttrs a1, a2;
      uint32_t v = 0;
      h.dma(kSid, 1, 0x7000'0000, &v, 4, false, t1, &a1);
      h.dma(kSid, 1, 0x7000'0800, &v, 4, false, t2, &a2);  // same arrival time
      EXPECT_EQ(a2.translation_time, a1.translation_time) << tlb;
    });
    EXPECT_EQ(counter(h, "smmu.walks"), 1u) << tlb;
    EXPECT_EQ(counter(h, "smmu.walks_coalesced"), 1u) << tlb;
  }
}

TEST(SmmuWalkers, MissesToDifferentPagesQueueForWalkers) {
  for (uint32_t walkers : {1u, 2u}) {
    SmmuParams p = params();
    p.walk.walkers = walkers;
    SmmuHarness h(p, kMemNs);
    TableBuilder tb(*h.memory, smmu::kTg0_4K, 48, 0, 0x100'0000);
    tb.map(0x7000'0000, 0x4000'0000, 3, kUserAttrs);
    tb.map(0x7000'1000, 0x4000'1000, 3, kUserAttrs);
    s1_setup(h, tb);
    h.run([&] {
      start(h);
      sc_time t0, t1, t2;
      IoAttrs a1, a2;
      uint32_t v = 0;
      // Outside the 48-bit range: F_TRANSLATION before any read; loads the STE and the CD.
      h.dma(kSid, 1, 0x1'0000'0000'0000, &v, 4, false, t0);
      h.dma(kSid, 1, 0x7000'0000, &v, 4, false, t1, &a1);
      h.dma(kSid, 1, 0x7000'1000, &v, 4, false, t2, &a2);
      EXPECT_EQ(a1.translation_time, ns(kLookupNs) + 4 * kRead);
      // One walker: the second waits for the first walk. (The fake memory has no contention.)
      EXPECT_EQ(a2.translation_time, ns(kLookupNs) + (walkers == 1 ? 8 : 4) * kRead) << walkers;
    });
  }
}

// ---- Formats -----------------------------------------------------------------------------

TEST(SmmuTranslationFormats, VtcrAndLevel1Descriptors) {
  smmu::Vtcr v{.t0sz = 24, .sl0 = 1, .irgn0 = 1, .orgn0 = 1, .sh0 = 3, .tg = 2, .ps = 4};
  const uint32_t raw = smmu::encode_vtcr(v);
  EXPECT_EQ(raw, 24u | (1u << 6) | (1u << 8) | (1u << 10) | (3u << 12) | (2u << 14) | (4u << 16));
  const smmu::Vtcr d = smmu::decode_vtcr(raw);
  EXPECT_EQ(d.t0sz, 24);
  EXPECT_EQ(d.sl0, 1);
  EXPECT_EQ(d.tg, 2);
  EXPECT_EQ(d.ps, 4);
  const smmu::L1StreamDesc s = smmu::decode_l1_std(smmu::encode_l1_std(9, 0x1234'5640));
  EXPECT_EQ(s.span, 9);
  EXPECT_EQ(s.l2_ptr, 0x1234'5640u);
  const smmu::L1CdDesc c = smmu::decode_l1_cd(smmu::encode_l1_cd(true, 0x8765'4000));
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.l2_ptr, 0x8765'4000u);
  EXPECT_EQ(smmu::cd_split_bits(smmu::kS1Fmt2Level4K), 6u);
  EXPECT_EQ(smmu::cd_split_bits(smmu::kS1Fmt2Level64K), 10u);
}

TEST(SmmuTranslationFormats, GranuleGeometry) {
  const smmu::Granule g4 = *smmu::granule_from_tg(smmu::kTg0_4K);
  const smmu::Granule g16 = *smmu::granule_from_tg(smmu::kTg0_16K);
  const smmu::Granule g64 = *smmu::granule_from_tg(smmu::kTg0_64K);
  EXPECT_EQ(smmu::s1_start_level(g4, 48), 0u);
  EXPECT_EQ(smmu::s1_start_level(g4, 39), 1u);
  EXPECT_EQ(smmu::s1_start_level(g16, 48), 0u);
  EXPECT_EQ(smmu::s1_start_level(g16, 47), 1u);
  EXPECT_EQ(smmu::s1_start_level(g64, 48), 1u);
  EXPECT_EQ(smmu::s1_start_level(g64, 42), 2u);
  EXPECT_EQ(smmu::level_shift(g4, 2), 21u);
  EXPECT_EQ(smmu::level_shift(g16, 2), 25u);
  EXPECT_EQ(smmu::level_shift(g64, 2), 29u);
  EXPECT_EQ(*smmu::s2_start_level(g4, 1, 40), 1u);  // 2 concatenated level-1 tables
  EXPECT_EQ(*smmu::s2_start_level(g4, 2, 48), 0u);
  EXPECT_FALSE(smmu::s2_start_level(g4, 0, 48));  // level 2 cannot resolve 27 bits
  EXPECT_FALSE(smmu::s2_start_level(g4, 3, 48));
  EXPECT_EQ(*smmu::s2_start_level(g64, 1, 42), 2u);
  EXPECT_FALSE(smmu::granule_from_tg(3));
}

}  // namespace
}  // namespace wdsim
