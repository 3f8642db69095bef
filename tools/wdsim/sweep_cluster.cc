#include "tools/wdsim/sweep_cluster.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include "tools/wdsim/sweep_results.h"

namespace wdsim {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitSimulationError = 1;
constexpr int kExitBadInput = 2;

// The manifest's format; gather refuses another.
constexpr int kManifestFormat = 1;
constexpr const char* kManifestFile = "sweep.json";
constexpr const char* kSlurmScript = "sweep.sbatch";
constexpr const char* kParallelJobs = "parallel_jobs.txt";
constexpr const char* kStatusFile = "status.json";

// `text` as one sh word: in single quotes, each ' written as '\''.
std::string sh_quote(const std::string& text) {
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string sh_words(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& w : words) line += (line.empty() ? "" : " ") + sh_quote(w);
  return line;
}

std::filesystem::path absolute_path(const std::filesystem::path& p) {
  std::error_code ec;
  auto a = std::filesystem::absolute(p, ec);
  return ec ? p : a.lexically_normal();
}

// This program's own file, absolute, for the nodes that run the points.
std::string wdsim_binary() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("wdsim") : exe.string();
}

// One point's command with its logs: `mkdir -p DIR && WDSIM run ... >DIR/stdout.txt
// 2>DIR/stderr.txt`, every path absolute.
std::string point_line(const SweepRequest& req, const std::string& wdsim,
                       const std::string& scenario, const std::vector<std::string>& point,
                       const std::filesystem::path& dir) {
  const std::string d = dir.string();
  return "mkdir -p " + sh_quote(d) + " && " +
         sh_words(point_command(req, wdsim, scenario, point, d)) + " >" +
         sh_quote(d + "/stdout.txt") + " 2>" + sh_quote(d + "/stderr.txt");
}

bool write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

// The job's name: "wdsim-" and the scenario's name, each character outside [A-Za-z0-9._-] as
// '_' (an #SBATCH line is not a shell line, so the name is not quoted).
std::string slurm_job_name(const std::string& name) {
  std::string n = "wdsim-" + name;
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  return n;
}

std::string slurm_script(const std::string& name, size_t points, unsigned jobs,
                         const std::vector<std::string>& lines) {
  std::ostringstream s;
  s << "#!/bin/sh\n"
    << "# wdsim sweep " << name << ": " << points
    << " points, one per array task (written by wdsim run --emit slurm; sweep.json beside it "
       "is its manifest).\n"
    << "# Each task writes its point's folder (stdout.txt, stderr.txt, status.json and the "
       "run's outputs); then: wdsim gather on this folder.\n"
    << "#SBATCH --job-name=" << slurm_job_name(name) << "\n"
    << "#SBATCH --array=0-" << points - 1 << "%" << jobs << "\n"
    << "#SBATCH --ntasks=1\n"
    << "#SBATCH --output=/dev/null\n"
    << "#SBATCH --error=/dev/null\n"
    << "case \"${SLURM_ARRAY_TASK_ID:-}\" in\n";
  for (size_t i = 0; i < lines.size(); ++i) s << "  " << i << ") " << lines[i] << " ;;\n";
  s << "  *) echo \"wdsim sweep: no point for array task '${SLURM_ARRAY_TASK_ID:-}' (0 to "
    << points - 1 << ")\" >&2; exit 2 ;;\n"
    << "esac\n";
  return s.str();
}

// A located complaint about the manifest: gather's exit 2.
struct ManifestError {
  std::string what;
};

const nlohmann::json& field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw ManifestError{where + ": no '" + key + "'"};
  return j.at(key);
}

std::vector<std::string> strings(const nlohmann::json& j, const std::string& where) {
  if (!j.is_array()) throw ManifestError{where + " is not a list"};
  std::vector<std::string> out;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) {
      throw ManifestError{where + "[" + std::to_string(i) + "] is not a string"};
    }
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

SweepPlan read_plan(const std::filesystem::path& file) {
  const std::string where = file.string();
  std::ifstream in(file);
  if (!in) {
    throw ManifestError{where + ": cannot read it (not a folder that wdsim run --emit wrote?)"};
  }
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    throw ManifestError{where + ": not JSON: " + e.what()};
  }
  const auto& format = field(j, "wdsim_sweep_format", where);
  if (!format.is_number_integer() || format.get<int>() != kManifestFormat) {
    throw ManifestError{where + ": wdsim_sweep_format is " + format.dump() + ", this wdsim reads " +
                        std::to_string(kManifestFormat)};
  }
  SweepPlan plan;
  const auto& name = field(j, "name", where);
  if (!name.is_string()) throw ManifestError{where + ": name is not a string"};
  plan.name = name.get<std::string>();
  const auto& jobs = field(j, "jobs", where);
  if (!jobs.is_number_unsigned() || jobs.get<uint64_t>() == 0 ||
      jobs.get<uint64_t>() > std::numeric_limits<unsigned>::max()) {
    throw ManifestError{where + ": jobs is not a whole number from 1"};
  }
  plan.jobs = jobs.get<unsigned>();
  const auto& axes = field(j, "axes", where);
  if (!axes.is_array() || axes.empty()) throw ManifestError{where + ": axes is not a list of axes"};
  for (size_t a = 0; a < axes.size(); ++a) {
    const std::string at = where + ": axes[" + std::to_string(a) + "]";
    plan.axis_keys.push_back(strings(field(axes[a], "keys", at), at + ".keys"));
    if (plan.axis_keys.back().empty()) throw ManifestError{at + ".keys is empty"};
  }
  const auto& points = field(j, "points", where);
  if (!points.is_array() || points.empty() || points.size() > kMaxSweepPoints) {
    throw ManifestError{where + ": points is not a list of 1 to " +
                        std::to_string(kMaxSweepPoints) + " points"};
  }
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string at = where + ": points[" + std::to_string(i) + "]";
    const auto& folder = field(points[i], "folder", at);
    if (!folder.is_string() || folder.get<std::string>() != point_name(i)) {
      throw ManifestError{at + ".folder is not \"" + point_name(i) + "\""};
    }
    plan.points.push_back(strings(field(points[i], "sets", at), at + ".sets"));
  }
  return plan;
}

// How a point ended, from its folder's status.json.
PointResult read_status(const std::filesystem::path& dir, double* started, double* finished) {
  PointResult r;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    r.missing_why = "no folder: the point has not started";
    return r;
  }
  std::ifstream in(dir / kStatusFile);
  if (!in) {
    r.missing_why =
        "no status.json: not run yet, still running, or ended before writing it (killed, "
        "out of memory, a crash)";
    return r;
  }
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception&) {
    r.missing_why = "status.json is not JSON";
    return r;
  }
  if (!j.is_object() || !j.contains("exit_code") || !j["exit_code"].is_number_integer()) {
    r.missing_why = "status.json has no exit_code";
    return r;
  }
  r.finished = true;
  r.exit_code = j["exit_code"].get<int>();
  if (j.contains("started_unix_seconds") && j["started_unix_seconds"].is_number() &&
      j.contains("finished_unix_seconds") && j["finished_unix_seconds"].is_number()) {
    *started = std::min(*started, j["started_unix_seconds"].get<double>());
    *finished = std::max(*finished, j["finished_unix_seconds"].get<double>());
  }
  return r;
}

}  // namespace

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void write_point_status(const std::filesystem::path& dir, int exit_code, double started_unix_s) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  const nlohmann::ordered_json j = {{"exit_code", exit_code},
                                    {"host", host},
                                    {"started_unix_seconds", started_unix_s},
                                    {"finished_unix_seconds", unix_seconds_now()}};
  write_text(dir / kStatusFile, j.dump(2) + "\n");
}

int emit_sweep(const Scenario& scenario, const SweepRequest& req, const std::string& kind) {
  const auto out = absolute_path(req.out_dir);
  const std::string scenario_path = absolute_path(req.scenario_path).string();
  const std::string wdsim = wdsim_binary();
  const SweepPlan plan = sweep_plan(scenario, req.jobs);
  std::vector<std::string> lines;
  nlohmann::ordered_json points = nlohmann::ordered_json::array();
  for (size_t i = 0; i < plan.points.size(); ++i) {
    lines.push_back(point_line(req, wdsim, scenario_path, plan.points[i], out / point_name(i)));
    points.push_back({{"folder", point_name(i)}, {"sets", plan.points[i]}});
  }
  nlohmann::ordered_json axes = nlohmann::ordered_json::array();
  for (const auto& a : scenario.sweep) axes.push_back({{"key", a.key}, {"keys", a.keys}});
  const bool slurm = kind == "slurm";
  const std::string script = slurm ? kSlurmScript : kParallelJobs;
  const nlohmann::ordered_json manifest = {{"wdsim_sweep_format", kManifestFormat},
                                           {"name", plan.name},
                                           {"scenario", scenario_path},
                                           {"sets", req.sets},
                                           {"seed_override", req.seed},
                                           {"seed", scenario.seed},
                                           {"jobs", plan.jobs},
                                           {"wdsim", wdsim},
                                           {"emit", kind},
                                           {"script", script},
                                           {"axes", axes},
                                           {"points", points}};
  std::string text;
  if (slurm) {
    text = slurm_script(plan.name, plan.points.size(), plan.jobs, lines);
  } else {
    for (const auto& l : lines) text += l + "\n";
  }
  if (!write_text(out / kManifestFile, manifest.dump(2) + "\n") ||
      !write_text(out / script, text)) {
    std::cerr << "wdsim: cannot write the sweep's manifest and script in " << out.string() << "\n";
    return kExitSimulationError;
  }
  if (slurm) {
    std::error_code ec;
    std::filesystem::permissions(out / script, std::filesystem::perms::owner_exec,
                                 std::filesystem::perm_options::add, ec);
  }
  std::cout << "wdsim sweep: " << plan.name << " (" << plan.points.size()
            << " points): " << (slurm ? "a Slurm job array" : "a GNU parallel job list") << " in "
            << out.string() << " (manifest sweep.json); nothing ran\n";
  if (slurm) {
    std::cout << "submit:  sbatch " << sh_quote((out / script).string()) << "   (at most "
              << plan.jobs << " points at once: --jobs)\n";
  } else {
    std::cout << "run:     parallel --jobs " << plan.jobs << " < "
              << sh_quote((out / script).string())
              << "   (with --sshloginfile FILE to spread the points over machines)\n";
  }
  std::cout << "then:    " << sh_quote(wdsim) << " gather " << sh_quote(out.string())
            << "   (OUT and wdsim at the same paths on every node)\n";
  return kExitOk;
}

int gather_sweep(const std::filesystem::path& out_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(out_dir, ec)) {
    std::cerr << "wdsim gather: " << out_dir.string() << " is not a folder\n";
    return kExitBadInput;
  }
  SweepPlan plan;
  try {
    plan = read_plan(out_dir / kManifestFile);
  } catch (const ManifestError& e) {
    std::cerr << "wdsim gather: " << e.what << "\n";
    return kExitBadInput;
  }
  std::vector<PointResult> results;
  double started = std::numeric_limits<double>::infinity();
  double finished = -std::numeric_limits<double>::infinity();
  size_t failed = 0, missing = 0;
  for (size_t i = 0; i < plan.points.size(); ++i) {
    results.push_back(read_status(out_dir / point_name(i), &started, &finished));
    if (!results.back().finished) {
      ++missing;
    } else if (results.back().exit_code != 0) {
      ++failed;
    }
  }
  // The sweep's wall time: from the first point's start to the last one's end.
  const double wall = finished >= started ? finished - started : 0.0;
  write_sweep_results(plan, results, out_dir, wall);
  if (failed || missing) {
    std::cerr << "wdsim gather: " << plan.points.size() - failed - missing << " of "
              << plan.points.size() << " points ok, " << failed << " failed, " << missing
              << " missing\n";
    return kExitSimulationError;
  }
  return kExitOk;
}

}  // namespace wdsim
