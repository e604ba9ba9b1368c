#include "armed/interrupt.h"

#include <atomic>

namespace armed {
namespace {

std::atomic<bool> stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "request_stop must be safe in a signal handler");

}  // namespace

void request_stop() noexcept { stop.store(true); }
void clear_stop_request() noexcept { stop.store(false); }
bool stop_requested() noexcept { return stop.load(); }

}  // namespace armed
