#pragma once
#include <stdexcept>
#include <string>

namespace armed {

// Every failure a user can act on (bad input, bad option, corrupt model) is an armed::Error whose
// message is one line naming the file, row, column or option at fault.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace armed
