// The env-init calls of every algorithm (UADK wd_util.c wd_alg_env_init and its parsers):
// WD_<ALG>_CTX_NUM is a comma-separated list of sections "name:num@node", a name being
// "sync-comp" / "sync-decomp" / "async-comp" / "async-decomp" for compression (two op types)
// and "sync" / "async" for the crypto algorithms (one); an unlisted (mode, type) gets no ctxs.
// WD_<ALG>_ASYNC_POLL_EN=1 asks UADK for its own poll threads: this library starts none, so it
// is refused with a message (the caller polls with wd_<alg>_poll). The model has one NUMA
// node: a node other than 0 is an error, as UADK's for a node without devices.
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/uadk_internal.h"

namespace wdsim::rt::uadk {

namespace {

bool parse_uint(const std::string& s, uint32_t* v) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  *v = static_cast<uint32_t>(std::strtoul(s.c_str(), nullptr, 10));
  return true;
}

std::string var_name(const EnvAlg& env, const char* what) {
  return std::string(env.prefix) + "_" + what;
}

}  // namespace

int parse_ctx_num(const Call& call, const EnvAlg& env, uint8_t op_type_num,
                  const std::string& value, std::vector<wd_ctx_nums>* nums) {
  const std::string var = var_name(env, "CTX_NUM");
  nums->assign(op_type_num, wd_ctx_nums{0, 0});
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    const std::string section = value.substr(start, comma - start);
    start = comma + 1;
    const size_t colon = section.find(':');
    const size_t at = section.find('@');
    uint32_t num = 0;
    uint32_t node = 0;
    if (colon == std::string::npos || at == std::string::npos || at < colon ||
        !parse_uint(section.substr(colon + 1, at - colon - 1), &num) ||
        !parse_uint(section.substr(at + 1), &node)) {
      return call.fail(-WD_EINVAL, var + ": section '" + section + "' is not name:num@node");
    }
    if (node != 0) {
      return call.fail(-WD_EINVAL, var + ": section '" + section + "': no devices on NUMA node " +
                                       std::to_string(node) + " (the model has node 0 only)");
    }
    const std::string name = section.substr(0, colon);
    bool found = false;
    for (uint8_t mode = 0; mode < CTX_MODE_MAX && !found; ++mode) {
      for (uint8_t t = 0; t < op_type_num && !found; ++t) {
        if (name != env.names[mode][t]) continue;
        found = true;
        (mode == CTX_MODE_SYNC ? (*nums)[t].sync_ctx_num : (*nums)[t].async_ctx_num) = num;
      }
    }
    if (!found) return call.fail(-WD_EINVAL, var + ": unknown section name '" + name + "'");
    if (comma == value.size()) break;
  }
  return 0;
}

int env_init(const Call& call, AlgSetting& s, EnvTable& table, const AlgTraits& traits,
             const EnvAlg& env, const std::vector<wd_ctx_nums>* explicit_nums, wd_sched* sched,
             int (*poll_ctx)(uint32_t, uint32_t, uint32_t*)) {
  if (!call.bound()) return -WD_EINVAL;
  const std::string poll_var = var_name(env, "ASYNC_POLL_EN");
  std::string value;
  bool poll_en = false;
  if (call.proc().get_env(poll_var, &value) && !value.empty()) {
    if (value != "0" && value != "1") {
      return call.fail(-WD_EINVAL, poll_var + "=" + value + " is not 0 or 1");
    }
    poll_en = value == "1";
  }
  if (poll_en) {
    return call.fail(-WD_EINVAL, poll_var +
                                     "=1: this library starts no poll threads; leave it "
                                     "0 and poll with wd_" +
                                     traits.name + "_poll");
  }
  std::vector<wd_ctx_nums> nums;
  if (explicit_nums) {
    nums = *explicit_nums;
  } else {
    const std::string var = var_name(env, "CTX_NUM");
    if (!call.proc().get_env(var, &value) || value.empty()) value = env.default_ctx_num;
    int ret = parse_ctx_num(call, env, traits.op_type_num, value, &nums);
    if (ret < 0) return ret;
  }
  int ret = s.init_env(call, traits, env.dev_alg, nums, sched, poll_ctx);
  if (ret < 0) return ret;
  table.valid = true;
  table.nums = nums;
  table.async_poll_en = poll_en;
  return 0;
}

int env_ctx_num_init(const Call& call, AlgSetting& s, EnvTable& table, const AlgTraits& traits,
                     const EnvAlg& env, uint32_t node, uint32_t type, uint32_t num, uint8_t mode,
                     int (*poll_ctx)(uint32_t, uint32_t, uint32_t*)) {
  if (!call.bound()) return -WD_EINVAL;
  const std::string fn = std::string("wd_") + traits.name + "_ctx_num_init";
  if (type >= traits.op_type_num || mode >= CTX_MODE_MAX || num == 0) {
    return call.fail(-WD_EINVAL, fn + ": bad type, mode or num");
  }
  if (node != 0) return call.fail(-WD_EINVAL, fn + ": the model has NUMA node 0 only");
  std::vector<wd_ctx_nums> nums(traits.op_type_num, wd_ctx_nums{0, 0});
  (mode == CTX_MODE_SYNC ? nums[type].sync_ctx_num : nums[type].async_ctx_num) = num;
  return env_init(call, s, table, traits, env, &nums, nullptr, poll_ctx);
}

void env_uninit(const Call& call, AlgSetting& s, EnvTable& table) {
  if (!call.bound()) return;
  s.uninit(call);
  table = EnvTable{};
}

int env_get_param(const Call& call, const EnvTable& table, uint32_t node, uint32_t type,
                  uint32_t mode, uint32_t* num, uint8_t* is_enable) {
  if (!call.bound() || !num || !is_enable) return -WD_EINVAL;
  if (!table.valid) return call.fail(-WD_EINVAL, "get_env_param: env init has not run");
  if (node != 0 || type >= table.nums.size() || mode >= CTX_MODE_MAX) {
    return call.fail(-WD_EINVAL, "get_env_param: bad node, type or mode");
  }
  *num = mode == CTX_MODE_SYNC ? table.nums[type].sync_ctx_num : table.nums[type].async_ctx_num;
  *is_enable = table.async_poll_en ? 1 : 0;
  return 0;
}

}  // namespace wdsim::rt::uadk
