#include "tools/wdsim/calibrate.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "sim/base/config_yaml.h"

extern char** environ;

namespace wdsim {

namespace {

namespace fs = std::filesystem;

constexpr const char* kBegin = "<!-- calibration table: begin -->";
constexpr const char* kEnd = "<!-- calibration table: end -->";

struct Figure {
  std::string id, role, what, unit, source, scenario, stat, field, expect, why;
  std::vector<std::string> sets;
  double published = 0, to_stat = 1, band = 0.25;
  size_t run = 0;  // index into the runs
  std::optional<double> simulated;
};

struct Run {
  std::string scenario;  // resolved path
  std::vector<std::string> sets;
  fs::path dir;
  std::map<std::string, double> stats;  // "key/field" -> value
};

struct BadFile : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string where(const std::string& file, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return file + ":" + std::to_string(m.line + 1);
}

std::string text(const std::string& file, const YAML::Node& f, const char* key, bool required,
                 const std::string& fallback = "") {
  const YAML::Node v = f[key];
  if (!v) {
    if (required) throw BadFile(where(file, f) + ": figure needs `" + key + "`");
    return fallback;
  }
  if (!v.IsScalar()) throw BadFile(where(file, v) + ": `" + key + "` must be a scalar");
  return v.as<std::string>();
}

double number(const std::string& file, const YAML::Node& f, const char* key, bool required,
              double fallback) {
  const YAML::Node v = f[key];
  if (!v) {
    if (required) throw BadFile(where(file, f) + ": figure needs `" + key + "`");
    return fallback;
  }
  double d = 0;
  if (!v.IsScalar() || !YAML::convert<double>::decode(v, d) || !std::isfinite(d)) {
    throw BadFile(where(file, v) + ": `" + key + "` must be a number");
  }
  return d;
}

std::vector<Figure> load_figures(const std::string& path) {
  const std::string file_text = config_yaml::read_scenario_file(path);
  const YAML::Node root = config_yaml::load_one_document(file_text, path);
  const YAML::Node list = root["figures"];
  if (!list || !list.IsSequence() || list.size() == 0) {
    throw BadFile(path + ": needs a non-empty `figures:` list");
  }
  std::vector<Figure> out;
  std::map<std::string, bool> ids;
  for (const YAML::Node& f : list) {
    if (!f.IsMap()) throw BadFile(where(path, f) + ": a figure is a map");
    Figure g;
    g.id = text(path, f, "id", true);
    if (ids[g.id]) throw BadFile(where(path, f) + ": duplicate id " + g.id);
    ids[g.id] = true;
    g.role = text(path, f, "role", true);
    if (g.role != "fit" && g.role != "validation") {
      throw BadFile(where(path, f) + ": role must be fit or validation, not " + g.role);
    }
    g.what = text(path, f, "what", true);
    g.published = number(path, f, "published", true, 0);
    if (g.published <= 0) throw BadFile(where(path, f) + ": published must be > 0");
    g.unit = text(path, f, "unit", true);
    g.to_stat = number(path, f, "to_stat", false, 1.0);
    g.source = text(path, f, "source", true);
    g.scenario = text(path, f, "scenario", true);
    g.stat = text(path, f, "stat", true);
    g.field = text(path, f, "field", false, "value");
    g.band = number(path, f, "band", false, 0.25);
    g.expect = text(path, f, "expect", false, "in_band");
    if (g.expect != "in_band" && g.expect != "known_miss") {
      throw BadFile(where(path, f) + ": expect must be in_band or known_miss");
    }
    g.why = text(path, f, "why", g.expect == "known_miss");
    if (const YAML::Node s = f["set"]) {
      if (!s.IsSequence()) throw BadFile(where(path, s) + ": `set` is a list of key=value");
      for (const YAML::Node& v : s) g.sets.push_back(v.as<std::string>());
    }
    for (const auto& kv : f) {
      static const char* known[] = {"id",      "role",   "what",     "published", "unit",
                                    "to_stat", "source", "scenario", "stat",      "field",
                                    "band",    "expect", "why",      "set"};
      const std::string k = kv.first.as<std::string>();
      bool ok = false;
      for (const char* n : known) ok = ok || k == n;
      if (!ok) throw BadFile(where(path, kv.first) + ": unknown key `" + k + "` in a figure");
    }
    out.push_back(std::move(g));
  }
  return out;
}

// `wdsim run SCENARIO --no-sweep --out DIR --set ...`, output to DIR/run.log. 0 on success.
int run_one(const Run& r) {
  fs::create_directories(r.dir.parent_path());
  std::vector<std::string> args = {"/proc/self/exe", "run",   r.scenario,
                                   "--no-sweep",     "--out", r.dir.string()};
  for (const std::string& s : r.sets) {
    args.push_back("--set");
    args.push_back(s);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = r.dir.string() + ".log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// stats.csv: key,kind,field,value,unit.
std::map<std::string, double> read_stats(const fs::path& csv) {
  std::map<std::string, double> out;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cols.push_back(c);
    if (cols.size() < 4) continue;
    try {
      out[cols[0] + "/" + cols[2]] = std::stod(cols[3]);
    } catch (const std::exception&) {
      // a non-numeric value (none today): not a figure
    }
  }
  return out;
}

std::string fmt(double v) {
  char b[64];
  const double a = std::fabs(v);
  std::snprintf(b, sizeof b, a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : "%.4f", v);
  return b;
}

bool in_band(const Figure& f) {
  return f.simulated && std::fabs(*f.simulated / (f.published * f.to_stat) - 1.0) <= f.band;
}

std::string table(const std::vector<Figure>& figs, const std::string& figures_path) {
  std::ostringstream os;
  os << "Generated by `wdsim calibrate " << figures_path
     << " --markdown docs/calibration.md`; do not edit by hand.\n\n";
  os << "| id | role | what | published | simulated | ratio | band | result |\n";
  os << "|---|---|---|---|---|---|---|---|\n";
  for (const Figure& f : figs) {
    const double pub = f.published * f.to_stat;
    std::string sim = "-", ratio = "-", result;
    if (f.simulated) {
      sim = fmt(*f.simulated);
      ratio = fmt(*f.simulated / pub);
    }
    const bool ok = in_band(f);
    if (!f.simulated) {
      result = "no value";
    } else if (f.expect == "known_miss") {
      result = ok ? "in band (marked known_miss)" : "known miss";
    } else {
      result = ok ? "in band" : "**out of band**";
    }
    os << "| " << f.id << " | " << f.role << " | " << f.what << " | " << fmt(f.published) << " "
       << f.unit << " | " << sim << " | " << ratio << " | ±" << std::lround(f.band * 100) << "% | "
       << result << " |\n";
  }
  return os.str();
}

void write_markdown(const std::string& path, const std::string& body) {
  std::ifstream in(path);
  if (!in) throw BadFile(path + ": cannot read (the table goes between its markers)");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const size_t b = doc.find(kBegin), e = doc.find(kEnd);
  if (b == std::string::npos || e == std::string::npos || e < b) {
    throw BadFile(path + ": needs the lines `" + kBegin + "` and `" + kEnd + "`");
  }
  const std::string out =
      doc.substr(0, b + std::string(kBegin).size()) + "\n" + body + doc.substr(e);
  std::ofstream o(path, std::ios::trunc);
  o << out;
  if (!o) throw BadFile(path + ": cannot write");
}

}  // namespace

int run_calibration(const CalibrateRequest& req) {
  std::vector<Figure> figs;
  try {
    figs = load_figures(req.figures_path);
  } catch (const std::exception& e) {
    std::cerr << "wdsim calibrate: " << e.what() << "\n";
    return 2;
  }
  const fs::path base = fs::path(req.figures_path).parent_path();
  const fs::path out =
      req.out_dir.empty() ? fs::path("wdsim_out/calibration") : fs::path(req.out_dir);
  std::vector<Run> runs;
  for (Figure& f : figs) {
    const std::string scen = (base / f.scenario).string();
    size_t i = 0;
    while (i < runs.size() && !(runs[i].scenario == scen && runs[i].sets == f.sets)) ++i;
    if (i == runs.size()) {
      Run r;
      r.scenario = scen;
      r.sets = f.sets;
      r.dir = out / ("run" + std::to_string(i));
      runs.push_back(r);
    }
    f.run = i;
  }
  for (Run& r : runs) {
    std::cerr << "calibrate: " << r.scenario;
    for (const std::string& s : r.sets) std::cerr << " --set " << s;
    std::cerr << "\n";
    const int rc = run_one(r);
    if (rc != 0) {
      std::cerr << "wdsim calibrate: the run of " << r.scenario << " failed (exit " << rc
                << "); its output is in " << r.dir.string() << ".log\n";
      return 2;
    }
    r.stats = read_stats(r.dir / "stats.csv");
  }
  int status = 0;
  for (Figure& f : figs) {
    const auto& st = runs[f.run].stats;
    auto it = st.find(f.stat + "/" + f.field);
    if (it == st.end()) {
      std::cerr << "wdsim calibrate: figure " << f.id << ": no stat " << f.stat << " (field "
                << f.field << ") in " << (runs[f.run].dir / "stats.csv").string() << "\n";
      status = 2;
      continue;
    }
    f.simulated = it->second;
    const bool ok = in_band(f);
    if (f.expect == "in_band" && !ok) {
      std::cerr << "calibrate: " << f.id << " is out of its band\n";
      if (status == 0) status = 1;
    }
    if (f.expect == "known_miss" && ok) {
      std::cerr << "calibrate: " << f.id << " is marked known_miss but is in band now: mark it "
                << "in_band\n";
      if (status == 0) status = 1;
    }
  }
  const std::string body = table(figs, req.figures_path);
  std::cout << body;
  if (!req.markdown.empty()) {
    try {
      write_markdown(req.markdown, body);
    } catch (const std::exception& e) {
      std::cerr << "wdsim calibrate: " << e.what() << "\n";
      return 2;
    }
  }
  return status;
}

}  // namespace wdsim
