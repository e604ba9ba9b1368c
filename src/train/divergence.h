#pragma once
#include <string>

namespace armed {

// What a message about diverged training ends with: " (a lower --lr than LR may help)".
std::string lr_hint(double lr);

}  // namespace armed
