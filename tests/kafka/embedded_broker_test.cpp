#include "kafka/embedded_broker.h"

#include <gtest/gtest.h>

namespace cryptometrics::kafka {
namespace {

TEST(EmbeddedBrokerTest, ListensOnALoopbackPort) {
  const EmbeddedBroker broker{"quotes", 1};

  EXPECT_TRUE(broker.bootstrap_servers().starts_with("127.0.0.1:")) << broker.bootstrap_servers();
}

TEST(EmbeddedBrokerTest, EachBrokerListensOnItsOwnPort) {
  const EmbeddedBroker first{"quotes", 1};
  const EmbeddedBroker second{"quotes", 1};

  EXPECT_NE(first.bootstrap_servers(), second.bootstrap_servers());
}

}  // namespace
}  // namespace cryptometrics::kafka
