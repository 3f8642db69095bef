// The output folder of `wdsim run --out DIR`. A folder that does not exist is created. An
// existing one is reused only when everything in it is something wdsim writes (its output
// files, a sweep's point-NNN folders holding the same): those are removed first, so no stale
// file of an earlier run survives (but for stdout.txt and stderr.txt, the sweep runner's logs
// of the point run in that folder; a new sweep removes whole point folders). A folder holding
// anything else is refused (bad input), so wdsim never deletes a file it did not write. A run that
// fails on bad input after the folder was prepared calls discard(): what it wrote goes, and the
// folder too if wdsim created it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace wdsim {

class OutDir {
 public:
  // Prepares `path`; returns nullopt and sets *error (a sentence naming the folder) when the
  // folder cannot be used.
  static std::optional<OutDir> prepare(const std::filesystem::path& path, std::string* error);

  const std::filesystem::path& path() const { return path_; }
  // Removes everything wdsim wrote in the folder, and the folder if prepare() created it.
  void discard() const;

  // Whether `name` is a file or folder wdsim writes in an output folder.
  static bool written_by_wdsim(const std::filesystem::path& entry);

 private:
  std::filesystem::path path_;
  std::optional<std::filesystem::path> created_top_;  // the outermost folder prepare() created
};

}  // namespace wdsim
