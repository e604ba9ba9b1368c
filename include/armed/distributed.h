#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "armed/error.h"

namespace armed {

// This process's place in a data-parallel run: one of `size` processes (ranks), joined over
// LibTorch's c10d with the Gloo backend (TCP). Every rank holds the whole data and the same model;
// each trains on its share of every global batch, and the gradients are summed across ranks
// before each update, so all ranks keep identical weights and any number of ranks follows the
// single-process run. A default-constructed group is a single process (rank 0 of 1): fit() then
// communicates nothing.
class ProcessGroup {
 public:
  ProcessGroup();

  // Joins the run that torchrun's variables describe: RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT
  // (rank 0 listens there for the others' rendezvous); GLOO_SOCKET_IFNAME names the network
  // interface to use when MASTER_ADDR is not this machine's loopback. Without WORLD_SIZE (or with
  // 1) a single process. Collectives that wait longer than `timeout` for a rank fail, naming it;
  // so does a rank whose connection closes. Throws armed::Error naming the variable at fault, or
  // when the ranks do not all join within `timeout`.
  static ProcessGroup from_environment(std::chrono::seconds timeout);

  int rank() const;
  int size() const;
  bool distributed() const { return size() > 1; }

  struct Collective;  // the communication itself (src/dist/collective.h)
  Collective* collective() const { return collective_.get(); }

 private:
  std::shared_ptr<Collective> collective_;
};

// A rank that died, hung or disagreed: the message names it ("rank 1 ..."). Every rank of the
// run throws it when a collective fails.
class RankFailed : public Error {
 public:
  using Error::Error;
};

}  // namespace armed
