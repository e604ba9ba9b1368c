#pragma once
#include "armed/error.h"

namespace armed {

// A stop asked for from outside a long call (Ctrl-C in Python, a signal handler): training checks
// between steps and throws Interrupted, leaving no model. request_stop is async-signal-safe.
void request_stop() noexcept;
void clear_stop_request() noexcept;
bool stop_requested() noexcept;

class Interrupted : public Error {
 public:
  Interrupted() : Error("training interrupted") {}
};

// Throws Interrupted when a stop was asked for.
inline void throw_if_stop_requested() {
  if (stop_requested()) throw Interrupted();
}

}  // namespace armed
