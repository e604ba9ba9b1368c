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

// Writes directory `dir` whole: `fill` writes its files into the staging sibling it is given, which
// then replaces `dir` by renames; on any failure the staging directory is removed and `dir` is as
// it was. A failed write or directory creation becomes "dir: cannot write <what> (reason)".
void write_directory_atomic(const std::string& dir, const std::string& what, const std::function<void(const std::string& staged)>& fill);

// A sibling path of `path` unique to this process, for staging.
std::string staging_path(const std::string& path);

}  // namespace armed
