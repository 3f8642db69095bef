// The PCIe fabric keys of a scenario: system.pcie.switches (each switch's upstream link
// inheriting system.pcie) and the cross-checks of where devices and switches attach.
#include "sim/system/scenario_fabric.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "sim/system/scenario_lists.h"

namespace wdsim::scenario_detail {

namespace {

constexpr uint32_t kMaxSwitches = 16;

// The link parameters of a switch's upstream link: system.pcie's values, each key the entry
// gives replaced.
PcieLinkParams inherit_link(const PcieLinkParams& base, ParamScope l) {
  PcieLinkParams own;
  own.declare(l);
  PcieLinkParams p = base;
  if (given(l, "generation")) p.generation = own.generation;
  if (given(l, "lanes")) p.lanes = own.lanes;
  if (given(l, "max_payload_bytes")) p.max_payload_bytes = own.max_payload_bytes;
  if (given(l, "max_read_request_bytes")) p.max_read_request_bytes = own.max_read_request_bytes;
  if (given(l, "tlp_overhead_bytes")) p.tlp_overhead_bytes = own.tlp_overhead_bytes;
  if (given(l, "completion_overhead_bytes")) {
    p.completion_overhead_bytes = own.completion_overhead_bytes;
  }
  if (given(l, "flit_tlp_overhead_bytes")) {
    p.flit_tlp_overhead_bytes = own.flit_tlp_overhead_bytes;
  }
  if (given(l, "flit_completion_overhead_bytes")) {
    p.flit_completion_overhead_bytes = own.flit_completion_overhead_bytes;
  }
  if (given(l, "hop_latency_ns")) p.hop_latency_ns = own.hop_latency_ns;
  if (given(l, "posted_writes")) p.posted_writes = own.posted_writes;
  if (given(l, "pasid_prefix_bytes")) p.pasid_prefix_bytes = own.pasid_prefix_bytes;
  if (given(l, "read_completion_boundary_bytes")) {
    p.read_completion_boundary_bytes = own.read_completion_boundary_bytes;
  }
  if (given(l, "dllp_bytes")) p.dllp_bytes = own.dllp_bytes;
  if (given(l, "ack_coalesce_tlps")) p.ack_coalesce_tlps = own.ack_coalesce_tlps;
  PcieFlowControlParams& fc = p.flow_control;
  const PcieFlowControlParams& own_fc = own.flow_control;
  if (given(l, "flow_control.posted_header")) fc.posted_header = own_fc.posted_header;
  if (given(l, "flow_control.posted_data")) fc.posted_data = own_fc.posted_data;
  if (given(l, "flow_control.nonposted_header")) fc.nonposted_header = own_fc.nonposted_header;
  if (given(l, "flow_control.completion_header")) {
    fc.completion_header = own_fc.completion_header;
  }
  if (given(l, "flow_control.completion_data")) fc.completion_data = own_fc.completion_data;
  if (given(l, "flow_control.update_fc_latency_ns")) {
    fc.update_fc_latency_ns = own_fc.update_fc_latency_ns;
  }
  return p;
}

bool is_component_name(const std::string& n) {
  if (n.empty() || !(std::islower(static_cast<unsigned char>(n[0])))) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

PcieSwitchSpec load_switch(ParamScope e, size_t index, const PcieLinkParams& base) {
  PcieSwitchSpec w;
  w.where = where_of(e);
  if (!e.describing()) e.tree()->mark_section(e.prefix());
  e.add("name", w.name, "switch" + std::to_string(index), "",
        "The switch's name (its component and stats name; devices name it in attach.switch)",
        "model choice");
  if (!e.describing()) {
    e.require("name", is_component_name(w.name),
              "a switch name is lower-case letters, digits and _, starting with a letter");
  }
  uint32_t root_port = 0;
  e.add("root_port", root_port, 0u, "",
        "The root port the switch's upstream link ends at; default: the lowest root port "
        "nothing else takes",
        "PCIe Base Spec 6.0 1.3.3 (a switch's upstream port)",
        Range::between(0, PcieAttach::kMaxRootPorts - 1));
  if (given(e, "root_port")) w.root_port = root_port;
  e.add("switch", w.parent, "", "",
        "The switch (listed before this one) whose downstream port this switch's upstream link "
        "ends at; empty: a root port",
        "PCIe Base Spec 6.0 1.3.3 (switches below switches)");
  e.add("port", w.parent_port, 0u, "", "That switch's downstream port",
        "PCIe Base Spec 6.0 1.3.3 (switches)",
        Range::between(0, PcieSwitchParams::kMaxDownstreamPorts - 1));
  if (!e.describing()) {
    e.require("root_port", !w.root_port || w.parent.empty(),
              "a switch below a switch reaches the root port of the switch above it");
    e.require("port", !given(e, "port") || !w.parent.empty(),
              "port is the downstream port of the switch above: name it (switch)");
  }
  w.params.declare(e);
  w.link = inherit_link(base, e.sub("link"));
  return w;
}

}  // namespace

void load_switches(ParamScope s, const PcieLinkParams& base, std::vector<PcieSwitchSpec>* out) {
  if (s.describing()) {
    load_switch(entry_scope(s, "switches", 0), 0, base);
    return;
  }
  auto n = list_size(s, "switches", kMaxSwitches);
  if (!n) return;
  std::map<std::string, size_t> names;
  for (size_t i = 0; i < *n; ++i) {
    out->push_back(load_switch(entry_scope(s, "switches", i), i, base));
    const std::string at = s.key_path("switches") + "." + std::to_string(i) + ".name";
    if (auto [it, fresh] = names.emplace(out->back().name, i); !fresh) {
      config_error(s.tree()->location(at), at,
                   "switch name " + out->back().name + " is also switches." +
                       std::to_string(it->second) + "'s");
    }
  }
}

// Cross-checks of where devices and switches attach (names, ports, root ports).
void check_attachments(const ParamScope& s, const std::vector<PcieSwitchSpec>& switches,
                       const std::vector<DeviceSpec>& devices) {
  const ConfigTree& tree = *s.tree();
  auto fail = [&](const std::string& key, const std::string& message) {
    const std::string path = s.key_path(key);
    config_error(tree.location(path), path, message);
  };
  std::map<uint32_t, std::string> root_ports;  // explicit root port -> who
  auto take_root_port = [&](uint32_t rp, const std::string& key, const std::string& who) {
    if (auto [it, fresh] = root_ports.emplace(rp, who); !fresh) {
      fail(key, "root port " + std::to_string(rp) + " already ends " + it->second +
                    "'s link (a root port has one link)");
    }
  };
  for (size_t i = 0; i < switches.size(); ++i) {
    if (switches[i].root_port) {
      take_root_port(*switches[i].root_port, "pcie.switches." + std::to_string(i) + ".root_port",
                     "switch " + switches[i].name);
    }
  }
  std::map<std::pair<std::string, uint32_t>, std::string> switch_ports;  // -> who
  for (size_t i = 0; i < switches.size(); ++i) {
    const PcieSwitchSpec& w = switches[i];
    if (w.parent.empty()) continue;
    const std::string at = "pcie.switches." + std::to_string(i) + ".";
    auto up = std::find_if(switches.begin(), switches.begin() + static_cast<std::ptrdiff_t>(i),
                           [&](const PcieSwitchSpec& x) { return x.name == w.parent; });
    if (up == switches.begin() + static_cast<std::ptrdiff_t>(i)) {
      fail(at + "switch",
           "no switch named " + w.parent + " listed before this one in system.pcie.switches");
    }
    if (w.parent_port >= up->params.downstream_ports) {
      fail(at + "port", "switch " + up->name + " has " +
                            std::to_string(up->params.downstream_ports) +
                            " downstream ports (downstream_ports)");
    }
    if (auto [it, fresh] = switch_ports.emplace(std::pair{up->name, w.parent_port}, w.name);
        !fresh) {
      fail(at + "port", "port " + std::to_string(w.parent_port) + " of switch " + up->name +
                            " is also " + it->second + "'s");
    }
  }
  for (const DeviceSpec& d : devices) {
    const std::string at = "devices." + std::to_string(d.index) + ".attach.";
    if (d.attach.root_port && !d.attach.integrated) {
      take_root_port(*d.attach.root_port, at + "root_port",
                     "system.devices." + std::to_string(d.index));
    }
    if (d.attach.switch_name.empty()) continue;
    auto sw = std::find_if(switches.begin(), switches.end(),
                           [&](const PcieSwitchSpec& w) { return w.name == d.attach.switch_name; });
    if (sw == switches.end()) {
      fail(at + "switch", "no switch named " + d.attach.switch_name + " in system.pcie.switches");
    }
    if (d.attach.port >= sw->params.downstream_ports) {
      fail(at + "port", "switch " + sw->name + " has " +
                            std::to_string(sw->params.downstream_ports) +
                            " downstream ports (downstream_ports)");
    }
    if (auto [it, fresh] = switch_ports.emplace(std::pair{sw->name, d.attach.port},
                                                "system.devices." + std::to_string(d.index));
        !fresh) {
      fail(at + "port", "port " + std::to_string(d.attach.port) + " of switch " + sw->name +
                            " is also " + it->second + "'s");
    }
  }
}

}  // namespace wdsim::scenario_detail
