#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "support/postgres_server.h"

namespace cryptometrics::testing {

// A test suite on one PostgreSQL server, started by the suite's first test (and again if a test
// stopped it); every test gets an empty database.
class PostgresFixture : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_) {
      server_ = std::make_unique<PostgresServer>();
    }
    if (!server_->running()) {
      server_->start();
    }
    server_->reset_database();
  }

  static inline std::unique_ptr<PostgresServer> server_;
};

}  // namespace cryptometrics::testing
