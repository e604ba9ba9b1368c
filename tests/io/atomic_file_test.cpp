#include "io/atomic_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "test_util.h"

namespace armed {
namespace fs = std::filesystem;

// A writer that fails leaves the previous file as it was, and no staging file beside it.
TEST(AtomicFile, AFailedWriteLeavesThePreviousFile) {
  test::TempDir dir;
  const std::string path = dir.write("out.csv", "old\n");
  EXPECT_THROW(write_file_atomic(path, [](std::ostream& os) {
                 os << "half";
                 throw std::runtime_error("interrupted");
               }),
               std::runtime_error);
  EXPECT_EQ(test::read_text(path), "old\n");
  write_file_atomic(path, [](std::ostream& os) { os << "new\n"; });
  EXPECT_EQ(test::read_text(path), "new\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(fs::path(path).parent_path()), fs::directory_iterator{}), 1);
}

// A directory written whole: a failure inside leaves the previous one and no staging sibling; a
// failed write names the directory and the reason.
TEST(AtomicFile, AFailedDirectoryWriteLeavesThePreviousDirectory) {
  test::TempDir dir;
  const std::string target = dir.file("model");
  write_directory_atomic(target, "the model", [](const std::string& staged) {
    write_file_atomic(staged + "/a.txt", [](std::ostream& os) { os << "old\n"; });
  });
  EXPECT_THROW(write_directory_atomic(target, "the model",
                                      [](const std::string& staged) {
                                        write_file_atomic(staged + "/a.txt", [](std::ostream& os) { os << "new\n"; });
                                        throw std::runtime_error("interrupted");
                                      }),
               std::runtime_error);
  try {
    write_directory_atomic(target, "the model", [](const std::string&) { throw WriteFailed("x", "No space left on device"); });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), target + ": cannot write the model (No space left on device)");
  }
  EXPECT_EQ(test::read_text(target + "/a.txt"), "old\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.file("")), fs::directory_iterator{}), 1);
}

// A pipe (as /dev/stdout may be) is written through, not replaced by a regular file. Its reading
// end is open first (without blocking), so the small output waits in the pipe's buffer.
TEST(AtomicFile, APipeIsWrittenThrough) {
  test::TempDir dir;
  const std::string path = dir.file("pipe");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  write_file_atomic(path, [](std::ostream& os) { os << "a,b\n1,2\n"; });
  char buffer[64] = {};
  const ssize_t got = ::read(reader, buffer, sizeof buffer - 1);
  ::close(reader);
  EXPECT_EQ(std::string(buffer, got > 0 ? static_cast<size_t>(got) : 0), "a,b\n1,2\n");
  EXPECT_TRUE(fs::is_fifo(path));
}

}  // namespace armed
