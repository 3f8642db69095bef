#include "sim/iommu/pri_formats.h"

#include "sim/base/bits.h"

namespace wdsim::smmu {

void encode_priq_entry(const PageRequest& r, uint64_t out[kPriqDwords]) {
  uint64_t d0 = 0;
  d0 = set_bits(d0, 31, 0, r.sid);
  d0 = set_bits(d0, 51, 32, r.ssid);
  d0 = set_bits(d0, 58, 58, r.priv);
  d0 = set_bits(d0, 59, 59, r.exec);
  d0 = set_bits(d0, 60, 60, r.read);
  d0 = set_bits(d0, 61, 61, r.write);
  d0 = set_bits(d0, 62, 62, r.last);
  d0 = set_bits(d0, 63, 63, r.ssv);
  uint64_t d1 = 0;
  d1 = set_bits(d1, 8, 0, r.prg_index);
  d1 |= r.addr & bit_mask(63, 12);
  out[0] = d0;
  out[1] = d1;
}

PageRequest decode_priq_entry(const uint64_t in[kPriqDwords]) {
  PageRequest r;
  r.sid = static_cast<uint32_t>(get_bits(in[0], 31, 0));
  r.ssid = static_cast<uint32_t>(get_bits(in[0], 51, 32));
  r.priv = get_bit(in[0], 58);
  r.exec = get_bit(in[0], 59);
  r.read = get_bit(in[0], 60);
  r.write = get_bit(in[0], 61);
  r.last = get_bit(in[0], 62);
  r.ssv = get_bit(in[0], 63);
  r.prg_index = static_cast<uint16_t>(get_bits(in[1], 8, 0));
  r.addr = in[1] & bit_mask(63, 12);
  return r;
}

}  // namespace wdsim::smmu
