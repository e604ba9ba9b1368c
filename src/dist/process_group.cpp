#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>

#include "dist/collective.h"

namespace armed {
namespace {

// An environment variable as an integer in [lo, hi]; `fallback` when unset.
int64_t integer_variable(const char* name, int64_t lo, int64_t hi, int64_t fallback) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  if (*end != '\0' || value < lo || value > hi)
    throw Error(std::string(name) + "=" + text + ": must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return value;
}

bool is_loopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

}  // namespace

ProcessGroup::ProcessGroup() = default;

int ProcessGroup::rank() const { return collective_ ? collective_->rank : 0; }
int ProcessGroup::size() const { return collective_ ? collective_->size : 1; }

ProcessGroup ProcessGroup::from_environment(std::chrono::seconds timeout) {
  ProcessGroup group;
  const auto size = static_cast<int>(integer_variable("WORLD_SIZE", 1, 65536, 1));
  if (size == 1) return group;
  const auto rank = static_cast<int>(integer_variable("RANK", 0, size - 1, -1));
  if (rank < 0) throw Error("RANK: not set; with WORLD_SIZE=" + std::to_string(size) + " each process needs its rank, 0 to " + std::to_string(size - 1));
  const char* address = std::getenv("MASTER_ADDR");
  if (!address || !*address) throw Error("MASTER_ADDR: not set; every rank needs the address of rank 0's machine");
  const auto port = static_cast<uint16_t>(integer_variable("MASTER_PORT", 1, 65535, 0));
  if (port == 0) throw Error("MASTER_PORT: not set; every rank needs the port rank 0 listens on");
  const std::string where = std::string(address) + ":" + std::to_string(port) + " (MASTER_ADDR:MASTER_PORT)";

  // Rank 0 waits for the others at the rendezvous, then every rank connects to every other.
  const auto join_failed = [&](const std::exception& e) {
    const std::string within = " within --dist-timeout " + std::to_string(timeout.count()) + " s: " + first_line(e);
    return RankFailed(rank == 0 ? "rank 0: not all " + std::to_string(size) + " ranks joined at " + where + within
                                : "rank " + std::to_string(rank) + ": could not join rank 0 at " + where + within);
  };
  c10::intrusive_ptr<c10d::Store> store;
  try {
    c10d::TCPStoreOptions options;
    options.port = port;
    options.isServer = rank == 0;
    options.numWorkers = size;
    options.waitWorkers = true;
    options.timeout = timeout;
    store = c10::make_intrusive<c10d::TCPStore>(address, options);
  } catch (const std::exception& e) {
    throw join_failed(e);
  }
  try {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    if (interface && *interface) options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    else if (is_loopback(address)) options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    options->threads = 1;  // one collective at a time: the trainer waits for each
    auto gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
    group.collective_ = std::make_shared<Collective>(rank, size, store, gloo, timeout);
  } catch (const std::exception& e) {
    throw join_failed(e);
  }
  return group;
}

}  // namespace armed
