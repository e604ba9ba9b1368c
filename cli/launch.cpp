// armed train --nproc N: starts N local ranks of one distributed run, as torchrun would.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "armed/error.h"
#include "commands.h"

extern char** environ;

namespace armed::cli {
namespace {

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  if (fd >= 0) close(fd);
  if (!ok) throw Error(std::string("--nproc: no free port on 127.0.0.1 for the ranks' rendezvous: ") + std::strerror(errno));
  return ntohs(address.sin_port);
}

volatile sig_atomic_t pending_signal = 0;

struct Rank {
  pid_t pid = -1;
  int output = -1;        // read end of its stderr; -1 once closed
  std::string last_line;  // its last complete non-empty line of stderr
  std::string partial;
  int status = -1;        // exit status once it ended (128 + signal when killed)
};

void remember_lines(Rank& rank, const char* data, size_t size) {
  rank.partial.append(data, size);
  for (size_t end; (end = rank.partial.find('\n')) != std::string::npos; rank.partial.erase(0, end + 1))
    if (end > 0) rank.last_line = rank.partial.substr(0, end);
}

pid_t spawn_rank(const std::vector<std::string>& arguments, const std::vector<std::string>& environment, int stderr_fd) {
  std::vector<char*> argv, envp;
  for (const auto& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // A process group of its own: a terminal's Ctrl-C reaches the launcher, which forwards it once.
  sigset_t defaults, none;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) throw Error(std::string("--nproc: cannot start a rank: ") + std::strerror(error));
  return pid;
}

}  // namespace

int launch_local_ranks(int processes, int timeout_seconds, const std::vector<std::string>& arguments) {
  for (const char* name : {"WORLD_SIZE", "RANK"})
    if (std::getenv(name)) throw Error(std::string("--nproc: ") + name + " is set: this process is already a rank (torchrun); give --nproc or torchrun's variables, not both");
  const int port = free_loopback_port();
  std::vector<std::string> inherited;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (name != "MASTER_ADDR" && name != "MASTER_PORT" && name != "LOCAL_RANK" && name != "LOCAL_WORLD_SIZE") inherited.push_back(entry);
  }
  struct sigaction action {}, previous_int {}, previous_term {};
  action.sa_handler = [](int signal) { pending_signal = signal; };
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);

  std::vector<Rank> ranks(static_cast<size_t>(processes));
  for (int r = 0; r < processes; ++r) {
    std::vector<std::string> environment = inherited;
    for (const auto& [name, value] : {std::pair<std::string, std::string>{"RANK", std::to_string(r)},
                                      {"LOCAL_RANK", std::to_string(r)},
                                      {"WORLD_SIZE", std::to_string(processes)},
                                      {"LOCAL_WORLD_SIZE", std::to_string(processes)},
                                      {"MASTER_ADDR", "127.0.0.1"},
                                      {"MASTER_PORT", std::to_string(port)}})
      environment.push_back(name + "=" + value);
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(std::string("--nproc: cannot create a pipe: ") + std::strerror(errno));
    ranks[r].pid = spawn_rank(arguments, environment, pipe_fds[1]);
    close(pipe_fds[1]);
    ranks[r].output = pipe_fds[0];
  }

  using Clock = std::chrono::steady_clock;
  Clock::time_point first_failure{};
  bool failed = false, killed = false;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<size_t> owner;
    for (size_t r = 0; r < ranks.size(); ++r)
      if (ranks[r].output >= 0) {
        fds.push_back({ranks[r].output, POLLIN, 0});
        owner.push_back(r);
      }
    bool running = false;
    for (const auto& rank : ranks) running = running || rank.status < 0;
    if (!running && fds.empty()) break;
    poll(fds.data(), fds.size(), 100);
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Rank& rank = ranks[owner[i]];
      char buffer[4096];
      const ssize_t got = read(rank.output, buffer, sizeof buffer);
      if (got <= 0) {
        close(rank.output);
        rank.output = -1;
        continue;
      }
      if (owner[i] == 0) (void)!write(STDERR_FILENO, buffer, static_cast<size_t>(got));
      remember_lines(rank, buffer, static_cast<size_t>(got));
    }
    if (pending_signal != 0) {
      const int signal = pending_signal;
      pending_signal = 0;
      for (const auto& rank : ranks)
        if (rank.status < 0) kill(rank.pid, signal);
    }
    for (auto& rank : ranks) {
      int status = 0;
      if (rank.status >= 0 || waitpid(rank.pid, &status, WNOHANG) != rank.pid) continue;
      rank.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (rank.status != 0 && !failed) {
        failed = true;
        first_failure = Clock::now();
      }
    }
    if (failed && !killed && Clock::now() - first_failure > std::chrono::seconds(timeout_seconds + 10)) {
      for (const auto& rank : ranks)
        if (rank.status < 0) kill(rank.pid, SIGKILL);
      killed = true;
    }
  }
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);

  const Rank& zero = ranks.front();
  const bool zero_said = zero.status != 0 && !zero.last_line.empty();
  bool said = zero_said;
  int code = 0;
  for (size_t r = 0; r < ranks.size(); ++r) {
    if (ranks[r].status == 0) continue;
    if (code == 0) code = ranks[r].status;
    if (r > 0 && !zero_said && !ranks[r].last_line.empty() && ranks[r].last_line != zero.last_line) {
      std::fprintf(stderr, "%s\n", ranks[r].last_line.c_str());
      said = true;
    }
  }
  if (code != 0 && !said) {
    for (size_t r = 0; r < ranks.size(); ++r)
      if (ranks[r].status != 0) {
        std::fprintf(stderr, "armed: error: rank %zu ended with status %d%s\n", r, ranks[r].status, ranks[r].status > 128 ? " (killed by a signal)" : "");
        break;
      }
  }
  return code;
}

}  // namespace armed::cli
