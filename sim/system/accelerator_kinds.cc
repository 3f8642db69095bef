// The accelerator kinds a `system.devices` entry may name: zip (the HiSilicon ZIP engine,
// Linux hisi_zip) and sec (the SEC engine, Linux hisi_sec2), each behind a QM.
#include <algorithm>
#include <map>

#include "formats/uacce/hisi_qm.h"
#include "sim/accel/qm/qm.h"
#include "sim/accel/sec/sec_engine.h"
#include "sim/accel/zip/zip_engine.h"
#include "sim/cpu_host/kernel/sec_sync_device.h"
#include "sim/cpu_host/kernel/zip_sync_device.h"
#include "sim/system/accelerator_kind.h"

namespace wdsim {

namespace {

std::map<std::string, std::unique_ptr<AcceleratorKind>>& registry() {
  static std::map<std::string, std::unique_ptr<AcceleratorKind>> kinds;
  return kinds;
}

template <class P>
class EngineParamsOf : public EngineParams {
 public:
  void declare(ParamScope& s) override { params.declare(s); }
  bool timing_only() const override { return params.timing_only(); }
  P params;
};

template <class E>
class EngineOf : public EngineInstance {
 public:
  template <class... A>
  explicit EngineOf(A&&... a) : engine(std::forward<A>(a)...) {}
  E engine;
};

class ZipKind : public AcceleratorKind {
 public:
  std::string name() const override { return "zip"; }
  std::string description() const override {
    return "HiSilicon ZIP: deflate/zlib/gzip compression and decompression (Linux hisi_zip)";
  }
  std::string uacce_prefix() const override { return "hisi_zip"; }
  std::string driver_name() const override { return "hisi_zip"; }
  std::string algorithms() const override { return "zlib\ngzip\ndeflate"; }
  std::string qm_component() const override { return "qm"; }
  std::string engine_component() const override { return "zip"; }
  std::string link_component() const override { return "pcie_link"; }
  bool ats_capable() const override { return true; }
  std::string syscall_device_path() const override { return ZipSyncDevice::kPath; }
  std::unique_ptr<CharDevice> build_syscall_device(Kernel& kernel, HisiQmDriver& qm, DmaApi& dma,
                                                   const std::string& path,
                                                   uint8_t queue_priority) const override {
    auto d = std::make_unique<ZipSyncDevice>(kernel, qm, dma, path);
    d->set_queue_priority(queue_priority);
    return d;
  }
  std::unique_ptr<EngineParams> make_params() const override {
    return std::make_unique<EngineParamsOf<ZipEngineParams>>();
  }
  std::unique_ptr<EngineInstance> build(const std::string& component, const EngineParams& params,
                                        SimEnv& env, Qm& qm) const override {
    const auto& p = static_cast<const EngineParamsOf<ZipEngineParams>&>(params).params;
    auto e = std::make_unique<EngineOf<ZipEngine>>(component, p, env);
    // Queue type 0 compresses, 1 decompresses (hisi_zip's qp type per direction).
    for (uint8_t alg : {uint8_t{0}, uint8_t{1}}) qm.attach_engine(alg, e->engine.for_alg_type(alg));
    return e;
  }
};

// The SEC function's algorithms attribute: first the classes Linux's hisi_sec2 shows
// ("cipher\ndigest\naead", sec_main.c), which UADK looks devices up by (wd_util.c
// wd_get_alg_type maps "cbc(aes)" to "cipher" before wd_get_accel_list, and programs such as
// uadk_tool's test_sec ask for "cipher" themselves); then the algorithm names, which the
// runtime's lower layers (UacceQueue, the built-in workloads) match exactly.
class SecKind : public AcceleratorKind {
 public:
  std::string name() const override { return "sec"; }
  std::string description() const override {
    return "HiSilicon SEC: AES/SM4 ciphers, AES-GCM, SHA/SM3/MD5 digests and HMACs (Linux "
           "hisi_sec2)";
  }
  std::string uacce_prefix() const override { return "hisi_sec2"; }
  std::string driver_name() const override { return "hisi_sec2"; }
  std::string algorithms() const override {
    return "cipher\ndigest\naead\n"
           "ecb(aes)\ncbc(aes)\nctr(aes)\nxts(aes)\necb(sm4)\ncbc(sm4)\nctr(sm4)\nxts(sm4)\n"
           "sha1\nsha224\nsha256\nsha384\nsha512\nsm3\nmd5\nsha512-224\nsha512-256\n"
           "hmac(sha1)\nhmac(sha224)\nhmac(sha256)\nhmac(sha384)\nhmac(sha512)\nhmac(sm3)\n"
           "hmac(md5)\ngcm(aes)";
  }
  std::string qm_component() const override { return "sec_qm"; }
  std::string engine_component() const override { return "sec"; }
  std::string link_component() const override { return "sec_pcie_link"; }
  bool ats_capable() const override { return false; }
  std::string syscall_device_path() const override { return SecSyncDevice::kPath; }
  std::unique_ptr<CharDevice> build_syscall_device(Kernel& kernel, HisiQmDriver& qm, DmaApi& dma,
                                                   const std::string& path,
                                                   uint8_t queue_priority) const override {
    auto d = std::make_unique<SecSyncDevice>(kernel, qm, dma, path);
    d->set_queue_priority(queue_priority);
    return d;
  }
  std::unique_ptr<EngineParams> make_params() const override {
    return std::make_unique<EngineParamsOf<SecEngineParams>>();
  }
  std::unique_ptr<EngineInstance> build(const std::string& component, const EngineParams& params,
                                        SimEnv& env, Qm& qm) const override {
    const auto& p = static_cast<const EngineParamsOf<SecEngineParams>&>(params).params;
    auto e = std::make_unique<EngineOf<SecEngine>>(component, p, env);
    for (uint8_t alg = 0; alg <= rt::kHisiQpQcTypeMax; ++alg) {
      qm.attach_engine(alg, e->engine.for_alg_type(alg));
    }
    return e;
  }
};

const bool kZipRegistered = register_accelerator_kind(std::make_unique<ZipKind>());
const bool kSecRegistered = register_accelerator_kind(std::make_unique<SecKind>());

}  // namespace

bool register_accelerator_kind(std::unique_ptr<AcceleratorKind> kind) {
  const std::string name = kind->name();
  registry()[name] = std::move(kind);
  return true;
}

const AcceleratorKind* find_accelerator_kind(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second.get();
}

std::vector<const AcceleratorKind*> accelerator_kinds() {
  std::vector<const AcceleratorKind*> out;
  for (const auto& [name, k] : registry()) out.push_back(k.get());
  return out;
}

}  // namespace wdsim
