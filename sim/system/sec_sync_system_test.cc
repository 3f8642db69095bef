// The kernel's AES-GCM syscall device (/dev/sec_sync, sim/cpu_host/kernel/sec_sync_device.h) in
// the full system: a test-only program kind encrypts through the ioctl and the test compares the
// ciphertext and tag with OpenSSL's EVP AES-GCM; the device's output decrypts back in place
// (src = dst); a tag with one bit flipped is -EBADMSG with the BD's ICV error; bad arguments are
// -EINVAL; a buffer that is not mapped is -EFAULT. In copy and in pin buffer mode.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "formats/sec/sec_bd.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/sec_sync_device.h"
#include "sim/system/crypto_reference.h"
#include "sim/system/program.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed * 29 + i * 11);
  return b;
}

// What the program saw, for the test to check after the run.
struct Findings {
  Bytes key, iv, aad, pt;
  long enc = 1, dec = 1, forged = 1, bad_key = 1, unmapped = 1;
  uint8_t forged_status = 0;
  Bytes ct, tag, back;
  uint64_t copied = 0;
};
Findings& findings() {
  static Findings f;
  return f;
}

struct SecSyncCheckParams : ProgramParams {
  void declare(ParamScope& /*s*/) override {}
};

class SecSyncCheck : public Program {
 public:
  SecSyncCheck(const SecSyncCheckParams& /*p*/, const ProgramSetup& /*setup*/) {}

  void run(ProgramThread& t) override {
    Findings& f = findings();
    f = Findings{};
    std::string path;
    for (const DeviceView& d : t.system.devices()) {
      if (d.kind == "sec") path = d.syscall_path;
    }
    const int fd = t.os.open(path);
    if (fd < 0) return;
    f.key = pattern(16, 1);
    f.iv = pattern(12, 2);
    f.aad = pattern(16, 3);
    f.pt = pattern(5000, 4);  // not whole blocks, two pages
    const uint64_t buf = t.map_buffer(8192, true);
    const uint64_t small = t.map_buffer(4096, true);
    const uint64_t key = small, iv = small + 64, mac = small + 128;
    Bytes in = f.aad;
    in.insert(in.end(), f.pt.begin(), f.pt.end());
    t.os.process().write(buf, in.data(), in.size());
    t.os.process().write(key, f.key.data(), f.key.size());
    t.os.process().write(iv, f.iv.data(), f.iv.size());
    SecSyncRequest r;
    r.src = buf;
    r.dst = buf;  // in place
    r.iv = iv;
    r.mac = mac;
    r.key = key;
    r.assoc_len = static_cast<uint32_t>(f.aad.size());
    r.text_len = static_cast<uint32_t>(f.pt.size());
    r.key_len = 16;
    r.tag_len = 16;
    r.op = 0;
    f.enc = t.os.ioctl(fd, kSecSyncIoctl, &r);
    f.ct.resize(f.pt.size());
    t.os.process().read(buf + f.aad.size(), f.ct.data(), f.ct.size());
    f.tag.resize(16);
    t.os.process().read(mac, f.tag.data(), 16);
    // Decrypt in place: the plaintext comes back; then a forged tag on a fresh copy.
    SecSyncRequest d = r;
    d.op = 1;
    f.dec = t.os.ioctl(fd, kSecSyncIoctl, &d);
    f.back.resize(f.pt.size());
    t.os.process().read(buf + f.aad.size(), f.back.data(), f.back.size());
    Bytes again = f.aad;
    again.insert(again.end(), f.ct.begin(), f.ct.end());
    t.os.process().write(buf, again.data(), again.size());
    Bytes forged = f.tag;
    forged[5] ^= 0x10;
    t.os.process().write(mac, forged.data(), forged.size());
    f.forged = t.os.ioctl(fd, kSecSyncIoctl, &d);
    f.forged_status = d.status;
    SecSyncRequest bad = r;
    bad.key_len = 20;
    f.bad_key = t.os.ioctl(fd, kSecSyncIoctl, &bad);
    SecSyncRequest unmapped = r;
    unmapped.src = 0x7000000;  // nothing mapped there
    f.unmapped = t.os.ioctl(fd, kSecSyncIoctl, &unmapped);
    t.os.close(fd);
    ok_ = 3;
  }
  uint64_t requests_ok() const override { return ok_; }
  uint64_t requests_failed() const override { return 0; }

 private:
  uint64_t ok_ = 0;
};

void count_requests(const std::vector<const Program*>& programs, RunReport& r) {
  for (const Program* p : programs) r.measured_requests += p->requests_ok();
}

WDSIM_REGISTER_PROGRAM(sec_sync_check,
                       program_kind<SecSyncCheckParams, SecSyncCheck>(
                           "sec_sync_check", "test only: AES-GCM through /dev/sec_sync", "sec", 1,
                           count_requests));

class SecSyncSystem : public ::testing::TestWithParam<const char*> {};

TEST_P(SecSyncSystem, GcmThroughTheKernelMatchesOpenSsl) {
  const std::string yaml = std::string("seed: 1\nsystem:\n  host: {buffer_mode: ") + GetParam() +
                           "}\n  devices:\n    - kind: sec\nprocesses:\n  - name: app\n"
                           "    threads:\n      - program: sec_sync_check\n"
                           "output: {trace: false, chrome_trace: false}\n";
  Scenario s = load_scenario_text(yaml, "sec_sync.yaml", {});
  SimEnv env(s.seed);
  RunOutcome o = run_system(s, env);
  ASSERT_TRUE(o.ok) << o.error;
  const Findings& f = findings();
  EXPECT_EQ(f.enc, 0);
  Bytes ct, tag;
  gcm_reference(f.key, f.iv, f.aad, f.pt, 16, &ct, &tag);
  EXPECT_EQ(f.ct, ct);
  EXPECT_EQ(f.tag, tag);
  EXPECT_EQ(f.dec, 0);
  EXPECT_EQ(f.back, f.pt);
  EXPECT_EQ(f.forged, -EBADMSG);
  EXPECT_EQ(f.forged_status, kSecIcvError);
  EXPECT_EQ(f.bad_key, -EINVAL);
  EXPECT_EQ(f.unmapped, -EFAULT);
  // Three requests reached the device (the forged one too); in copy mode the kernel copied
  // each one's AAD and text in and out, its key and IV in, and the tag out (encryption) or in.
  const Counter* requests = env.stats().find_counter("host.sec_sync.requests");
  ASSERT_NE(requests, nullptr);
  EXPECT_EQ(requests->value(), 3u);
  const uint64_t copied = env.stats().find_counter("host.kernel.copied_bytes")->value();
  const uint64_t data = f.aad.size() + f.pt.size();
  if (std::string(GetParam()) == "copy") {
    // enc: data in, key, iv, data out, tag out; dec: data in, key, iv, tag in, data out;
    // forged: data in, key, iv, tag in (nothing out); the bad-key and unmapped requests fail
    // before copying anything but what precedes the fault.
    EXPECT_GE(copied, 5 * data + 3 * (16 + 12) + 3 * 16);
  } else {
    EXPECT_LT(copied, 1024u);  // pinned: only key, IV and tag move
  }
}

INSTANTIATE_TEST_SUITE_P(BufferModes, SecSyncSystem, ::testing::Values("copy", "pin"));

}  // namespace
}  // namespace wdsim
