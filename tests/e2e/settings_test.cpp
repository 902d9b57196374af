// The built binary reading its settings: the .env file under the environment, and connection
// strings that libpq would refuse.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using testing::isolated;
using testing::Process;
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

TEST(Settings, AConnectionStringLibpqWouldRefuseStopsStartWithCode2NamingIt) {
  testing::TempDir directory;
  const std::string password = "pw-0nly-1n-the-url";
  const std::vector<std::string> urls = {
      "postgresql://postgres:" + password + "@127.0.0.1:notaport/crypto_metrics",
      "postgresql://postgres:" + password + "@127.0.0.1:70000/crypto_metrics",
      "postgresql://postgres:" + password + "@127.0.0.1/crypto_metrics?sslmode=sometimes",
      "mysql://postgres:" + password + "@127.0.0.1/crypto_metrics",
      "host=127.0.0.1 password=" + password + " port=5432x",
  };

  for (const auto& url : urls) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{}, std::vector<std::string>{"migrate"}}) {
      Process process{testing::crypto_metrics_binary(), args,
                      isolated(directory, testing::free_port(), {{"DATABASE_URL", url}}),
                      directory.path()};

      EXPECT_EQ(process.wait(30s), 2) << url << "\n" << process.stderr_text();
      EXPECT_TRUE(process.stderr_text().starts_with("crypto-metrics: DATABASE_URL: "))
          << process.stderr_text();
      EXPECT_EQ(process.stderr_text().find(password), std::string::npos) << process.stderr_text();
    }
  }
}

}  // namespace
}  // namespace cryptometrics
