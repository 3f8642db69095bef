// Fuzzes the SEC engine's BD decoder and its data path: one 128-byte BD (FORMATS.md, SEC BD)
// and memory contents (keys, IVs, data, MAC), run through SecEngine.
//
// Input: flags (1 byte), the BD (128 bytes), then the first bytes of memory from kBase (key at
// kKey, IV at kIv, HMAC key at kAKey, MAC at kMac, data from kSrc). Flags bit 0 = point every
// address field at those places (otherwise the BD's own addresses are used, mostly unmapped);
// bit 1 = data_mode timing.
//
// Invariants: the engine marks the BD done with an error_type this model defines
// (sec_bd.h); it writes only from the BD's destination (the source when in place) or at its
// MAC address.
#include <cstdio>
#include <cstring>
#include <vector>

#include "formats/sec/sec_bd.h"
#include "fuzz/engine_run.h"
#include "fuzz/fuzz_target.h"
#include "sim/accel/sec/sec_engine.h"
#include "sim/accel/testing/fake_dma_port.h"

namespace wdsim::fuzz {
namespace {

constexpr uint64_t kBase = 0x10000000;
constexpr size_t kMemBytes = 64u << 10;
constexpr uint64_t kKey = kBase;
constexpr uint64_t kIv = kBase + 0x100;
constexpr uint64_t kAKey = kBase + 0x200;
constexpr uint64_t kMac = kBase + 0x400;
constexpr uint64_t kSrc = kBase + 0x1000;
constexpr uint64_t kDst = kBase + kMemBytes / 2;

constexpr uint8_t kFlagFixAddresses = 1 << 0;
constexpr uint8_t kFlagTimingMode = 1 << 1;

bool defined_error(uint8_t e) {
  switch (e) {
    case kSecErrNone:
    case kSecErrBdType:
    case kSecErrAddrType:
    case kSecErrCipherAlg:
    case kSecErrKeyLen:
    case kSecErrDataLen:
    case kSecErrAuthAlg:
    case kSecErrMacLen:
    case kSecErrDmaRead:
    case kSecErrDmaWrite:
      return true;
  }
  return false;
}

void run_one(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t flags = in.u8();
  SecBd bd{};
  in.fill(&bd, sizeof bd);
  const std::vector<uint8_t> mem = in.bytes(kDst - kBase);
  if (flags & kFlagFixAddresses) {
    bd.c_key_addr = kKey;
    bd.c_ivin_addr = kIv;
    bd.a_key_addr = kAKey;
    bd.a_ivin_addr = kIv;
    bd.mac_addr = kMac;
    bd.data_src_addr = kSrc;
    bd.data_dst_addr = kDst;
  }

  SecEngineParams params = default_params<SecEngineParams>();
  if (flags & kFlagTimingMode) params.data_mode = "timing";
  SimEnv env;
  SecEngine sec("sec", params, env);
  testing::FakeDmaPort dma(kBase, kMemBytes);
  dma.put(kBase, mem);

  const SecBd out = run_descriptor(
      bd, &dma, [&](EngineRequest& req, sc_core::sc_time& t) { sec.process(req, t); });

  if (verbose()) {
    std::fprintf(stderr, "type %u cipher %u auth %u c_alg %u c_mode %u a_alg %u: %s\n",
                 bd.bd_type(), bd.cipher(), bd.auth(), bd.c_alg, bd.c_mode(), bd.a_alg(),
                 sec_error_name(out.error_type));
    for (const auto& a : dma.log) {
      std::fprintf(stderr, "  %s %#llx +%zu\n", a.write ? "write" : "read",
                   static_cast<unsigned long long>(a.addr), a.len);
    }
    std::fprintf(stderr, "  src %#llx dst %#llx mac %#llx\n",
                 static_cast<unsigned long long>(bd.data_src_addr),
                 static_cast<unsigned long long>(bd.data_dst_addr),
                 static_cast<unsigned long long>(bd.mac_addr));
  }
  WDSIM_FUZZ_CHECK(out.done());
  WDSIM_FUZZ_CHECK(defined_error(out.error_type));
  // The data goes to the destination, or back to the source in place (de = 0).
  const uint64_t data_out = bd.de() == 0 ? bd.data_src_addr : bd.data_dst_addr;
  for (const auto& a : dma.log) {
    if (a.write) WDSIM_FUZZ_CHECK(a.addr >= data_out || a.addr == bd.mac_addr);
  }
}

std::vector<uint8_t> seed(const SecBd& bd, size_t data_bytes) {
  std::vector<uint8_t> v(1 + sizeof bd + (kSrc - kBase) + data_bytes);
  v[0] = kFlagFixAddresses;
  std::memcpy(&v[1], &bd, sizeof bd);
  uint8_t* mem = &v[1 + sizeof bd];
  for (size_t i = 0; i < v.size() - 1 - sizeof bd; ++i) mem[i] = static_cast<uint8_t>(i * 31 + 7);
  return v;
}

}  // namespace

std::vector<std::vector<uint8_t>> seeds() {
  constexpr uint8_t kKey128 = static_cast<uint8_t>(sec_c_key_code(kSecCAlgAes, 16));
  constexpr uint8_t kKey256 = static_cast<uint8_t>(sec_c_key_code(kSecCAlgAes, 32));
  constexpr uint8_t kKeySm4 = static_cast<uint8_t>(sec_c_key_code(kSecCAlgSm4, 16));
  std::vector<std::vector<uint8_t>> s;
  s.push_back(seed(
      sec_bd_cipher(kSecCAlgAes, kSecCModeCbc, true, kKey128, kKey, kIv, kSrc, kDst, 256, 1), 256));
  s.push_back(
      seed(sec_bd_cipher(kSecCAlgAes, kSecCModeCtr, false, kKey256, kKey, kIv, kSrc, kDst, 100, 2),
           100));
  s.push_back(seed(
      sec_bd_cipher(kSecCAlgAes, kSecCModeXts, true, kKey128, kKey, kIv, kSrc, kDst, 64, 3), 64));
  s.push_back(
      seed(sec_bd_cipher(kSecCAlgSm4, kSecCModeCbc, false, kKeySm4, kKey, kIv, kSrc, kDst, 128, 4),
           128));
  s.push_back(seed(sec_bd_digest(kSecAAlgSha256, 32, kAKey, 0, kSrc, 200, kMac, 5), 200));
  s.push_back(seed(sec_bd_digest(kSecAAlgHmacSha256, 32, kAKey, 32, kSrc, 300, kMac, 6), 300));
  s.push_back(seed(sec_bd_digest(kSecAAlgSm3, 32, kAKey, 0, kSrc, 64, kMac, 7), 64));
  s.push_back(seed(sec_bd_gcm(true, kKey128, kKey, kIv, kSrc, kDst, 16, 64, kMac, 16, 8), 80));
  s.push_back(seed(sec_bd_gcm(false, kKey256, kKey, kIv, kSrc, kDst, 0, 33, kMac, 12, 9), 33));
  return s;
}

}  // namespace wdsim::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wdsim::fuzz::run_one(data, size);
  return 0;
}
