#include "sim/base/config_yaml.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

namespace wdsim::config_yaml {

SourceLocation mark_location(const std::string& file, const YAML::Mark& m) {
  if (m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

// Checks a parsed node before anything else reads it: every map key a non-empty scalar given
// once, no alias that contains itself, nesting at most `depth_budget` levels, at most
// kConfigMaxNodes keys and values with every alias expanded (an alias bomb expands
// exponentially). Each distinct map or list is walked once: an alias of one already checked
// adds its remembered size and height, so the check is linear in the text however much the
// aliases expand. `base` is the key path of `node`; `where` locates every error when the
// node came from a --set value.
void check_node(const YAML::Node& node, const std::string& base, int depth_budget,
                const std::string& file, const std::optional<SourceLocation>& where) {
  if (!node.IsMap() && !node.IsSequence()) return;
  // A map or list is known by its place in the text (an alias shares its anchor's node).
  using Id = std::tuple<int, int, int>;
  auto id_of = [](const YAML::Node& n) {
    const YAML::Mark m = n.Mark();
    return Id{m.line, m.column, static_cast<int>(n.Type())};
  };
  struct Checked {
    size_t size;  // keys and values, aliases expanded
    int height;   // levels of maps and lists below
  };
  std::map<Id, Checked> checked;
  std::set<Id> open;  // on the walk's path
  struct Frame {
    YAML::Node node;
    std::string path;
    Id id;
    std::vector<std::pair<YAML::Node, std::string>> children;
    size_t next = 0;
    size_t size = 1;
    int height = 0;
  };
  std::vector<Frame> stack;
  auto at = [&](const YAML::Mark& m) { return where ? *where : mark_location(file, m); };
  auto too_many = [&](const YAML::Mark& m, const std::string& path) {
    config_error(at(m), path,
                 "more than " + std::to_string(kConfigMaxNodes) +
                     " keys and values with every alias expanded (an alias bomb?)");
  };
  auto too_deep = [&](const YAML::Mark& m, const std::string& path) {
    config_error(at(m), path,
                 "nested more than " + std::to_string(kConfigMaxDepth) + " levels deep");
  };
  auto open_frame = [&](const YAML::Node& n, const std::string& path) {
    if (static_cast<int>(stack.size()) > depth_budget) too_deep(n.Mark(), path);
    Frame f{n, path, id_of(n), {}};
    auto child_path = [&](const std::string& k) { return path.empty() ? k : path + "." + k; };
    if (n.IsMap()) {
      std::map<std::string, YAML::Mark> seen;
      for (auto kv = n.begin(); kv != n.end(); ++kv) {
        const YAML::Node key = kv->first;  // a copy: the iterator hands out a temporary
        if (key.IsNull()) config_error(at(key.Mark()), path, "a key that is null (empty)");
        if (!key.IsScalar()) {
          config_error(at(key.Mark()), path, "a key that is a map or a list, not a name");
        }
        const std::string k = key.Scalar();
        if (k.empty()) config_error(at(key.Mark()), path, "an empty key");
        if (auto [first, fresh] = seen.emplace(k, key.Mark()); !fresh) {
          config_error(at(key.Mark()), child_path(k),
                       where ? std::string("key given twice")
                             : "key given twice (first at " +
                                   mark_location(file, first->second).str() + ")");
        }
        f.size += 1;  // the key
        f.children.emplace_back(kv->second, child_path(k));
      }
    } else {
      for (size_t i = 0; i < n.size(); ++i) {
        f.children.emplace_back(n[i], child_path(std::to_string(i)));
      }
    }
    open.insert(f.id);
    stack.push_back(std::move(f));
  };
  open_frame(node, base);
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next < f.children.size()) {
      const auto& [child, path] = f.children[f.next++];
      if (!child.IsMap() && !child.IsSequence()) {
        if (++f.size > kConfigMaxNodes) too_many(child.Mark(), path);
        continue;
      }
      const Id id = id_of(child);
      if (open.count(id)) {
        config_error(at(child.Mark()), path,
                     "an alias inside the value it names (it nests forever)");
      }
      if (auto c = checked.find(id); c != checked.end()) {
        const int depth = static_cast<int>(stack.size());
        if (depth + c->second.height > depth_budget) too_deep(child.Mark(), path);
        f.size += c->second.size;
        f.height = std::max(f.height, c->second.height + 1);
        if (f.size > kConfigMaxNodes) too_many(child.Mark(), path);
        continue;
      }
      const YAML::Node c = child;
      const std::string p = path;
      open_frame(c, p);  // invalidates f
      continue;
    }
    const Checked done{f.size, f.height};
    const Id id = f.id;
    open.erase(id);
    checked.emplace(id, done);
    stack.pop_back();
    if (!stack.empty()) {
      Frame& parent = stack.back();
      parent.size += done.size;
      parent.height = std::max(parent.height, done.height + 1);
      if (parent.size > kConfigMaxNodes) too_many(parent.node.Mark(), parent.path);
    }
  }
}

namespace {

// Where the second document of `text` starts, if it has one. Documents are read one at a time
// and never more than two: yaml-cpp's LoadAll never ends on some inputs (a lone ',' at the top
// level makes it return empty documents forever, growing until memory runs out).
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    start = mark;
    first_node.reset();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}
  YAML::Mark start = YAML::Mark::null_mark();
  std::optional<YAML::Mark> first_node;  // of the current document

 private:
  void node(const YAML::Mark& m) {
    if (!first_node) first_node = m;
  }
};

struct SecondDocument {
  YAML::Mark start;       // where yaml-cpp saw it begin
  YAML::Mark first_node;  // its first node (null_mark() when empty)
};

std::optional<SecondDocument> second_document(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  if (!parser.HandleNextDocument(counter)) return std::nullopt;
  if (!parser.HandleNextDocument(counter)) return std::nullopt;
  return SecondDocument{counter.start, counter.first_node.value_or(YAML::Mark::null_mark())};
}

// The error for a second document: at its first node, or (an empty document has none) at the
// line of the last document marker. A document that does not begin at a marker is text
// yaml-cpp could not read as part of the first (a stray top-level ',').
[[noreturn]] void second_document_error(const std::string& text, const std::string& file,
                                        const SecondDocument& d) {
  SourceLocation at = mark_location(file, d.first_node);
  if (at.line == 0) {
    int line = 1;
    for (size_t i = 0; i < text.size(); ++i) {
      if ((i == 0 || text[i - 1] == '\n') && text.compare(i, 3, "---") == 0) at = {file, line, 1};
      if (text[i] == '\n') ++line;
    }
  }
  const size_t pos = d.start.pos < 0 ? 0 : static_cast<size_t>(d.start.pos);
  const bool marker = text.compare(std::min(pos, text.size()), 3, "---") == 0;
  if (marker) {
    config_error(at, "", "a second YAML document (after ---): a scenario is one document");
  }
  if (at.line == 0) at = mark_location(file, d.start);
  config_error(at, "",
               "text past the end of the YAML document (a stray ',' at the top level?): a "
               "scenario is one document, a map of sections");
}

}  // namespace

// Parses one YAML document; a second one (or text yaml-cpp reads as one) is an error.
YAML::Node load_one_document(const std::string& text, const std::string& file) {
  YAML::Node doc;
  try {
    if (const auto second = second_document(text)) second_document_error(text, file, *second);
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    config_error(mark_location(file, e.mark), "", "YAML syntax error: " + e.msg);
  }
  return doc;
}

bool has_second_document(const std::string& text) { return second_document(text).has_value(); }

std::string read_scenario_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO does not wait for a writer; only a regular file is read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    config_error({path, 0, 0}, "",
                 std::string("cannot open scenario file: ") + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    config_error({path, 0, 0}, "",
                 std::string("cannot open scenario file: ") + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) config_error({path, 0, 0}, "", "is a directory, not a scenario file");
  if (!S_ISREG(st.st_mode)) {
    config_error({path, 0, 0}, "", "is not a regular file (a device, FIFO or socket)");
  }
  // Read at most one byte past the limit: a file that grows or lies about its size (procfs)
  // is still bounded.
  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      config_error({path, 0, 0}, "",
                   std::string("cannot read scenario file: ") + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kConfigMaxFileBytes) {
      config_error({path, 0, 0}, "",
                   "larger than " + std::to_string(kConfigMaxFileBytes) + " bytes (a scenario)");
    }
  }
  return text;
}

}  // namespace wdsim::config_yaml
