#include "tools/wdsim/out_dir.h"

#include <array>
#include <string_view>
#include <system_error>
#include <vector>

namespace wdsim {

namespace {

// Every file `wdsim run` writes in an output folder (a sweep point's folder too), and those of
// `--emit` (sweep_cluster.h): the manifest, the script and each point's status.json.
constexpr std::array<std::string_view, 15> kOutputFiles = {
    "stats.json",  "stats.csv",       "summary.json", "trace.txt",    "trace.json",
    "report.html", "host_speed.json", "requests.csv", "sweep.csv",    "stdout.txt",
    "stderr.txt",  "status.json",     "sweep.json",   "sweep.sbatch", "parallel_jobs.txt"};

bool is_point_folder_name(const std::string& name) {
  constexpr std::string_view kPrefix = "point-";
  if (name.size() <= kPrefix.size() || name.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  return name.find_first_not_of("0123456789", kPrefix.size()) == std::string::npos;
}

// The sweep runner's logs of a point's process, written around the point's own run: the run
// (wdsim run --no-sweep in that folder) keeps them; a new sweep removes the point folder whole.
bool is_point_log_name(const std::string& name) {
  return name == "stdout.txt" || name == "stderr.txt";
}

bool is_output_file_name(const std::string& name) {
  for (auto f : kOutputFiles) {
    if (name == f) return true;
  }
  return false;
}

}  // namespace

bool OutDir::written_by_wdsim(const std::filesystem::path& entry) {
  std::error_code ec;
  const std::string name = entry.filename().string();
  const auto st = std::filesystem::symlink_status(entry, ec);
  if (ec) return false;
  if (std::filesystem::is_regular_file(st)) return is_output_file_name(name);
  if (!std::filesystem::is_directory(st) || !is_point_folder_name(name)) return false;
  for (std::filesystem::directory_iterator it(entry, ec), end; !ec && it != end; it.increment(ec)) {
    const auto s = it->symlink_status(ec);
    if (ec || !std::filesystem::is_regular_file(s) ||
        !is_output_file_name(it->path().filename().string())) {
      return false;
    }
  }
  return !ec;
}

std::optional<OutDir> OutDir::prepare(const std::filesystem::path& path, std::string* error) {
  OutDir d;
  d.path_ = path;
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (std::filesystem::exists(st)) {
    if (!std::filesystem::is_directory(st)) {
      *error = "output folder " + path.string() + " exists and is not a folder";
      return std::nullopt;
    }
    for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (!written_by_wdsim(it->path())) {
        *error = "output folder " + path.string() + " holds " + it->path().filename().string() +
                 ", which wdsim did not write: give an empty or new folder (or one of an " +
                 "earlier wdsim run, whose outputs are replaced)";
        return std::nullopt;
      }
    }
    if (ec) {
      *error = "cannot read output folder " + path.string() + ": " + ec.message();
      return std::nullopt;
    }
    d.discard();  // an earlier run's outputs: nothing stale survives
    return d;
  }
  // The outermost folder this creates (wdsim_out/ of wdsim_out/<scenario>), for discard().
  std::filesystem::path top = path;
  for (auto p = path.parent_path();
       !p.empty() && p != p.root_path() && !std::filesystem::exists(p, ec); p = p.parent_path()) {
    top = p;
  }
  std::filesystem::create_directories(path, ec);
  if (ec) {
    *error = "cannot create output folder " + path.string() + ": " + ec.message();
    return std::nullopt;
  }
  d.created_top_ = top;
  return d;
}

void OutDir::discard() const {
  std::error_code ec;
  std::vector<std::filesystem::path> ours;
  for (std::filesystem::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec)) {
    if (written_by_wdsim(it->path()) && !is_point_log_name(it->path().filename().string())) {
      ours.push_back(it->path());
    }
  }
  for (const auto& p : ours) std::filesystem::remove_all(p, ec);
  if (!created_top_) return;
  // The folders it created, innermost first; remove() leaves one that is not empty.
  for (auto p = path_;; p = p.parent_path()) {
    if (!std::filesystem::remove(p, ec) || p == *created_top_ || p.empty()) break;
  }
}

}  // namespace wdsim
