#include "feed/feed_status.h"

namespace cryptometrics::feed {

std::string_view state_name(FeedState state) {
  switch (state) {
    case FeedState::connecting:
      return "connecting";
    case FeedState::subscribed:
      return "subscribed";
    case FeedState::stale:
      return "stale";
    case FeedState::backing_off:
      return "backing_off";
    case FeedState::stopped:
      return "stopped";
  }
  return "unknown";
}

}  // namespace cryptometrics::feed
