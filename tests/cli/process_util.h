#pragma once
// The armed executable as a process of its own: started in the background, waited for, signalled;
// and the comparison of two model directories.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "test_util.h"

namespace armed::test {

// The armed executable started in the background with `args` (and the environment variables
// `env`, "NAME=value ..."), its output going to `log`.
class Background {
 public:
  Background(const std::string& args, const std::string& log, const std::string& env = "") : log_(log) {
    const std::string cmd = "exec env " + env + " " + std::string(ARMED_CLI) + " " + args + " > " + log + " 2>&1";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0 && !done_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  // Waits until the output holds `text`; false if the process ended first.
  bool wait_for(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      if (read_text(log_).find(text) != std::string::npos) return true;
      if (ended()) return read_text(log_).find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  // Waits at most `limit` for the process to end; false if it still runs.
  bool wait_end(std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!ended() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return done_;
  }
  int signal_and_wait(int signal) {
    if (!done_) {
      ::kill(pid_, signal);
      ::waitpid(pid_, &status_, 0);
      done_ = true;
    }
    return status_;
  }
  int status() const { return status_; }  // waitpid's, once ended
  pid_t pid() const { return pid_; }
  std::string output() const { return read_text(log_); }

 private:
  bool ended() {
    if (!done_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) done_ = true;
    return done_;
  }
  std::string log_;
  pid_t pid_ = -1;
  bool done_ = false;
  int status_ = 0;
};

inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The same model: the same files, weights.pt byte for byte, config.json but for its timings.
inline void expect_same_model(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::set<std::string> files_a, files_b;
  for (const auto& e : fs::directory_iterator(a)) files_a.insert(e.path().filename().string());
  for (const auto& e : fs::directory_iterator(b)) files_b.insert(e.path().filename().string());
  EXPECT_EQ(files_a, files_b);
  EXPECT_TRUE(file_bytes(a + "/weights.pt") == file_bytes(b + "/weights.pt")) << a << " and " << b << ": weights.pt differ";
  auto untimed = [](const std::string& dir) {
    auto j = nlohmann::json::parse(read_text(dir + "/config.json"));
    for (auto& epoch : j["training"]["epochs"]) epoch.erase("samples_per_second");
    return j;
  };
  EXPECT_EQ(untimed(a), untimed(b));
}

}  // namespace armed::test
