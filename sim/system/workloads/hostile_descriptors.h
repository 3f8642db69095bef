// The descriptors the `hostile` program kind (hostile.cc) forges, one format per device kind:
// a ZIP SQE (deflate compression of a flat buffer, sqe_type 0 with the tag in dw13, as UADK's
// hisi_comp builds one on a hisi_qm_v2 QM) or a SEC BD (type 2, AES-128-ECB encryption of a
// flat buffer with the key read from the hostile's own memory, as UADK's hisi_sec builds one).
// Each format builds a descriptor from (src, dst, length, tag), names the result the device
// wrote back into it (ZIP dw3 status, SEC done flag + error_type) and reads back the addresses
// a random descriptor carries. Facts: formats/zip/zip_sqe.h, formats/sec/sec_bd.h (and the
// Linux/UADK sources they cite).
// Does not: build SGL, stateful, LZ77, digest or AEAD descriptors (the attacks need a
// descriptor that makes the device read `src` and write `dst`, nothing more).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "formats/sec/sec_bd.h"
#include "formats/zip/zip_sqe.h"

namespace wdsim::hostile {

class DescriptorFormat {
 public:
  virtual ~DescriptorFormat() = default;
  // The uacce algorithm a queue for these descriptors asks for (sysfs `algorithms`).
  virtual std::string algorithm() const = 0;
  virtual size_t size() const = 0;
  // Destination bytes a request of `len` source bytes needs.
  virtual uint32_t dst_capacity(uint32_t len) const = 0;
  // Bytes of own memory the format needs besides src/dst (the SEC key), 0 if none.
  virtual uint32_t key_bytes() const = 0;
  virtual std::vector<uint8_t> build(uint64_t src, uint64_t dst, uint32_t len, uint64_t key,
                                     uint32_t tag) const = 0;
  // The result the device wrote back: "ok" or the format's error name.
  virtual std::string status(const uint8_t* desc) const = 0;
  virtual bool ok(const uint8_t* desc) const = 0;
  virtual uint64_t src(const uint8_t* desc) const = 0;
  virtual uint64_t dst(const uint8_t* desc) const = 0;
};

class ZipFormat : public DescriptorFormat {
 public:
  std::string algorithm() const override { return "deflate"; }
  size_t size() const override { return sizeof(ZipSqe); }
  // Incompressible input grows by the stored-block headers: twice the input plus a margin is
  // always enough (UADK asks for at least 1.125x).
  uint32_t dst_capacity(uint32_t len) const override { return 2 * len + kDstMarginBytes; }
  uint32_t key_bytes() const override { return 0; }
  std::vector<uint8_t> build(uint64_t src, uint64_t dst, uint32_t len, uint64_t /*key*/,
                             uint32_t tag) const override {
    ZipSqe sqe{};
    sqe.set_sqe_type(kZipSqeTypeV1);
    sqe.set_req_type(kZipReqDeflate);
    sqe.set_buf_type(kZipBufFlat);
    sqe.set_window(kZipWindow32K);
    sqe.set_stream_flags(/*stream_new=*/true, /*stateful=*/false, /*finish=*/true);
    sqe.input_data_length = len;
    sqe.dest_avail_out = dst_capacity(len);
    sqe.set_src(src);
    sqe.set_dst(dst);
    sqe.set_tag(tag);
    std::vector<uint8_t> out(sizeof sqe);
    std::memcpy(out.data(), &sqe, sizeof sqe);
    return out;
  }
  std::string status(const uint8_t* desc) const override {
    return zip_status_name(sqe(desc).status());
  }
  bool ok(const uint8_t* desc) const override {
    const uint8_t s = sqe(desc).status();
    return s == kZipStatusOk || s == kZipStatusNegativeCompression;
  }
  uint64_t src(const uint8_t* desc) const override { return sqe(desc).src(); }
  uint64_t dst(const uint8_t* desc) const override { return sqe(desc).dst(); }

 private:
  static constexpr uint32_t kDstMarginBytes = 1024;  // stored-block and trailer headroom
  static ZipSqe sqe(const uint8_t* desc) {
    ZipSqe s;
    std::memcpy(&s, desc, sizeof s);
    return s;
  }
};

class SecFormat : public DescriptorFormat {
 public:
  std::string algorithm() const override { return "ecb(aes)"; }
  size_t size() const override { return sizeof(SecBd); }
  uint32_t dst_capacity(uint32_t len) const override { return len; }
  uint32_t key_bytes() const override { return kAes128KeyBytes; }
  // ECB wants whole AES blocks: the length is rounded down to one (at least one block).
  std::vector<uint8_t> build(uint64_t src, uint64_t dst, uint32_t len, uint64_t key,
                             uint32_t tag) const override {
    const uint32_t blocks = len / kAesBlockBytes > 0 ? len / kAesBlockBytes : 1;
    SecBd bd =
        sec_bd_cipher(kSecCAlgAes, kSecCModeEcb, /*encrypt=*/true, kSecCKey128, key,
                      /*iv=*/0, src, dst, blocks * kAesBlockBytes, static_cast<uint16_t>(tag));
    std::vector<uint8_t> out(sizeof bd);
    std::memcpy(out.data(), &bd, sizeof bd);
    return out;
  }
  std::string status(const uint8_t* desc) const override {
    const SecBd b = bd(desc);
    if (b.ok()) return "ok";
    if (!b.done()) return "not_done";
    return sec_error_name(b.error_type);
  }
  bool ok(const uint8_t* desc) const override { return bd(desc).ok(); }
  uint64_t src(const uint8_t* desc) const override { return bd(desc).data_src_addr; }
  uint64_t dst(const uint8_t* desc) const override { return bd(desc).data_dst_addr; }

 private:
  static constexpr uint32_t kAes128KeyBytes = 16;
  static constexpr uint32_t kAesBlockBytes = 16;
  static SecBd bd(const uint8_t* desc) {
    SecBd b;
    std::memcpy(&b, desc, sizeof b);
    return b;
  }
};

// The format of a device kind ("zip", "sec"); nullptr for another kind.
inline std::unique_ptr<DescriptorFormat> format_for(const std::string& kind) {
  if (kind == "zip") return std::make_unique<ZipFormat>();
  if (kind == "sec") return std::make_unique<SecFormat>();
  return nullptr;
}

}  // namespace wdsim::hostile
