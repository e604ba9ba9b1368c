#include "io/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "armed/error.h"

namespace armed {
namespace fs = std::filesystem;
namespace {

// Replaces directory `dir` by `staged` (a complete sibling directory) with renames only.
void replace_directory(const std::string& staged, const std::string& dir) {
  std::error_code ec;
  const std::string old = staging_path(dir) + ".old";
  const bool existed = fs::exists(dir);
  if (existed) {
    if (!fs::is_directory(dir)) throw Error(dir + ": exists and is not a directory");
    fs::rename(dir, old, ec);
    if (ec) throw Error(dir + ": cannot replace (" + ec.message() + ")");
  }
  fs::rename(staged, dir, ec);
  if (ec) {
    if (existed) fs::rename(old, dir);
    throw Error(dir + ": cannot write (" + ec.message() + ")");
  }
  if (existed) fs::remove_all(old, ec);
}

}  // namespace

std::string staging_path(const std::string& path) {
  fs::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + ".tmp." + std::to_string(::getpid()))).string();
}

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& writer) {
  // A stream (/dev/stdout, a pipe): written through, never replaced by a renamed regular file.
  const fs::file_status target = fs::status(path);
  if (fs::is_character_file(target) || fs::is_fifo(target)) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw WriteFailed(path, std::strerror(errno));
    writer(out);
    out.flush();
    if (!out) throw WriteFailed(path, std::strerror(errno));
    return;
  }
  const std::string tmp = staging_path(path);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw WriteFailed(path, std::strerror(errno));
      writer(out);
      out.flush();
      if (!out) throw WriteFailed(path, std::strerror(errno));
    }
    fs::rename(tmp, path);
  } catch (const fs::filesystem_error& e) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw WriteFailed(path, e.code().message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

void write_directory_atomic(const std::string& dir, const std::string& what, const std::function<void(const std::string& staged)>& fill) {
  const std::string staged = staging_path(dir);
  std::error_code ec;
  fs::remove_all(staged, ec);
  if (!fs::create_directories(staged, ec) || ec) throw Error(dir + ": cannot write " + what + " (" + ec.message() + ")");
  try {
    fill(staged);
    replace_directory(staged, dir);
  } catch (const WriteFailed& e) {
    fs::remove_all(staged, ec);
    throw Error(dir + ": cannot write " + what + " (" + e.reason() + ")");
  } catch (...) {
    fs::remove_all(staged, ec);
    throw;
  }
}


}  // namespace armed
