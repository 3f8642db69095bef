// Test fixture for the SEC engine tests: flat fake memory behind a DmaPort, one-call BD runners
// for cipher / digest / GCM, and the stats lookup. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "sim/accel/sec/sec_engine.h"
#include "sim/accel/sec/sec_test_vectors.h"
#include "sim/accel/testing/fake_dma_port.h"

namespace wdsim::testing {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

constexpr uint64_t kBase = 0x10000000;
constexpr uint64_t kKey = kBase;
constexpr uint64_t kIv = kBase + 0x100;
constexpr uint64_t kAKey = kBase + 0x200;
constexpr uint64_t kMac = kBase + 0x400;
constexpr uint64_t kSrc = kBase + 0x1000;
constexpr uint64_t kDst = kBase + 0x800000;
constexpr size_t kMemBytes = 16 * 1024 * 1024;
constexpr uint64_t kUnmapped = 0xdead0000000;

struct BdRun {
  SecBd bd;
  EngineTiming timing;
  sc_time t;
};

inline BdRun run(QmEngine& engine, DmaPort& dma, const SecBd& bd, sc_time t = SC_ZERO_TIME) {
  uint8_t bytes[sizeof(SecBd)];
  std::memcpy(bytes, &bd, sizeof(bytes));
  EngineRequest req;
  req.sqe = bytes;
  req.sqe_size = sizeof(bytes);
  req.qp = 1;
  req.sqe_index = 2;
  req.dma = &dma;
  BdRun r;
  r.timing = engine.process(req, t);
  r.t = t;
  std::memcpy(&r.bd, bytes, sizeof(bytes));
  return r;
}

class SecEngineFixture : public ::testing::Test {
 protected:
  SecEngineFixture() : params_(default_params<SecEngineParams>()) {}

  SecEngine& engine() {
    if (!engine_) engine_ = std::make_unique<SecEngine>("sec", params_, env_);
    return *engine_;
  }
  uint64_t counter(const std::string& key) {
    const Counter* c = env_.stats().find_counter(key);
    return c ? c->value() : 0;
  }

  // Cipher through a BD: key at kKey, IV at kIv, data at kSrc, result at kDst.
  BdRun cipher(uint8_t alg, uint8_t mode, bool enc, const Bytes& key, const Bytes& iv,
               const Bytes& in) {
    uint32_t one_key = static_cast<uint32_t>(mode == kSecCModeXts ? key.size() / 2 : key.size());
    dma_.put(kKey, key);
    dma_.put(kIv, iv);
    dma_.put(kSrc, in);
    SecBd bd = sec_bd_cipher(alg, mode, enc, static_cast<uint8_t>(sec_c_key_code(alg, one_key)),
                             kKey, kIv, kSrc, kDst, static_cast<uint32_t>(in.size()), 9);
    return run(engine(), dma_, bd);
  }
  BdRun auth_run(uint8_t a_alg, const Bytes& key, const Bytes& msg, uint32_t mac_bytes) {
    dma_.put(kAKey, key);
    dma_.put(kSrc, msg);
    SecBd bd = sec_bd_digest(a_alg, mac_bytes, kAKey, static_cast<uint32_t>(key.size()), kSrc,
                             static_cast<uint32_t>(msg.size()), kMac, 3);
    return run(engine(), dma_, bd);
  }
  // GCM: src = aad || text, dst = aad || result, tag at kMac.
  BdRun gcm(bool enc, const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& text,
            const Bytes& tag) {
    dma_.put(kKey, key);
    dma_.put(kIv, iv);
    Bytes src = aad;
    src.insert(src.end(), text.begin(), text.end());
    dma_.put(kSrc, src);
    dma_.put(kMac, tag);
    SecBd bd =
        sec_bd_gcm(enc, static_cast<uint8_t>(sec_c_key_code(kSecCAlgAes, key.size())), kKey, kIv,
                   kSrc, kDst, static_cast<uint32_t>(aad.size()),
                   static_cast<uint32_t>(text.size()), kMac, static_cast<uint8_t>(tag.size()), 5);
    return run(engine(), dma_, bd);
  }
  // Word-aligned HMAC key the way a driver prepares it: a key longer than the block is hashed
  // first (kernel sec_aead_auth_set_key), a shorter one is zero-padded to whole words (HMAC
  // zero-pads to the block anyway, so the MAC does not change).
  static Bytes driver_hmac_key(const std::string& digest, size_t block, Bytes key) {
    if (key.size() > block) key = ref_digest(digest, key);
    key.resize((key.size() + 3) / 4 * 4, 0);
    return key;
  }

  SecEngineParams params_;
  SimEnv env_;
  FakeDmaPort dma_{kBase, kMemBytes};
  std::unique_ptr<SecEngine> engine_;
};

}  // namespace wdsim::testing
