#pragma once
#include <functional>
#include <ostream>
#include <string>

#include "armed/error.h"

namespace armed {

// A write that failed: the path and the system's reason (e.g. "No space left on device").
class WriteFailed : public Error {
 public:
  WriteFailed(const std::string& path, const std::string& reason) : Error(path + ": cannot write (" + reason + ")"), reason_(reason) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

// Writes a file through `writer` into a temporary sibling and renames it into place, so a crash
// or an exception never leaves a half-written file at `path`. A device or pipe at `path` (e.g.
// /dev/stdout) is written through instead.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& writer);

// Replaces directory `dir` by `staged` (a complete sibling directory) with renames only.
void replace_directory(const std::string& staged, const std::string& dir);

// A sibling path of `path` unique to this process, for staging.
std::string staging_path(const std::string& path);

}  // namespace armed
