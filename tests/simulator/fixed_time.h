#pragma once

#include <chrono>

#include "market/timestamp.h"

namespace cryptometrics::simulator {

// The time the quotes of these tests carry: fixed, so that what they encode is known.
inline const market::Timestamp kNow{std::chrono::microseconds{1'795'484'378'014'566}};

}  // namespace cryptometrics::simulator
