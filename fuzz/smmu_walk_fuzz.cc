// Fuzzes the SMMU's table walks: random stream table (linear or 2-level), CD tables and page
// tables in memory, then translation requests (DMA with random StreamID, PASID, address,
// length and direction). STEs and CDs come either raw from the input or from the real
// encoders (encode_ste / encode_cd) with random fields; page-table descriptors are raw, or
// point at one of the harness's table pages, so walks go deep.
//
// Input: flags (bit 0 = 2-level stream table), kStreams STEs, kCds CDs per stream, then
// descriptor writes and requests until the input ends (see run_one).
//
// Invariants: every request ends (OK or an error response), the simulation stops within
// kSimLimit, nothing throws.
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "fuzz/fuzz_target.h"
#include "sim/base/aarch64_pte.h"
#include "sim/iommu/smmu.h"
#include "sim/iommu/smmu_formats.h"
#include "sim/iommu/testing/smmu_harness.h"

namespace wdsim::fuzz {
namespace {

using testing::SmmuHarness;

constexpr uint32_t kStreams = 4;
constexpr uint32_t kCds = 4;
constexpr uint32_t kTablePages = 32;  // page-table pages at SmmuHarness::kPageTables
constexpr uint64_t kPage = 4096;
constexpr size_t kMaxDescriptorWrites = 128;
constexpr size_t kMaxRequests = 16;
constexpr uint32_t kMaxRequestBytes = 4096;
constexpr uint64_t kL1Strtab = 0x50'0000;  // 2-level stream table: level 1 here, level 2 at
                                           // SmmuHarness::kStrtab (SPLIT 8)
constexpr double kMemLatencyNs = 50;
const sc_core::sc_time kSimLimit(10, sc_core::SC_MS);

constexpr uint8_t kFlagTwoLevel = 1 << 0;

uint64_t table_page(uint32_t i) { return SmmuHarness::kPageTables + kPage * (i % kTablePages); }

smmu::SteConfig random_ste(FuzzInput& in, SmmuHarness& h, uint32_t sid) {
  static constexpr smmu::SteCfg kConfigs[] = {smmu::SteCfg::kAbort, smmu::SteCfg::kBypass,
                                              smmu::SteCfg::kS1Trans, smmu::SteCfg::kS2Trans,
                                              smmu::SteCfg::kNested};
  smmu::SteConfig s;
  const uint8_t c = in.u8();
  s.valid = (c & 0x80) == 0;
  s.config = (c & 0x40) ? static_cast<smmu::SteCfg>(c & 0x7) : kConfigs[c % 5];
  s.s1_fmt = in.u8() % 4;
  s.s1_context_ptr = in.flag() ? h.cd_table(sid) : (in.u64() & ~uint64_t{0x3f});
  s.s1_cd_max = in.u8() % 32;
  s.s1_dss = in.u8() % 4;
  s.s1_stalld = in.flag();
  s.eats = in.u8() % 4;
  s.strw = in.u8() % 4;
  s.s2_vmid = in.u16();
  s.vtcr = in.u32() & 0x7ffff;
  s.s2_aa64 = in.flag();
  s.s2_endi = in.flag();
  s.s2_ptw = in.flag();
  s.s2_s = in.flag();
  s.s2_r = in.flag();
  s.s2_ttb = in.flag() ? table_page(in.u8()) : (in.u64() & ~uint64_t{0xf});
  return s;
}

smmu::CdConfig random_cd(FuzzInput& in) {
  smmu::CdConfig c;
  c.t0sz = in.u8() % 64;
  c.tg0 = in.u8() % 4;
  c.epd0 = (in.u8() % 8) == 0;
  c.endi = (in.u8() % 8) == 0;
  c.valid = (in.u8() % 8) != 0;
  c.ips = in.u8() % 8;
  c.tbi0 = in.flag();
  c.aa64 = (in.u8() % 8) != 0;
  c.hd = in.flag();
  c.ha = in.flag();
  c.stall = in.flag();
  c.record = in.flag();
  c.abort = in.flag();
  c.asid = in.u16();
  c.ttb0 = in.flag() ? table_page(in.u8()) : (in.u64() & ~uint64_t{0xf});
  c.mair = in.u64();
  return c;
}

// One 8-byte page-table descriptor: raw, or valid table/page bits over one of the table pages
// with random attribute bits.
uint64_t random_descriptor(FuzzInput& in) {
  const uint8_t kind = in.u8();
  if (kind & 1) return in.u64();
  const uint64_t attrs = in.u64() & 0xfff0'0000'0000'0ffcull;
  return table_page(kind >> 1) | attrs | (in.u8() & 0x3);
}

void setup_tables(FuzzInput& in, SmmuHarness& h, bool two_level) {
  for (uint32_t sid = 0; sid < kStreams; ++sid) {
    if (in.flag()) {
      uint64_t w[8];
      in.fill(w, sizeof w);
      h.memory->poke(SmmuHarness::kStrtab + 64ull * sid, w, sizeof w);
    } else {
      h.set_ste(sid, random_ste(in, h, sid));
    }
    for (uint32_t ssid = 0; ssid < kCds; ++ssid) {
      if (in.flag()) {
        uint64_t w[8];
        in.fill(w, sizeof w);
        h.memory->poke(h.cd_table(sid) + 64ull * ssid, w, sizeof w);
      } else {
        h.set_cd(sid, ssid, random_cd(in));
      }
    }
  }
  if (two_level) {
    // Level-1 descriptor 0 covers StreamIDs 0..255 with a random span.
    h.memory->poke64(kL1Strtab, smmu::encode_l1_std(in.u8() % 32, SmmuHarness::kStrtab));
  }
}

void run_one(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const bool two_level = (in.u8() & kFlagTwoLevel) != 0;
  SmmuHarness h(default_params<SmmuParams>(), kMemLatencyNs);
  setup_tables(in, h, two_level);
  const size_t writes = in.below(kMaxDescriptorWrites);
  for (size_t i = 0; i < writes; ++i) {
    const uint64_t slot = table_page(in.u8()) + 8 * in.below(kPage / 8);
    h.memory->poke64(slot, random_descriptor(in));
  }
  size_t done = 0;
  size_t issued = 0;
  size_t translated = 0;
  h.driver->body = [&] {
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    h.enable(t);
    if (two_level) {
      h.reg_write64(smmu::kRegStrtabBase, kL1Strtab, t);
      h.reg_write32(smmu::kRegStrtabBaseCfg,
                    smmu::encode_strtab_base_cfg(
                        {.log2size = 16, .split = smmu::kStrtabSplitLinux, .fmt = 1}),
                    t);
    }
    sc_core::wait(t);
    std::vector<uint8_t> buf(kMaxRequestBytes);
    for (size_t i = 0; i < kMaxRequests && !in.done(); ++i) {
      t = sc_core::SC_ZERO_TIME;
      const uint32_t sid = in.flag() ? in.below(kStreams) : in.u32();
      const uint8_t p = in.u8();
      const std::optional<uint32_t> pasid =
          (p & 1) ? std::optional<uint32_t>(p & 2 ? (p >> 2) % kCds : in.u32()) : std::nullopt;
      const uint64_t va = in.flag() ? uint64_t{in.u32()} << 12 | in.below(kPage) : in.u64();
      const size_t len = 1 + in.below(kMaxRequestBytes);
      const bool write = in.flag();
      ++issued;
      if (h.dma(sid, pasid, va, buf.data(), len, write, t) == tlm::TLM_OK_RESPONSE) ++translated;
      ++done;
      sc_core::wait(t);
    }
  };
  sc_core::sc_start(kSimLimit);
  if (verbose()) {
    const Counter* faults = h.env.stats().find_counter("smmu.events");
    std::fprintf(stderr, "requests %zu/%zu translated %zu events %llu\n", done, issued, translated,
                 static_cast<unsigned long long>(faults ? faults->value() : 0));
  }
}

}  // namespace

std::vector<std::vector<uint8_t>> seeds() {
  // Structured stage-1 (or nested) streams with 4 CDs each, a 4-level 4 KiB table (pages
  // 0 -> 1 -> 2 -> 3 -> data page 10) mapping VA 0, and requests on stream 0, PASIDs 0..3.
  constexpr uint64_t kLeafAttrs = aarch64::kApUser | aarch64::kAccessFlag | aarch64::kShInner;
  std::vector<std::vector<uint8_t>> out;
  for (uint8_t variant = 0; variant < 4; ++variant) {
    SeedWriter w;
    w.u8(variant & 1);  // flags: 2-level stream table
    for (uint32_t sid = 0; sid < kStreams; ++sid) {
      w.flag(false);  // structured STE
      w.u8(variant < 2 ? 2 : 4).u8(smmu::kS1FmtLinear).flag(true).u8(2).u8(smmu::kS1DssSsid0);
      w.flag(false).u8(smmu::kEatsAbort).u8(0).u16(0).u32(0);
      w.flag(false).flag(false).flag(false).flag(false).flag(false).flag(true).u8(20);
      for (uint32_t ssid = 0; ssid < kCds; ++ssid) {
        w.flag(false);  // structured CD
        w.u8(16).u8(smmu::kTg0_4K).u8(1).u8(1).u8(1).u8(smmu::kIps48).flag(false).u8(1);
        w.flag(false).flag(false).flag(false).flag(true).flag(true).u16(ssid + 1);
        w.flag(true).u8(0).u64(0x44);
      }
    }
    if (variant & 1) w.u8(9);  // level-1 span: 256 STEs
    w.u32(4);                  // descriptor writes
    for (uint8_t level = 0; level < 4; ++level) {
      w.u8(level).u32(0);  // slot 0 of page `level`
      w.u8(static_cast<uint8_t>((level < 3 ? level + 1 : 10) << 1));
      w.u64(level < 3 ? 0 : kLeafAttrs).u8(3);
    }
    for (uint8_t r = 0; r < 4; ++r) {
      w.flag(true).u32(0);                         // stream 0
      w.u8(static_cast<uint8_t>(1 | 2 | r << 2));  // PASID r
      w.flag(true).u32(0).u32(r * 64);             // VA page 0, offset
      w.u32(63).flag(r & 1);                       // 64 bytes, read or write
    }
    out.push_back(w.bytes());
  }
  return out;
}

}  // namespace wdsim::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wdsim::fuzz::run_one(data, size);
  return 0;
}
