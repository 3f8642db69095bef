// The headers `wdsim cc` gives a program (embedded by tools/embed_headers.sh), and the command
// itself: `wdsim cc SRC... -o PROG.so [FLAGS...]` compiles and links a program for `wdsim exec`.
#pragma once

#include <string>
#include <vector>

namespace wdsim {

struct EmbeddedHeader {
  std::string name;  // "wd_comp.h", "wdsim.h"
  std::string text;
};
const std::vector<EmbeddedHeader>& exec_headers();

// Writes the headers into `dir` (UADK's as dir/uadk/NAME, so both <uadk/wd_comp.h> and
// "wd_comp.h" work with -I dir -I dir/uadk; wdsim.h as dir/wdsim.h). False with `why` on error.
bool write_exec_headers(const std::string& dir, std::string* why);

// `wdsim cc ARGS...`: runs the C compiler ($CC, else cc) as
//   CC -fPIC -shared -fexceptions -pthread -I H -I H/uadk ARGS... -Wl,--wrap=NAME...
// with the headers written to a fresh directory H (removed afterwards), passing its output
// through. Returns the compiler's exit status (127 if it cannot be run). With `headers_dir`
// set, only writes the headers there and returns 0 (for a build system of the user's own).
int cc_command(const std::vector<std::string>& args, const std::string& headers_dir);

}  // namespace wdsim
