// The built binary reading its settings: the .env file under the environment.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/process.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using testing::Service;

// `cp .env.example .env` and then `HTTP_PORT=... crypto-metrics`: the environment wins, as
// python-dotenv (which the original used) and every dotenv reader have it.
TEST(Settings, TheEnvironmentWinsOverTheEnvFile) {
  testing::TempDir directory;
  const unsigned short env_file_port = testing::free_port();
  std::ofstream(directory / ".env") << "HTTP_PORT=" << env_file_port << "\nPAIRS=SOL-USD\n";

  // Service puts a port of its own in the environment as HTTP_PORT.
  Service service{directory, {}};

  const std::string origin = "http://127.0.0.1:" + std::to_string(service.port()) + "/";
  EXPECT_NE(service.process().stderr_text().find("serving " + origin), std::string::npos)
      << "expected the environment's port " << service.port() << ", not the .env file's "
      << env_file_port << ":\n"
      << service.process().stderr_text();
  // What the environment does not set, the file fills in.
  service.wait_for("/metrics/SOL-USD", [](const auto&) { return true; });
  EXPECT_EQ(service.stop(), 0);
}

}  // namespace
}  // namespace cryptometrics
