#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "app/storage_factory.h"

namespace cryptometrics::app {

int run_migrate(const config::Settings& settings) {
  open_storage(settings);
  spdlog::info("migrations applied");
  return 0;
}

}  // namespace cryptometrics::app
