#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "sim/system/exec/wrapped_calls.h"
#include "tools/wdsim/exec_headers.h"

extern char** environ;

namespace wdsim {

namespace {
constexpr int kExitCannotRun = 127;  // as a shell says of a command it cannot find
}

bool write_exec_headers(const std::string& dir, std::string* why) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(dir) / "uadk", ec);
  if (ec) {
    *why = "cannot create " + dir + ": " + ec.message();
    return false;
  }
  for (const EmbeddedHeader& h : exec_headers()) {
    const bool ours = h.name == "wdsim.h" || h.name == "wdsim_glue.c";
    const auto path =
        ours ? std::filesystem::path(dir) / h.name : std::filesystem::path(dir) / "uadk" / h.name;
    std::ofstream out(path, std::ios::binary);
    out << h.text;
    if (!out) {
      *why = "cannot write " + path.string();
      return false;
    }
  }
  return true;
}

int cc_command(const std::vector<std::string>& args, const std::string& headers_dir) {
  std::string why;
  if (!headers_dir.empty()) {
    if (!write_exec_headers(headers_dir, &why)) {
      std::cerr << "wdsim cc: " << why << "\n";
      return 1;
    }
    std::cout << headers_dir << "\n";
    return 0;
  }
  char tmpl[] = "/tmp/wdsim-cc-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::cerr << "wdsim cc: cannot make a temporary directory\n";
    return 1;
  }
  const std::string dir = tmpl;
  if (!write_exec_headers(dir, &why)) {
    std::cerr << "wdsim cc: " << why << "\n";
    std::filesystem::remove_all(dir);
    return 1;
  }
  const char* cc_env = std::getenv("CC");
  const std::string cc = cc_env && *cc_env ? cc_env : "cc";
  // -fsanitize-coverage=trace-pc: a call per basic block, which `wdsim exec` counts as the
  // program's own CPU time (exec.ns_per_block).
  std::vector<std::string> argv = {
      cc,   "-fPIC", "-shared", "-fexceptions", "-pthread", "-fsanitize-coverage=trace-pc",
      "-I", dir,     "-I",      dir + "/uadk"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(dir + "/wdsim_glue.c");
  std::string wraps = "-Wl";
  for (std::string_view name : exec::kWrappedCalls) wraps += ",--wrap=" + std::string(name);
  argv.push_back(wraps);
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_rc = posix_spawnp(&pid, cc.c_str(), nullptr, nullptr, cargv.data(), environ);
  int rc = kExitCannotRun;
  if (spawn_rc != 0) {
    std::cerr << "wdsim cc: cannot run " << cc << " (set CC to the C compiler)\n";
  } else {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::filesystem::remove_all(dir);
  return rc;
}

}  // namespace wdsim
