// Data-parallel training over c10d (Gloo) on loopback, end to end through the armed executable:
// --nproc 1 is the usual run, two ranks follow one process with the same global batch, and a rank
// that dies, a wrong MASTER_PORT or other data fail every rank with a line naming the rank.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>

#include <cmath>
#include <filesystem>

#include "cli/process_util.h"
#include "test_util.h"

namespace armed {
namespace fs = std::filesystem;
using test::Background;
using test::read_text;
using test::run_cli;
using test::TempDir;

namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string rank_env(int rank, int port) {
  return "RANK=" + std::to_string(rank) + " WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port);
}

nlohmann::json epochs_of(const std::string& model) {
  return nlohmann::json::parse(read_text(model + "/config.json"))["training"]["epochs"];
}

bool close_to(double a, double b, double relative) { return std::abs(a - b) <= relative * std::max(std::abs(a), std::abs(b)) + 1e-9; }

}  // namespace

class Distributed : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.file("spiral.csv");
    ASSERT_EQ(run_cli("--quiet simulate spiral --clusters 10 --points-per-cluster 64 --seed 4 --out " + data_).exit_code, 0);
  }
  // 640 rows in global batches of 60: 11 steps an epoch, the last of 40 rows.
  std::string train(const std::string& out, const std::string& extra = "", const std::string& data = "") const {
    return "--threads 1 train --data " + (data.empty() ? data_ : data) + " --target y --cluster cluster --model armed --epochs 10 --batch-size 60 --seed 9 --out " +
           out + " " + extra;
  }
  TempDir dir_;
  std::string data_;
};

TEST_F(Distributed, OneProcessIsTheUsualRun) {
  const std::string alone = dir_.file("alone"), one = dir_.file("one");
  ASSERT_EQ(run_cli(train(alone)).exit_code, 0);
  const auto r = run_cli(train(one, "--nproc 1"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  test::expect_same_model(alone, one);
}

TEST_F(Distributed, TwoProcessesFollowTheSingleProcessRun) {
  // Sparse random-effect updates: their row gradients are gathered from the ranks.
  const std::string alone = dir_.file("alone"), two = dir_.file("two");
  ASSERT_EQ(run_cli(train(alone, "--re-updates sparse")).exit_code, 0);
  const auto r = run_cli(train(two, "--re-updates sparse --nproc 2"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Rank 0 alone reports: one line per epoch.
  size_t lines = 0;
  for (size_t at = r.out.find("epoch  10/10"); at != std::string::npos; at = r.out.find("epoch  10/10", at + 1)) ++lines;
  EXPECT_EQ(lines, 1u) << r.out;
  // What a step sends, with the random effects' rows gathered rather than all-reduced.
  EXPECT_NE(r.out.find("data parallel over 2 ranks, per step: all-reduce of "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" KiB of random-effect rows from each rank"), std::string::npos) << r.out;
  // The 110 steps' loss terms, summed per epoch, as one process's to 1e-5.
  const auto a = epochs_of(alone), b = epochs_of(two);
  ASSERT_EQ(a.size(), 10u);
  ASSERT_EQ(b.size(), 10u);
  for (size_t e = 0; e < a.size(); ++e) {
    EXPECT_TRUE(close_to(a[e]["loss"], b[e]["loss"], 1e-5)) << "epoch " << e + 1 << ": " << a[e]["loss"] << " vs " << b[e]["loss"];
    for (const auto& [term, value] : a[e]["terms"].items()) {
      const double tolerance = term == "adversary_accuracy" ? 2.0 / 640 : 1e-5;  // a tie may flip an argmax
      EXPECT_TRUE(close_to(value, b[e]["terms"][term], tolerance)) << "epoch " << e + 1 << ", " << term << ": " << value << " vs "
                                                                     << b[e]["terms"][term];
    }
    EXPECT_TRUE(close_to(a[e]["metric"], b[e]["metric"], 1e-4)) << "epoch " << e + 1;
  }
  // The final models predict alike.
  const auto metrics = [&](const std::string& model) {
    const auto out = test::run_command(std::string(ARMED_CLI) + " --quiet evaluate --model " + model + " --data " + data_ + " > " + model + ".json");
    EXPECT_EQ(out.exit_code, 0) << out.out;
    return nlohmann::json::parse(read_text(model + ".json"))["overall"];
  };
  const auto ma = metrics(alone), mb = metrics(two);
  EXPECT_NEAR(ma["auroc"].get<double>(), mb["auroc"].get<double>(), 1e-3);
  EXPECT_NEAR(ma["accuracy"].get<double>(), mb["accuracy"].get<double>(), 2.0 / 640);
}

TEST_F(Distributed, ACheckpointOfTwoRanksResumesInOneProcess) {
  const std::string big = dir_.file("big.csv"), whole = dir_.file("whole"), stopped = dir_.file("stopped");
  ASSERT_EQ(run_cli("--quiet simulate spiral --seed 4 --out " + big).exit_code, 0);  // 10,000 rows: 167 steps an epoch
  const auto command = [&](const std::string& out) { return train(out, "--epochs 6 --nproc 2", big); };
  ASSERT_EQ(run_cli(command(whole)).exit_code, 0);
  Background run(command(stopped), dir_.file("stopped.log"));
  ASSERT_TRUE(run.wait_for("epoch   2/")) << run.output();
  const int status = run.signal_and_wait(SIGTERM);  // the launcher passes it to both ranks
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << run.output();
  EXPECT_NE(run.output().find("training interrupted; continue from its checkpoint"), std::string::npos) << run.output();
  EXPECT_EQ(run.output().find("armed: error: training interrupted\n"), std::string::npos) << "rank 1's line repeats rank 0's:\n" << run.output();
  const auto r = run_cli("--threads 1 train --resume " + stopped);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto a = epochs_of(whole), b = epochs_of(stopped);
  ASSERT_EQ(a.size(), b.size());
  for (size_t e = 0; e < a.size(); ++e)
    EXPECT_TRUE(close_to(a[e]["loss"], b[e]["loss"], 1e-5)) << "epoch " << e + 1 << ": " << a[e]["loss"] << " vs " << b[e]["loss"];
}

TEST_F(Distributed, AKilledRankStopsTheOtherNamingIt) {
  const int port = free_port();
  const std::string out = dir_.file("model");
  const std::string args = train(out, "--epochs 100000 --dist-timeout 20");
  Background zero(args, dir_.file("zero.log"), rank_env(0, port)), one(args, dir_.file("one.log"), rank_env(1, port));
  ASSERT_TRUE(zero.wait_for("epoch   2/")) << zero.output() << one.output();
  one.signal_and_wait(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(zero.wait_end(std::chrono::seconds(30))) << "rank 0 still runs 30 s after rank 1 died";
  EXPECT_LT(std::chrono::steady_clock::now() - killed, std::chrono::seconds(20));
  EXPECT_TRUE(WIFEXITED(zero.status()) && WEXITSTATUS(zero.status()) == 1) << zero.output();
  EXPECT_NE(zero.output().find("error: rank 1 stopped"), std::string::npos) << zero.output();
  EXPECT_FALSE(fs::exists(out + "/config.json"));
}

TEST_F(Distributed, AWrongMasterPortFailsEveryRankWithinTheTimeout) {
  const int port = free_port(), wrong = free_port();
  const std::string args = train(dir_.file("model"), "--dist-timeout 3");
  const auto start = std::chrono::steady_clock::now();
  Background zero(args, dir_.file("zero.log"), rank_env(0, port)), one(args, dir_.file("one.log"), rank_env(1, wrong));
  ASSERT_TRUE(zero.wait_end(std::chrono::seconds(60)));
  ASSERT_TRUE(one.wait_end(std::chrono::seconds(60)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_NE(zero.status(), 0);
  EXPECT_NE(one.status(), 0);
  EXPECT_NE(zero.output().find("rank 0: not all 2 ranks joined at 127.0.0.1:" + std::to_string(port)), std::string::npos) << zero.output();
  EXPECT_NE(one.output().find("rank 1: could not join rank 0 at 127.0.0.1:" + std::to_string(wrong)), std::string::npos) << one.output();
}

TEST_F(Distributed, ARankWithOtherDataFailsThemAllNamingIt) {
  const std::string other = dir_.file("other.csv");
  ASSERT_EQ(run_cli("--quiet simulate spiral --clusters 10 --points-per-cluster 64 --seed 5 --out " + other).exit_code, 0);
  const int port = free_port();
  Background zero(train(dir_.file("model")), dir_.file("zero.log"), rank_env(0, port));
  Background one(train(dir_.file("model"), "", other), dir_.file("one.log"), rank_env(1, port));
  ASSERT_TRUE(zero.wait_end(std::chrono::seconds(60)));
  ASSERT_TRUE(one.wait_end(std::chrono::seconds(60)));
  for (const auto* rank : {&zero, &one}) {
    EXPECT_NE(rank->status(), 0);
    EXPECT_NE(rank->output().find("error: rank 1 read other data or options than rank 0"), std::string::npos) << rank->output();
  }
}

TEST_F(Distributed, BadEnvironmentIsNamed) {
  auto r = test::run_command("RANK=2 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 " + std::string(ARMED_CLI) + " " + train(dir_.file("m")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("RANK=2: must be an integer from 0 to 1"), std::string::npos) << r.out;
  r = test::run_command("RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 " + std::string(ARMED_CLI) + " " + train(dir_.file("m")));
  EXPECT_NE(r.out.find("MASTER_PORT: not set"), std::string::npos) << r.out;
  r = test::run_command("RANK=0 WORLD_SIZE=2 " + std::string(ARMED_CLI) + " " + train(dir_.file("m"), "--nproc 2"));
  EXPECT_NE(r.out.find("--nproc: WORLD_SIZE is set"), std::string::npos) << r.out;
}

}  // namespace armed
