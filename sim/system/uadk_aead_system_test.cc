// wd_aead (AES-GCM) end to end in the full system: a test-only program kind runs UADK's AEAD
// API on a simulated thread against the simulated SEC function (QM queue, doorbell, the SEC
// BD's GCM fields, DMA through the SMMU, the engine's GCM), and the test compares the
// ciphertext and tag with OpenSSL's EVP AES-GCM; the device's output decrypts back, a forged
// tag is refused (state WD_IN_EPARA), and async requests through wd_aead_env_init complete
// through wd_aead_poll with the same results.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/include/uadk/wd_aead.h"
#include "runtime/include/uadk/wd_sched.h"
#include "sim/base/config_tree.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/system/crypto_reference.h"
#include "sim/system/program.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

using Bytes = std::vector<uint8_t>;

// One GCM case the program ran: its inputs and what the device gave back.
struct GcmCase {
  Bytes key, iv, aad, pt;
  uint16_t tag_bytes = 16;
  bool async = false;
  int ret = -1;
  uint16_t state = 0xffff;
  Bytes ct, tag;     // encryption: the device's ciphertext and tag
  int dec_ret = -1;  // decryption of ct with tag
  uint16_t dec_state = 0xffff;
  Bytes dec_pt;
  uint16_t forged_state = 0;  // decryption with one tag bit flipped
};

std::vector<GcmCase>& findings() {
  static std::vector<GcmCase> f;
  return f;
}

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed * 31 + i * 7);
  return b;
}

struct AeadCheckParams : ProgramParams {
  void declare(ParamScope& /*s*/) override {}
};

struct Done {
  int calls = 0;
};
void* aead_cb(struct wd_aead_req* /*req*/, void* param) {
  ++static_cast<Done*>(param)->calls;
  return nullptr;
}

class AeadCheck : public Program {
 public:
  AeadCheck(const AeadCheckParams& /*p*/, const ProgramSetup& /*setup*/) {}

  void run(ProgramThread& t) override {
    t.bind_runtime();
    std::vector<GcmCase>& out = findings();
    out.clear();
    // Sync through init2: AES-128/256, tags 16 and 12, text not whole blocks and 4 KiB.
    if (wd_aead_init2(const_cast<char*>("gcm(aes)"), SCHED_POLICY_RR, TASK_HW) != 0) return;
    for (size_t key_len : {16u, 32u}) {
      for (size_t text : {61u, 4096u}) {
        GcmCase c;
        c.key = pattern(key_len, 1);
        c.iv = pattern(GCM_IV_SIZE, 2);
        c.aad = pattern(20, 3);
        c.pt = pattern(text, 4);
        c.tag_bytes = key_len == 16 ? 16 : 12;
        one(t, c);
        out.push_back(c);
      }
    }
    wd_aead_uninit2();
    // Async through the env init (WD_AEAD_CTX_NUM unset: sync:2@0,async:2@0).
    if (wd_aead_env_init(nullptr) != 0) return;
    GcmCase c;
    c.key = pattern(24, 5);
    c.iv = pattern(GCM_IV_SIZE, 6);
    c.aad = pattern(16, 7);
    c.pt = pattern(1000, 8);
    c.async = true;
    one(t, c);
    out.push_back(c);
    wd_aead_env_uninit();
  }
  uint64_t requests_ok() const override { return ok_; }
  uint64_t requests_failed() const override { return 0; }

 private:
  void* buf(ProgramThread& t, const Bytes& b, size_t room) {
    const uint64_t va = t.map_buffer(room ? room : 1, true);
    if (!b.empty()) t.os.process().write(va, b.data(), b.size());
    return reinterpret_cast<void*>(va);
  }
  Bytes get(ProgramThread& t, const void* p, size_t len) {
    Bytes b(len);
    t.os.process().read(reinterpret_cast<uint64_t>(p), b.data(), len);
    return b;
  }
  wd_aead_req req(bool enc, void* src, void* dst, void* mac, void* iv, const GcmCase& c) {
    wd_aead_req r{};
    r.op_type = enc ? WD_CIPHER_ENCRYPTION_DIGEST : WD_CIPHER_DECRYPTION_DIGEST;
    r.src = src;
    r.dst = dst;
    r.mac = mac;
    r.iv = iv;
    r.iv_bytes = GCM_IV_SIZE;
    r.assoc_bytes = static_cast<__u16>(c.aad.size());
    r.in_bytes = static_cast<__u32>(c.pt.size());
    r.out_bytes = static_cast<__u32>(c.aad.size() + c.pt.size());
    r.mac_bytes = c.tag_bytes;
    r.data_fmt = WD_FLAT_BUF;
    r.msg_state = AEAD_MSG_BLOCK;
    return r;
  }
  int submit(ProgramThread& t, handle_t h, wd_aead_req* r, bool async) {
    if (!async) return wd_do_aead_sync(h, r);
    Done done;
    r->cb = aead_cb;
    r->cb_param = &done;
    int ret = wd_do_aead_async(h, r);
    if (ret != 0) return ret;
    for (int tries = 0; done.calls == 0 && tries < 1000; ++tries) {
      __u32 count = 0;
      wd_aead_poll(1, &count);
      t.bind_runtime();
    }
    return done.calls == 1 ? 0 : -WD_ETIMEDOUT;
  }
  void one(ProgramThread& t, GcmCase& c) {
    wd_aead_sess_setup setup{};
    setup.calg = WD_CIPHER_AES;
    setup.cmode = WD_CIPHER_GCM;
    const handle_t h = wd_aead_alloc_sess(&setup);
    if (!h) return;
    wd_aead_set_ckey(h, static_cast<const __u8*>(buf(t, c.key, c.key.size())),
                     static_cast<__u16>(c.key.size()));
    wd_aead_set_authsize(h, c.tag_bytes);
    Bytes src = c.aad;
    src.insert(src.end(), c.pt.begin(), c.pt.end());
    void* iv = buf(t, c.iv, c.iv.size());
    wd_aead_req enc =
        req(true, buf(t, src, src.size()), buf(t, {}, src.size()), buf(t, {}, c.tag_bytes), iv, c);
    c.ret = submit(t, h, &enc, c.async);
    c.state = enc.state;
    c.ct = get(t, static_cast<uint8_t*>(enc.dst) + c.aad.size(), c.pt.size());
    c.tag = get(t, enc.mac, c.tag_bytes);
    Bytes back = c.aad;
    back.insert(back.end(), c.ct.begin(), c.ct.end());
    wd_aead_req dec = req(false, buf(t, back, back.size()), buf(t, {}, back.size()),
                          buf(t, c.tag, c.tag.size()), iv, c);
    c.dec_ret = submit(t, h, &dec, c.async);
    c.dec_state = dec.state;
    c.dec_pt = get(t, static_cast<uint8_t*>(dec.dst) + c.aad.size(), c.pt.size());
    Bytes bad = c.tag;
    bad[0] ^= 1;
    wd_aead_req forged = req(false, buf(t, back, back.size()), buf(t, {}, back.size()),
                             buf(t, bad, bad.size()), iv, c);
    submit(t, h, &forged, c.async);
    c.forged_state = forged.state;
    wd_aead_free_sess(h);
    ok_ += 3;
  }
  uint64_t ok_ = 0;
};

// No table; the requests count as measured (a run that measured none is an error).
void count_requests(const std::vector<const Program*>& programs, RunReport& r) {
  for (const Program* p : programs) r.measured_requests += p->requests_ok();
}

WDSIM_REGISTER_PROGRAM(aead_check,
                       program_kind<AeadCheckParams, AeadCheck>(
                           "aead_check", "test only: AES-GCM through wd_aead on the SEC function",
                           "sec", 1, count_requests));

TEST(UadkAeadSystemTest, GcmOnTheSimulatedSecMatchesOpenSsl) {
  const std::string yaml =
      "seed: 1\n"
      "system:\n"
      "  devices:\n"
      "    - kind: sec\n"
      "processes:\n"
      "  - name: app\n"
      "    threads:\n"
      "      - program: aead_check\n"
      "output:\n"
      "  trace: false\n"
      "  chrome_trace: false\n";
  Scenario s = load_scenario_text(yaml, "aead.yaml", {});
  auto env = std::make_unique<SimEnv>(s.seed);
  RunOutcome o = run_system(s, *env);
  ASSERT_TRUE(o.ok) << o.error;
  const std::vector<GcmCase>& cases = findings();
  ASSERT_EQ(cases.size(), 5u);
  for (const GcmCase& c : cases) {
    SCOPED_TRACE("key " + std::to_string(c.key.size()) + " text " + std::to_string(c.pt.size()) +
                 (c.async ? " async" : " sync"));
    EXPECT_EQ(c.ret, 0);
    EXPECT_EQ(c.state, 0);
    Bytes ct, tag;
    gcm_reference(c.key, c.iv, c.aad, c.pt, c.tag_bytes, &ct, &tag);
    EXPECT_EQ(c.ct, ct);
    EXPECT_EQ(c.tag, tag);
    EXPECT_EQ(c.dec_ret, 0);
    EXPECT_EQ(c.dec_state, 0);
    EXPECT_EQ(c.dec_pt, c.pt);
    EXPECT_EQ(c.forged_state, WD_IN_EPARA);
  }
  EXPECT_TRUE(cases.back().async);
}

}  // namespace
}  // namespace wdsim
