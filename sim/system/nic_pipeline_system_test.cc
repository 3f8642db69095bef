// NIC -> SEC -> ZIP on one address space end to end (program kind nic_pipeline; mode sva, and
// the pinned and syscall modes against it): the
// NIC's traffic source sends records (deflate, then AES-128-GCM: nic_records.h) into the
// process's receive buffers; the SEC function decrypts each in place at the virtual address the
// NIC wrote (src = dst), the ZIP function decompresses it into the application's buffer, and
// every plaintext is compared with the source's. The three devices carry the process's one PASID
// and share its one ASID, so the SEC's translations of a receive buffer are the IOTLB entries
// the NIC's DMA made (it walks none of those pages itself). A NIC that sends plain test packets,
// or records too large for the MTU, are clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <set>

#include "sim/base/config_tree.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

uint64_t counter(SimEnv& env, const std::string& key) {
  const Counter* c = env.stats().find_counter(key);
  return c ? c->value() : 0;
}

std::string cell(const RunOutcome& o, const std::string& column) {
  for (const auto& t : o.report.tables) {
    if (t.name != "nic_pipeline") continue;
    EXPECT_EQ(t.rows.size(), 1u);
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (t.columns[c] == column) return t.rows.at(0).at(c);
    }
  }
  ADD_FAILURE() << "no nic_pipeline." << column;
  return "";
}
double num(const RunOutcome& o, const std::string& column) { return std::stod(cell(o, column)); }

std::string scenario(uint64_t packets, const std::string& payload, const std::string& sizes,
                     const std::string& mode = "sva", const std::string& uacce_mode = "sva") {
  return "system:\n"
         "  devices:\n"
         "    - kind: nic\n"
         "      nic: {mtu_bytes: 9000, payload: " +
         payload + ", record_sizes: " + sizes + ", rx_packets: " + std::to_string(packets) +
         ", rx_rate_mpps: 0.02}\n"
         "    - {kind: sec, uacce_mode: " +
         uacce_mode +
         "}\n"
         "    - {kind: zip, uacce_mode: " +
         uacce_mode +
         "}\n"
         "processes:\n"
         "  - name: app\n"
         "    threads:\n"
         "      - program: nic_pipeline\n"
         "        nic_pipeline: {packets: " +
         std::to_string(packets) + ", mode: " + mode +
         ", idle_timeout_us: 200}\n"
         "output: {trace: true, chrome_trace: false}\n";
}

RunOutcome run(const std::string& yaml, SimEnv& env) {
  return run_system(load_scenario_text(yaml, "inline", {}), env);
}

constexpr uint32_t kNicSid = 0x300;  // nic.stream_id's default

// The 4 KiB pages each (sid, pasid 1) walked, from the trace's walk lines.
std::set<uint64_t> walked_pages(const std::string& trace, uint32_t sid) {
  std::set<uint64_t> pages;
  const std::regex walk("walk sid=" + std::to_string(sid) + " pasid=1 iova=0x([0-9a-f]+)");
  for (auto it = std::sregex_iterator(trace.begin(), trace.end(), walk);
       it != std::sregex_iterator(); ++it) {
    pages.insert(std::stoull((*it)[1].str(), nullptr, 16) >> 12);
  }
  return pages;
}

TEST(NicPipelineSystem, RecordsDecryptedInPlaceAndDecompressedAreThePlaintext) {
  SimEnv env(1);
  const RunOutcome o = run(scenario(120, "records", "[1024, 4096, 8192]"), env);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(num(o, "received"), 120);
  EXPECT_EQ(num(o, "drops"), 0);
  EXPECT_EQ(num(o, "verified"), 120);
  EXPECT_EQ(counter(env, "outputs.verified"), 120u);
  EXPECT_EQ(num(o, "copied_bytes_per_packet"), 0);  // SVA: the CPU copies nothing
  // One request per record on each engine, each completed without error.
  EXPECT_EQ(counter(env, "sec.requests"), 120u);
  EXPECT_EQ(counter(env, "zip.requests"), 120u);
  // What the SEC wrote (the deflate streams) is what the ZIP read, and the ZIP wrote the
  // plaintexts; the SEC read the AAD (16 B a record) on top.
  EXPECT_EQ(counter(env, "sec.bytes_out"), counter(env, "zip.bytes_in"));
  EXPECT_EQ(counter(env, "sec.bytes_in"), counter(env, "sec.bytes_out") + 16 * 120);
  EXPECT_NEAR(static_cast<double>(counter(env, "zip.bytes_out")),
              120 * num(o, "plain_bytes_per_packet"), 60);  // the column is rounded to 1 B
  // Text compresses about 3x: the wire carries far fewer bytes than the plaintext.
  EXPECT_LT(num(o, "wire_bytes_per_packet"), 0.6 * num(o, "plain_bytes_per_packet"));
  EXPECT_EQ(cell(o, "pasid"), "1 on 3 devices");
  // Each engine took time.
  EXPECT_GT(num(o, "decrypt_us"), 0);
  EXPECT_GT(num(o, "decompress_us"), 0);

  const std::string trace = env.trace().to_text();
  // One PASID and one ASID for the mm on all three StreamIDs.
  const std::regex bind("sva_bind sid=([0-9]+) pid=100 pasid=1 asid=([0-9]+)");
  std::set<std::string> sids, asids;
  for (auto it = std::sregex_iterator(trace.begin(), trace.end(), bind);
       it != std::sregex_iterator(); ++it) {
    sids.insert((*it)[1].str());
    asids.insert((*it)[2].str());
  }
  EXPECT_EQ(sids.size(), 3u);
  EXPECT_EQ(asids.size(), 1u);
  // The SEC decrypted at the addresses the NIC wrote: its translations of those pages came from
  // the IOTLB entries the NIC's walks made (same ASID), so it walked none of them itself, yet it
  // looked pages up in the process's address space.
  const std::set<uint64_t> nic_pages = walked_pages(trace, kNicSid);
  ASSERT_GT(nic_pages.size(), 100u);
  // The SEC's StreamID: the lower of the two QM functions' (it is listed before the ZIP).
  uint32_t sec_sid = kNicSid;
  for (const std::string& sid : sids) {
    sec_sid = std::min<uint32_t>(sec_sid, static_cast<uint32_t>(std::stoul(sid)));
  }
  ASSERT_NE(trace.find("sva_bind sid=" + std::to_string(sec_sid) + " pid=100 pasid=1"),
            std::string::npos);
  const std::set<uint64_t> sec_pages = walked_pages(trace, sec_sid);
  for (uint64_t p : sec_pages) EXPECT_EQ(nic_pages.count(p), 0u) << std::hex << (p << 12);
  const std::string sec_space = "smmu.iotlb.by_pasid.s" + std::to_string(sec_sid) + ".p1.";
  EXPECT_GE(counter(env, sec_space + "hits") + counter(env, sec_space + "misses"), 120u);
}

// The same records through the kernel's devices: the same plaintexts, the kernel's copies (what
// it must move per record, from the record's lengths), slower, and the engines' DMA without the
// process's PASID (only the NIC is bound).
TEST(NicPipelineSystem, TheSyscallPathCopiesWhatTheFormulaSaysAndIsSlower) {
  SimEnv sva_env(1), sys_env(1);
  const RunOutcome sva = run(scenario(120, "records", "[1024, 4096, 8192]"), sva_env);
  const RunOutcome sys = run(scenario(120, "records", "[1024, 4096, 8192]", "syscall"), sys_env);
  ASSERT_TRUE(sva.ok) << sva.error;
  ASSERT_TRUE(sys.ok) << sys.error;
  EXPECT_EQ(num(sys, "verified"), 120);
  EXPECT_EQ(counter(sys_env, "host.sec_sync.requests"), 120u);
  EXPECT_EQ(counter(sys_env, "host.zip_sync.requests"), 120u);
  EXPECT_EQ(counter(sys_env, "outputs.verified"), 120u);
  // The same records arrived (same seed, same source).
  EXPECT_EQ(cell(sys, "wire_bytes_per_packet"), cell(sva, "wire_bytes_per_packet"));
  // Per record (host.buffer_mode copy): the SEC's AAD and ciphertext in and out, its key (16),
  // IV (12) and tag (16) in; the ZIP's stream in and plaintext out. Ciphertext = wire - 48.
  const double wire = num(sys, "wire_bytes_per_packet");
  const double plain = num(sys, "plain_bytes_per_packet");
  const double ct = wire - 48;
  EXPECT_NEAR(num(sys, "copied_bytes_per_packet"), 2 * (16 + ct) + 16 + 12 + 16 + ct + plain, 2);
  EXPECT_EQ(num(sva, "copied_bytes_per_packet"), 0);
  EXPECT_GT(num(sys, "p50_us"), num(sva, "p50_us"));
  EXPECT_GT(num(sys, "decrypt_us"), num(sva, "decrypt_us"));
  EXPECT_GT(num(sys, "decompress_us"), num(sva, "decompress_us"));
  EXPECT_EQ(cell(sys, "pasid"), "1 on 1 devices");
}

// Without SVA on SEC and ZIP (uacce_mode nosva): the same plaintexts through UADK sessions on
// each ctx's static share region, the process copying the record in, the stream across and the
// plaintext out (what it must move per record, from the record's lengths), the kernel copying
// nothing; only the NIC is bound to the process, the engines' DMA carries no PASID.
TEST(NicPipelineSystem, ThePinnedPathCopiesThreeTimesThroughTheStaticShares) {
  SimEnv sva_env(1), pin_env(1);
  const RunOutcome sva = run(scenario(120, "records", "[1024, 4096, 8192]"), sva_env);
  const RunOutcome pin =
      run(scenario(120, "records", "[1024, 4096, 8192]", "pinned", "nosva"), pin_env);
  ASSERT_TRUE(sva.ok) << sva.error;
  ASSERT_TRUE(pin.ok) << pin.error;
  EXPECT_EQ(num(pin, "verified"), 120);
  EXPECT_EQ(counter(pin_env, "outputs.verified"), 120u);
  EXPECT_EQ(counter(pin_env, "sec.requests"), 120u);
  EXPECT_EQ(counter(pin_env, "zip.requests"), 120u);
  EXPECT_EQ(cell(pin, "wire_bytes_per_packet"), cell(sva, "wire_bytes_per_packet"));
  // Per record: the AAD, ciphertext and tag into SEC's region; the stream into ZIP's; the
  // plaintext out. Ciphertext = wire - 48 (header 32, tag 16).
  const double wire = num(pin, "wire_bytes_per_packet");
  const double plain = num(pin, "plain_bytes_per_packet");
  const double ct = wire - 48;
  EXPECT_NEAR(num(pin, "copied_bytes_per_packet"), (16 + ct + 16) + ct + plain, 2);
  EXPECT_EQ(counter(pin_env, "host.kernel.copied_bytes"), 0u);
  EXPECT_NEAR(static_cast<double>(counter(pin_env, "host.user_copied_bytes")),
              120 * num(pin, "copied_bytes_per_packet"), 60);  // the column is rounded to 1 B
  EXPECT_GT(num(pin, "mem_bytes_per_packet"), num(sva, "mem_bytes_per_packet"));
  EXPECT_GT(num(pin, "decompress_us"), num(sva, "decompress_us"));  // two copies there
  EXPECT_EQ(cell(pin, "pasid"), "1 on 1 devices");
  const std::string trace = pin_env.trace().to_text();
  size_t regions = 0;
  for (size_t at = trace.find("mmap_ss"); at != std::string::npos;
       at = trace.find("mmap_ss", at + 1)) {
    ++regions;
  }
  EXPECT_EQ(regions, 2u);  // one static share per ctx (SEC's, ZIP's)
}

// dma-buf: the receive buffers and the application's buffer in one dma-buf attached to SEC and
// ZIP (an IOVA each, no PASID): the same plaintexts and no copies at all, the cost in set-up
// and in the pinned buffer.
TEST(NicPipelineSystem, TheDmaBufPathCopiesNothingAndPinsTheWholeBuffer) {
  SimEnv env(1);
  const RunOutcome o = run(scenario(120, "records", "[1024, 4096, 8192]", "dmabuf", "nosva"), env);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(num(o, "verified"), 120);
  EXPECT_EQ(counter(env, "outputs.verified"), 120u);
  EXPECT_EQ(num(o, "copied_bytes_per_packet"), 0);
  EXPECT_EQ(counter(env, "host.kernel.copied_bytes") + counter(env, "host.user_copied_bytes"), 0u);
  EXPECT_EQ(cell(o, "pasid"), "1 on 1 devices");
  // One buffer: 256 receive buffers of 9216 B, the 64 KiB plaintext buffer, 4 KiB of scratch,
  // in 4 KiB pages; attached to both engines' devices, detached and freed at the end.
  const uint64_t bytes = (256 * 9216 + 65536 + 4096 + 4095) / 4096 * 4096;
  EXPECT_EQ(num(o, "pinned_kib"), bytes / 1024);
  EXPECT_EQ(counter(env, "host.dma_buf.allocated_bytes"), bytes);
  EXPECT_EQ(counter(env, "host.dma_buf.attachments"), 2u);
  EXPECT_EQ(counter(env, "host.dma_buf.detachments"), 2u);
  EXPECT_EQ(counter(env, "host.dma_buf.frees"), 1u);
  // The engines' DMA went through their no-PASID spaces (StreamIDs 1 and 2 by position).
  for (const char* sid : {"s1", "s2"}) {
    const std::string space = std::string("smmu.iotlb.by_pasid.") + sid + ".nopasid.";
    EXPECT_GE(counter(env, space + "hits") + counter(env, space + "misses"), 1u) << sid;
  }
  EXPECT_GT(num(o, "setup_us"), 0);
}

TEST(NicPipelineSystem, AModeOnDevicesOfTheOtherUacceModeIsAClearError) {
  SimEnv a(1), b(1);
  const RunOutcome pin_on_sva = run(scenario(4, "records", "[1024]", "pinned", "sva"), a);
  EXPECT_FALSE(pin_on_sva.ok);
  EXPECT_NE(pin_on_sva.error.find("without SVA (system.devices[].uacce_mode: nosva)"),
            std::string::npos)
      << pin_on_sva.error;
  const RunOutcome sva_on_nosva = run(scenario(4, "records", "[1024]", "sva", "nosva"), b);
  EXPECT_FALSE(sva_on_nosva.ok);
  EXPECT_NE(sva_on_nosva.error.find("with SVA (system.devices[].uacce_mode: sva)"),
            std::string::npos)
      << sva_on_nosva.error;
}

TEST(NicPipelineSystem, TheSameSeedGivesTheSameRunAnotherSeedOtherRecords) {
  SimEnv a(5), b(5), c(6);
  const RunOutcome oa = run(scenario(40, "records", "[2048, 6000]"), a);
  const RunOutcome ob = run(scenario(40, "records", "[2048, 6000]"), b);
  const RunOutcome oc = run(scenario(40, "records", "[2048, 6000]"), c);
  ASSERT_TRUE(oa.ok && ob.ok && oc.ok) << oa.error << ob.error << oc.error;
  EXPECT_EQ(a.trace().to_text(), b.trace().to_text());
  EXPECT_EQ(cell(oa, "p99_us"), cell(ob, "p99_us"));
  EXPECT_EQ(num(oc, "verified"), 40);
  EXPECT_NE(cell(oa, "wire_bytes_per_packet"), cell(oc, "wire_bytes_per_packet"));
}

TEST(NicPipelineSystem, PlainTestPacketsAreNotRecords) {
  SimEnv env(1);
  const RunOutcome o = run(scenario(10, "pattern", "[4096]"), env);
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.error.find("nic_pipeline"), std::string::npos) << o.error;
  EXPECT_NE(o.error.find("not a record"), std::string::npos) << o.error;
}

TEST(NicPipelineSystem, RecordsThatMayNotFitTheMtuAreAScenarioError) {
  try {
    load_scenario_text(scenario(10, "records", "[9000]"), "bad.yaml", {});
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("record_sizes"), std::string::npos) << what;
    EXPECT_NE(what.find("MTU"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace wdsim
