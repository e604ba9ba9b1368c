// Long runs that survive: checkpoints and --resume (after SIGKILL and SIGTERM), divergence, and
// output directories that cannot be written, end to end through the armed executable.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/mount.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <thread>

#include "cli/process_util.h"
#include "test_util.h"

namespace armed {
namespace fs = std::filesystem;
using test::read_text;
using test::run_cli;
using test::TempDir;
using test::Background;
using test::expect_same_model;

class Checkpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.file("spiral.csv");
    ASSERT_EQ(run_cli("--quiet simulate spiral --seed 4 --out " + data_).exit_code, 0);
  }
  std::string train(const std::string& out, const std::string& extra = "") const {
    return "--threads 1 train --data " + data_ + " --target y --cluster cluster --model armed --epochs 12 --seed 9 --out " + out + " " + extra;
  }
  // Trains `command(out)` whole, then again with `checkpoints` until the output shows `line`,
  // kills that run (SIGKILL), resumes it and expects the uninterrupted run's model.
  void expect_killed_run_resumes(const std::function<std::string(const std::string&)>& command, const std::string& checkpoints,
                                 const std::string& line) {
    const std::string whole = dir_.file("whole"), killed = dir_.file("killed");
    auto r = run_cli(command(whole));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    Background run(command(killed) + " " + checkpoints, dir_.file("killed.log"));
    ASSERT_TRUE(run.wait_for(line)) << run.output();
    ASSERT_TRUE(WIFSIGNALED(run.signal_and_wait(SIGKILL))) << "the run ended before it was killed:\n" << run.output();
    ASSERT_FALSE(fs::exists(killed + "/config.json"));
    ASSERT_TRUE(fs::exists(killed + "/checkpoint/trainer.pt"));
    r = run_cli("--threads 1 train --resume " + killed);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("resuming from"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(killed + "/checkpoint"));
    expect_same_model(whole, killed);
  }
  TempDir dir_;
  std::string data_;
};

TEST_F(Checkpoints, RunKilledMidEpochResumesToTheUninterruptedModel) {
  expect_killed_run_resumes([&](const std::string& out) { return train(out); }, "--checkpoint-every 2", "epoch   5/");
}

TEST_F(Checkpoints, SigtermCheckpointsAfterTheCurrentStep) {
  const std::string whole = dir_.file("whole"), stopped = dir_.file("stopped");
  ASSERT_EQ(run_cli(train(whole)).exit_code, 0);
  Background run(train(stopped), dir_.file("stopped.log"));  // no --checkpoint-every: the signal alone checkpoints
  ASSERT_TRUE(run.wait_for("epoch   3/")) << run.output();
  const int status = run.signal_and_wait(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << run.output();
  EXPECT_NE(run.output().find("training interrupted; continue from its checkpoint"), std::string::npos) << run.output();
  const auto checkpoint = nlohmann::json::parse(read_text(stopped + "/checkpoint/checkpoint.json"));
  EXPECT_GE(checkpoint["epoch"].get<int>(), 3);
  // A fresh run into the directory refuses to discard the checkpoint.
  auto r = run_cli(train(stopped));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("a checkpoint of an earlier run"), std::string::npos) << r.out;
  r = run_cli("--threads 1 --quiet train --resume " + stopped);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  expect_same_model(whole, stopped);
}

TEST_F(Checkpoints, ImageModelResumesToTheUninterruptedModel) {
  const std::string p = dir_.file("img");
  ASSERT_EQ(run_cli("--quiet simulate images --clusters 4 --images-per-cluster 150 --size 24 --seed 2 --out " + p).exit_code, 0);
  const std::string args = "--threads 1 train --data " + p + ".csv --images " + p + ".npy --target y --cluster cluster --model cnn-armed "
                           "--filters 4,8 --block-effects all --epochs 10 --seed 3 --out ";
  expect_killed_run_resumes([&](const std::string& out) { return args + out; }, "--checkpoint-every 1", "epoch   4/");
}

TEST_F(Checkpoints, SameSeedAndThreadsGiveTheSameFiles) {
  const std::string p = dir_.file("img");
  ASSERT_EQ(run_cli("--quiet simulate images --clusters 4 --images-per-cluster 100 --size 24 --seed 2 --out " + p).exit_code, 0);
  const std::string args = "--quiet train --data " + p + ".csv --images " + p + ".npy --target y --cluster cluster --model cnn-armed "
                           "--filters 4,8 --epochs 2 --seed 3 --out ";
  for (const std::string run : {"a", "b"}) ASSERT_EQ(run_cli("--threads 2 " + args + dir_.file(run)).exit_code, 0);
  expect_same_model(dir_.file("a"), dir_.file("b"));
}

TEST_F(Checkpoints, ResumeRefusesOtherOptionsAndMissingCheckpoints) {
  auto r = run_cli("--quiet train --resume " + dir_.file("nothing"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("no checkpoint there"), std::string::npos) << r.out;
  r = run_cli("--quiet train --resume " + dir_.file("nothing") + " --epochs 3");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--epochs: --resume continues the run"), std::string::npos) << r.out;
}

TEST_F(Checkpoints, DivergenceNamesTheStepAndWritesNoModel) {
  const std::string out = dir_.file("diverged");
  auto r = run_cli("--quiet " + train(out, "--lr 1e3 --task regression --target x1 --features x2"));
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("training diverged at epoch "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", step "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a lower --lr than 1000"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(Checkpoints, FullDiskLeavesThePreviousModel) {
  const std::string out = dir_.file("model");
  ASSERT_EQ(run_cli("--quiet " + train(out, "--epochs 1")).exit_code, 0);
  const std::string before = test::file_bytes(out + "/weights.pt");
  // A file size limit makes writes fail as a full disk does (SIGXFSZ ignored: write returns an error).
  const std::string limited = "-c \"trap '' XFSZ; ulimit -f 8; exec " + std::string(ARMED_CLI) + " --quiet " + train(out, "--epochs 2 --seed 1") + "\"";
  auto r = test::run_command("/bin/sh " + limited);
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find(out + ": cannot write the model"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_TRUE(test::file_bytes(out + "/weights.pt") == before);
  EXPECT_EQ(run_cli("--quiet predict --model " + out + " --data " + data_ + " --out " + dir_.file("p.csv")).exit_code, 0);
}

TEST_F(Checkpoints, ReadOnlyOutputFailsBeforeTraining) {
  const std::string readonly = dir_.file("readonly");
  fs::create_directory(readonly);
  const bool mounted = ::mount("tmpfs", readonly.c_str(), "tmpfs", MS_RDONLY, "size=1m") == 0;
  if (!mounted) {
    if (::geteuid() == 0) GTEST_SKIP() << "needs a read-only mount (not permitted here) or a non-root user";
    fs::permissions(readonly, fs::perms::owner_read | fs::perms::owner_exec);
  }
  auto r = run_cli("--quiet " + train(readonly + "/model"));
  if (mounted) ::umount(readonly.c_str());
  else fs::permissions(readonly, fs::perms::owner_all);
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("--out " + readonly + "/model: cannot write there"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_EQ(r.out.find("epoch"), std::string::npos) << "trained before failing:\n" << r.out;
}

}  // namespace armed
