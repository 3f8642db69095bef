#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "sim/cpu_host/physical_memory.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "sim/base/tlm_access.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

// 100 ns latency, 4 GB/s per channel (64 B = 16 ns, 4 KiB = 1024 ns), 2 channels, 4 KiB
// interleave, 1 GiB.
DramParams test_params() {
  DramParams p = default_params<DramParams>();
  p.latency_ns = 100;
  p.bandwidth_gbps = 4;
  p.channels = 2;
  p.interleave_bytes = 4096;
  p.size_bytes = 1ull << 30;
  return p;
}

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(sc_core::sc_module_name n) : sc_module(n) {}
};

struct Fixture {
  SimEnv env;
  std::unique_ptr<PhysicalMemory> mem;
  std::unique_ptr<Initiator> cpu;
  explicit Fixture(const DramParams& p = test_params()) {
    testing::fresh_sc_context();
    mem = std::make_unique<PhysicalMemory>("mem", p, env);
    cpu = std::make_unique<Initiator>("cpu");
    cpu->socket.bind(mem->socket);
  }
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, void* data, size_t len,
                                  sc_time& delay) {
    return tlm_access(cpu->socket, cmd, addr, data, len, delay);
  }
};

TEST(PhysicalMemory, OneReadIsLatencyPlusTransfer) {
  Fixture f;
  sc_core::sc_start(SC_ZERO_TIME);
  uint8_t buf[64];
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(f.access(tlm::TLM_READ_COMMAND, 0, buf, 64, d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(d, ns(100 + 16));
  // An annotated delay on entry is the arrival time: it is kept and added to.
  sc_time d2 = ns(10000);
  f.access(tlm::TLM_READ_COMMAND, 64, buf, 64, d2);
  EXPECT_EQ(d2, ns(10000 + 100 + 16));
}

TEST(PhysicalMemory, BackToBackQueueOnOneChannelOnly) {
  Fixture f;
  sc_core::sc_start(SC_ZERO_TIME);
  std::vector<uint8_t> buf(4096);
  sc_time d1 = SC_ZERO_TIME, d2 = SC_ZERO_TIME, d3 = SC_ZERO_TIME;
  f.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 4096, d1);
  f.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 4096, d2);     // same channel: queues
  f.access(tlm::TLM_READ_COMMAND, 4096, buf.data(), 4096, d3);  // channel 1: idle
  EXPECT_EQ(d1, ns(1024 + 100));
  EXPECT_EQ(d2, ns(2 * 1024 + 100));
  EXPECT_EQ(d3, ns(1024 + 100));
  EXPECT_EQ(f.mem->channel(0).jobs(), 2u);
  EXPECT_EQ(f.mem->channel(0).wait_time(), ns(1024));
  EXPECT_EQ(f.mem->channel_of(4096), 1u);
  EXPECT_EQ(f.mem->channel_of(8192), 0u);
}

TEST(PhysicalMemory, AccessSpanningChannelsUsesBothInParallel) {
  Fixture f;
  sc_core::sc_start(SC_ZERO_TIME);
  std::vector<uint8_t> buf(8192);
  sc_time d = SC_ZERO_TIME;
  f.access(tlm::TLM_WRITE_COMMAND, 0, buf.data(), 8192, d);
  EXPECT_EQ(d, ns(1024 + 100));  // 4 KiB on each channel at the same time
  // 6 KiB from 2 KiB: channel 0 moves 2 KiB + 2 KiB (queued behind the write), channel 1 2 KiB.
  sc_time d2 = SC_ZERO_TIME;
  f.access(tlm::TLM_READ_COMMAND, 2048, buf.data(), 6144, d2);
  EXPECT_EQ(d2, ns(1024 + 1024 + 100));
}

TEST(PhysicalMemory, SparseZeroReadAndCrossPageWrite) {
  Fixture f;
  sc_core::sc_start(SC_ZERO_TIME);
  uint8_t buf[100];
  std::fill(std::begin(buf), std::end(buf), 0xee);
  sc_time d = SC_ZERO_TIME;
  f.access(tlm::TLM_READ_COMMAND, 512ull << 20, buf, sizeof(buf), d);
  for (uint8_t b : buf) EXPECT_EQ(b, 0);
  EXPECT_EQ(f.mem->resident_pages(), 0u);  // reads do not allocate

  for (size_t i = 0; i < sizeof(buf); ++i) buf[i] = static_cast<uint8_t>(i + 1);
  const uint64_t addr = 3 * 4096 - 50;  // 50 bytes in page 2, 50 in page 3
  f.access(tlm::TLM_WRITE_COMMAND, addr, buf, sizeof(buf), d);
  EXPECT_EQ(f.mem->resident_pages(), 2u);
  uint8_t back[104];
  f.mem->read(addr - 2, back, sizeof(back));
  EXPECT_EQ(back[0], 0);
  EXPECT_EQ(back[1], 0);
  for (size_t i = 0; i < sizeof(buf); ++i) EXPECT_EQ(back[i + 2], i + 1) << i;
  EXPECT_EQ(back[102], 0);

  f.mem->write64(0x1ffc, 0x1122334455667788ull);  // functional, across a page boundary
  EXPECT_EQ(f.mem->read64(0x1ffc), 0x1122334455667788ull);
  uint8_t lo;
  f.mem->read(0x1ffc, &lo, 1);
  EXPECT_EQ(lo, 0x88);  // little-endian

  EXPECT_EQ(f.env.stats().find_counter("mem.reads")->value(), 1u);
  EXPECT_EQ(f.env.stats().find_counter("mem.writes")->value(), 1u);
  EXPECT_EQ(f.env.stats().find_counter("mem.read_bytes")->value(), 100u);
  EXPECT_EQ(f.env.stats().find_counter("mem.write_bytes")->value(), 100u);
}

TEST(PhysicalMemory, OutOfRange) {
  Fixture f;
  sc_core::sc_start(SC_ZERO_TIME);
  const uint64_t size = f.mem->size();
  uint8_t buf[8] = {};
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(f.access(tlm::TLM_READ_COMMAND, size, buf, 8, d), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(f.access(tlm::TLM_WRITE_COMMAND, size - 4, buf, 8, d), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(f.access(tlm::TLM_WRITE_COMMAND, ~0ull - 3, buf, 8, d),
            tlm::TLM_ADDRESS_ERROR_RESPONSE);  // would wrap
  EXPECT_EQ(f.access(tlm::TLM_READ_COMMAND, size - 8, buf, 8, d), tlm::TLM_OK_RESPONSE);
  EXPECT_THROW(f.mem->read(size - 4, buf, 8), std::out_of_range);
  EXPECT_THROW(f.mem->write64(size, 1), std::out_of_range);
  EXPECT_EQ(f.env.stats().find_counter("mem.writes")->value(), 0u);

  // Byte enables are not supported: an error response, not a crash.
  tlm::tlm_generic_payload gp;
  unsigned char be[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(0);
  gp.set_data_ptr(buf);
  gp.set_data_length(8);
  gp.set_streaming_width(8);
  gp.set_byte_enable_ptr(be);
  gp.set_byte_enable_length(8);
  f.cpu->socket->b_transport(gp, d);
  EXPECT_EQ(gp.get_response_status(), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
}

TEST(PhysicalMemory, WriteEventFiresAtEveryCompletionTime) {
  Fixture f;
  f.mem->write64(0x40, 7);  // a functional write during elaboration is fine (nobody waits)
  std::vector<sc_time> wakeups;
  sc_core::sc_spawn([&] {
    for (int i = 0; i < 3; ++i) {
      sc_core::wait(f.mem->write_event());
      wakeups.push_back(sc_core::sc_time_stamp());
    }
  });
  sc_core::sc_spawn([&] {
    uint8_t buf[64] = {};
    sc_time late = ns(500);
    sc_time early = SC_ZERO_TIME;
    sc_core::wait(ns(1));
    // The later write is issued first: the earlier one must not swallow its notification.
    f.access(tlm::TLM_WRITE_COMMAND, 4096, buf, 64, late);  // channel 1, done 1+500+116
    f.access(tlm::TLM_WRITE_COMMAND, 0, buf, 64, early);    // channel 0, done 1+116
    EXPECT_EQ(late, ns(616));
    EXPECT_EQ(early, ns(116));
    sc_core::wait(ns(1000));
    f.mem->write64(0x80, 1);  // functional: notified one delta later
  });
  sc_core::sc_start(ns(5000));
  ASSERT_EQ(wakeups.size(), 3u);
  EXPECT_EQ(wakeups[0], ns(117));
  EXPECT_EQ(wakeups[1], ns(617));
  EXPECT_EQ(wakeups[2], ns(1001));
}

// A 4 KiB-aligned host page (the storage a kernel model gives a mirrored frame).
struct HostPage {
  uint8_t* bytes = static_cast<uint8_t*>(std::aligned_alloc(4096, 4096));
  HostPage() { std::memset(bytes, 0, 4096); }
  ~HostPage() { std::free(bytes); }
};

TEST(PhysicalMemory, AliasedFrameReadsAndWritesTheHostPage) {
  Fixture f;
  sc_core::sc_start(SC_ZERO_TIME);
  HostPage host;
  const uint64_t pa = 5 * 4096;
  f.mem->write64(pa + 8, 0xdeadull);  // owned contents before the alias are dropped
  ASSERT_EQ(f.mem->resident_pages(), 1u);
  f.mem->alias_host_page(pa, host.bytes);
  EXPECT_TRUE(f.mem->is_host_aliased(pa + 100));
  EXPECT_FALSE(f.mem->is_host_aliased(pa + 4096));
  EXPECT_EQ(f.mem->aliased_pages(), 1u);
  EXPECT_EQ(f.mem->resident_pages(), 0u);
  EXPECT_EQ(f.mem->read64(pa + 8), 0u);  // the host page's zeros, not the old 0xdead

  // The host writes; functional and TLM reads (a DMA read) see it.
  std::memcpy(host.bytes + 100, "host bytes", 10);
  char back[10] = {};
  f.mem->read(pa + 100, back, sizeof back);
  EXPECT_EQ(std::memcmp(back, "host bytes", 10), 0);
  char dma[10] = {};
  sc_time d = SC_ZERO_TIME;
  ASSERT_EQ(f.access(tlm::TLM_READ_COMMAND, pa + 100, dma, sizeof dma, d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(std::memcmp(dma, "host bytes", 10), 0);
  EXPECT_EQ(d, ns(100 + 2.5));  // timing as any frame: 10 B at 4 GB/s + latency

  // Functional, TLM and debug writes land in host memory.
  f.mem->write64(pa, 0x0102030405060708ull);
  EXPECT_EQ(host.bytes[0], 0x08);
  EXPECT_EQ(host.bytes[7], 0x01);
  uint8_t w[4] = {0xa1, 0xa2, 0xa3, 0xa4};
  ASSERT_EQ(f.access(tlm::TLM_WRITE_COMMAND, pa + 4092, w, 4, d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(std::memcmp(host.bytes + 4092, w, 4), 0);
  tlm::tlm_generic_payload gp;
  uint8_t dbg[2] = {0x5a, 0x5b};
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(pa + 200);
  gp.set_data_ptr(dbg);
  gp.set_data_length(2);
  gp.set_streaming_width(2);
  EXPECT_EQ(f.cpu->socket->transport_dbg(gp), 2u);
  EXPECT_EQ(host.bytes[200], 0x5a);
  EXPECT_EQ(host.bytes[201], 0x5b);

  // An access spanning the aliased frame and an owned one splits at the page boundary.
  uint8_t span[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  f.mem->write(pa + 4096 - 4, span, 8);
  EXPECT_EQ(std::memcmp(host.bytes + 4092, span, 4), 0);
  EXPECT_EQ(f.mem->resident_pages(), 1u);  // the next frame got owned storage
  uint8_t span_back[8] = {};
  f.mem->read(pa + 4096 - 4, span_back, 8);
  EXPECT_EQ(std::memcmp(span_back, span, 8), 0);

  // Unaliased: the frame reads as zero again and the host page keeps what was written.
  f.mem->unalias_host_page(pa);
  EXPECT_FALSE(f.mem->is_host_aliased(pa));
  EXPECT_EQ(f.mem->aliased_pages(), 0u);
  EXPECT_EQ(f.mem->read64(pa), 0u);
  EXPECT_EQ(host.bytes[0], 0x08);
  // A write now goes to owned storage, not to the host page.
  f.mem->write64(pa + 200, 0);
  EXPECT_EQ(host.bytes[200], 0x5a);
}

TEST(PhysicalMemory, AliasMisuseIsInvalidArgument) {
  Fixture f;
  HostPage host;
  EXPECT_THROW(f.mem->alias_host_page(4096 + 8, host.bytes), std::invalid_argument);
  EXPECT_THROW(f.mem->alias_host_page(4096, host.bytes + 8), std::invalid_argument);
  EXPECT_THROW(f.mem->alias_host_page(4096, nullptr), std::invalid_argument);
  EXPECT_THROW(f.mem->alias_host_page(f.mem->size(), host.bytes), std::invalid_argument);
  EXPECT_THROW(f.mem->unalias_host_page(4096), std::invalid_argument);  // not aliased
  f.mem->alias_host_page(4096, host.bytes);
  EXPECT_THROW(f.mem->alias_host_page(4096, host.bytes), std::invalid_argument);
  EXPECT_THROW(f.mem->unalias_host_page(4096 + 1), std::invalid_argument);
  f.mem->unalias_host_page(4096);
  EXPECT_THROW(f.mem->unalias_host_page(4096), std::invalid_argument);
}

}  // namespace
}  // namespace wdsim
