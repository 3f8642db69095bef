// Virtio 1.x formats a network device and its driver share, bit for bit: the split virtqueue
// (descriptor table, available ring, used ring, their flags, sizes and alignments, and the
// event-index notification rule), the virtio-pci modern common configuration structure and
// device status and feature bits, the virtio-net packet header and device configuration, and
// the PCI MSI-X table entry the queues' interrupt vectors point into.
//
// Facts from the OASIS Virtual I/O Device (VIRTIO) Version 1.1 specification: 2.6 Split
// Virtqueues (2.6.5 descriptor table, 2.6.6 available ring, 2.6.8 used ring, 2.6.7.1
// vring_need_event), 2.1 device status field, 6 reserved feature bits, 4.1.4.3 common
// configuration structure layout, 4.1.4.4 notification structure, 5.1.4 virtio-net device
// configuration, 5.1.6 virtio_net_hdr; and from the PCI Express Base Specification (MSI-X
// table entry: message address, upper address, data, vector control with mask bit 0).
// Not covered: packed virtqueues, indirect descriptor tables' contents (the flag is defined),
// the legacy (0.9.5) interface, GSO and checksum offload semantics of the header.
//
// Pure C++ with no SystemC. Every multi-byte field is little-endian; the host is little-endian,
// so the structs can be memcpy'd to and from DMA buffers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wdsim::virtio {

// ---- Split virtqueue (2.6) -------------------------------------------------------------------
struct VirtqDesc {
  uint64_t addr;  // buffer address (a virtual address under SVA: the process's own pointer)
  uint32_t len;
  uint16_t flags;
  uint16_t next;  // the next descriptor of the chain when flags has kDescFNext
};
static_assert(sizeof(VirtqDesc) == 16);
constexpr uint16_t kDescFNext = 1;      // VIRTQ_DESC_F_NEXT
constexpr uint16_t kDescFWrite = 2;     // VIRTQ_DESC_F_WRITE: device-writable (else readable)
constexpr uint16_t kDescFIndirect = 4;  // VIRTQ_DESC_F_INDIRECT

// The available ring: flags, idx, ring[queue_size], used_event (with VIRTIO_F_EVENT_IDX).
constexpr uint16_t kAvailFNoInterrupt = 1;  // VIRTQ_AVAIL_F_NO_INTERRUPT
constexpr uint64_t kAvailFlagsOffset = 0;
constexpr uint64_t kAvailIdxOffset = 2;
constexpr uint64_t kAvailRingOffset = 4;
constexpr uint64_t avail_used_event_offset(uint16_t queue_size) {
  return kAvailRingOffset + 2ull * queue_size;
}
constexpr uint64_t avail_ring_bytes(uint16_t queue_size) { return 6ull + 2ull * queue_size; }

// The used ring: flags, idx, ring[queue_size] of {id, len}, avail_event.
struct VirtqUsedElem {
  uint32_t id;   // head descriptor index of the chain
  uint32_t len;  // bytes the device wrote into the chain's writable buffers
};
static_assert(sizeof(VirtqUsedElem) == 8);
constexpr uint16_t kUsedFNoNotify = 1;  // VIRTQ_USED_F_NO_NOTIFY
constexpr uint64_t kUsedFlagsOffset = 0;
constexpr uint64_t kUsedIdxOffset = 2;
constexpr uint64_t kUsedRingOffset = 4;
constexpr uint64_t used_avail_event_offset(uint16_t queue_size) {
  return kUsedRingOffset + 8ull * queue_size;
}
constexpr uint64_t used_ring_bytes(uint16_t queue_size) { return 6ull + 8ull * queue_size; }
constexpr uint64_t desc_table_bytes(uint16_t queue_size) { return 16ull * queue_size; }

// Alignment the driver must give each part (2.6, table "Virtqueue Part Alignment").
constexpr uint64_t kDescTableAlign = 16;
constexpr uint64_t kAvailRingAlign = 2;
constexpr uint64_t kUsedRingAlign = 4;
constexpr uint32_t kMaxQueueSize = 32768;  // a queue size is a power of 2, at most 32768

// 2.6.7.1: with event indices, notify when the new index passes `event_idx` (all u16
// arithmetic: the rings' indices wrap).
constexpr bool need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx) {
  return static_cast<uint16_t>(new_idx - event_idx - 1) < static_cast<uint16_t>(new_idx - old_idx);
}

// ---- Device status (2.1) and feature bits (6, 5.1.3) -----------------------------------------
constexpr uint8_t kStatusAcknowledge = 1;
constexpr uint8_t kStatusDriver = 2;
constexpr uint8_t kStatusDriverOk = 4;
constexpr uint8_t kStatusFeaturesOk = 8;
constexpr uint8_t kStatusDeviceNeedsReset = 64;
constexpr uint8_t kStatusFailed = 128;

constexpr unsigned kFNetMtu = 3;           // VIRTIO_NET_F_MTU: virtio_net_config.mtu is valid
constexpr unsigned kFNetMac = 5;           // VIRTIO_NET_F_MAC
constexpr unsigned kFNetMrgRxbuf = 15;     // VIRTIO_NET_F_MRG_RXBUF
constexpr unsigned kFNetStatus = 16;       // VIRTIO_NET_F_STATUS: virtio_net_config.status valid
constexpr unsigned kFRingEventIdx = 29;    // VIRTIO_F_RING_EVENT_IDX
constexpr unsigned kFVersion1 = 32;        // VIRTIO_F_VERSION_1
constexpr unsigned kFAccessPlatform = 33;  // VIRTIO_F_ACCESS_PLATFORM: DMA goes through an IOMMU

// ---- virtio-pci modern common configuration (4.1.4.3) ----------------------------------------
struct PciCommonCfg {
  uint32_t device_feature_select;
  uint32_t device_feature;  // read-only
  uint32_t driver_feature_select;
  uint32_t driver_feature;
  uint16_t msix_config;
  uint16_t num_queues;  // read-only
  uint8_t device_status;
  uint8_t config_generation;  // read-only
  uint16_t queue_select;
  uint16_t queue_size;
  uint16_t queue_msix_vector;
  uint16_t queue_enable;
  uint16_t queue_notify_off;  // read-only
  uint64_t queue_desc;
  uint64_t queue_driver;  // the available ring
  uint64_t queue_device;  // the used ring
};
static_assert(sizeof(PciCommonCfg) == 56);
static_assert(offsetof(PciCommonCfg, msix_config) == 16);
static_assert(offsetof(PciCommonCfg, device_status) == 20);
static_assert(offsetof(PciCommonCfg, queue_select) == 22);
static_assert(offsetof(PciCommonCfg, queue_enable) == 28);
static_assert(offsetof(PciCommonCfg, queue_desc) == 32);
static_assert(offsetof(PciCommonCfg, queue_driver) == 40);
static_assert(offsetof(PciCommonCfg, queue_device) == 48);
constexpr uint16_t kNoVector = 0xffff;  // VIRTIO_MSI_NO_VECTOR

// ---- virtio-net (5.1) --------------------------------------------------------------------------
// The header in front of every packet (5.1.6; with VIRTIO_F_VERSION_1 num_buffers is always
// there, so 12 bytes).
struct NetHdr {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
  uint16_t num_buffers;
};
static_assert(sizeof(NetHdr) == 12);
constexpr uint8_t kNetHdrGsoNone = 0;  // VIRTIO_NET_HDR_GSO_NONE
constexpr uint16_t kNetRxQueue = 0;    // receiveq1
constexpr uint16_t kNetTxQueue = 1;    // transmitq1

struct NetConfig {  // 5.1.4, the fields up to mtu
  uint8_t mac[6];
  uint16_t status;
  uint16_t max_virtqueue_pairs;
  uint16_t mtu;
};
static_assert(sizeof(NetConfig) == 12);
constexpr uint16_t kNetSLinkUp = 1;  // VIRTIO_NET_S_LINK_UP

// ---- MSI-X table entry (PCIe) ------------------------------------------------------------------
struct MsixEntry {
  uint32_t msg_addr_lo;
  uint32_t msg_addr_hi;
  uint32_t msg_data;
  uint32_t vector_control;  // bit 0: masked
};
static_assert(sizeof(MsixEntry) == 16);
constexpr uint32_t kMsixVectorMasked = 1;

}  // namespace wdsim::virtio
