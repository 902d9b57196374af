#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "storage/postgres/connection_string.h"

namespace cryptometrics::storage::postgres {
namespace {

std::string value_of(const ConnectionSettings& settings, const std::string& keyword) {
  const std::string* value = settings.find(keyword);
  return value == nullptr ? "(unset)" : *value;
}

TEST(ConnectionString, ReadsBothFormsAsLibpqDoes) {
  const auto uri =
      ConnectionSettings::read("postgresql://u%40x:p%3Aw@db:5433/my%20db?sslmode=require");
  const auto pairs =
      ConnectionSettings::read(R"(host=db port = 5433 dbname='my db' password='p\'w')");

  ASSERT_TRUE(uri);
  EXPECT_EQ(value_of(*uri, "user"), "u@x");
  EXPECT_EQ(value_of(*uri, "password"), "p:w");
  EXPECT_EQ(value_of(*uri, "host"), "db");
  EXPECT_EQ(value_of(*uri, "port"), "5433");
  EXPECT_EQ(value_of(*uri, "dbname"), "my db");
  EXPECT_EQ(value_of(*uri, "sslmode"), "require");
  EXPECT_EQ(value_of(*uri, "connect_timeout"), "(unset)");
  ASSERT_TRUE(pairs);
  EXPECT_EQ(value_of(*pairs, "port"), "5433");
  EXPECT_EQ(value_of(*pairs, "dbname"), "my db");
  EXPECT_EQ(value_of(*pairs, "password"), "p'w");
}

TEST(ConnectionString, RefusesWhatLibpqCannotRead) {
  for (const std::string text :
       {"mysql://u@db/metrics", "just some text", "host=db dbname='open", "nosuchkeyword=1",
        "postgresql://db/metrics?nosuchkeyword=1", "postgresql://u:%zz@db/metrics"}) {
    EXPECT_FALSE(ConnectionSettings::read(text)) << text;
  }
}

TEST(ConnectionString, TextIsReadBackAsTheSameSettings) {
  const auto original = ConnectionSettings::read(
      R"(postgresql://o%27brien:pa%5Css%27%20word@db:5433/metrics?application_name=a%20b)");
  ASSERT_TRUE(original);

  const auto again = ConnectionSettings::read(original->text());

  ASSERT_TRUE(again);
  for (const char* keyword : {"user", "password", "host", "port", "dbname", "application_name"}) {
    EXPECT_EQ(value_of(*again, keyword), value_of(*original, keyword)) << keyword;
  }
  EXPECT_EQ(value_of(*again, "password"), R"(pa\ss' word)");
}

TEST(ConnectionString, SetDefaultKeepsWhatIsSet) {
  auto settings = ConnectionSettings::read("host=db connect_timeout=3");
  ASSERT_TRUE(settings);

  settings->set_default("connect_timeout", "10");
  settings->set_default("keepalives", "1");

  EXPECT_EQ(value_of(*settings, "connect_timeout"), "3");
  EXPECT_EQ(value_of(*settings, "keepalives"), "1");
}

TEST(ConnectionString, ProblemNamesWhatLibpqWouldRefuseOnConnecting) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"postgresql://h:notaport/db", "port must be a number from 1 to 65535"},
      {"host=h port=0", "port must be a number from 1 to 65535"},
      {"host=h port=65536", "port must be a number from 1 to 65535"},
      {"host=a,b port=5432,x", "port must be a number from 1 to 65535"},
      {"host=a,b,c port=1,2", "port must list one port, or one for each host"},
      {"host=a,b hostaddr=10.0.0.1", "host and hostaddr must list as many entries as each other"},
      {"host=h sslmode=sometimes",
       "sslmode must be one of disable, allow, prefer, require, verify-ca or verify-full"},
      {"host=h gssencmode=maybe", "gssencmode must be one of disable, prefer or require"},
      {"host=h channel_binding=x", "channel_binding must be one of disable, prefer or require"},
      {"host=h target_session_attrs=rw",
       "target_session_attrs must be one of any, read-write, "
       "read-only, primary, standby or prefer-standby"},
      {"host=h connect_timeout=soon", "connect_timeout must be a whole number"},
      {"host=h keepalives_idle=1.5", "keepalives_idle must be a whole number"},
  };

  for (const auto& [text, problem] : cases) {
    const auto settings = ConnectionSettings::read(text);
    ASSERT_TRUE(settings) << text;
    EXPECT_EQ(settings->problem(), std::optional<std::string>{problem}) << text;
  }
}

TEST(ConnectionString, NoProblemWithWhatLibpqAccepts) {
  for (const std::string text :
       {"host=h", "postgresql://a:5432,b:5433/db?sslmode=verify-full&connect_timeout=5",
        "host=a,b port=5432", "host=a,b port=,5433", "host=h port=' 5432 '",
        "host=h target_session_attrs=prefer-standby keepalives=0", "port="}) {
    const auto settings = ConnectionSettings::read(text);
    ASSERT_TRUE(settings) << text;
    EXPECT_EQ(settings->problem(), std::nullopt) << text;
  }
}

TEST(ConnectionString, DescribeNeverShowsThePassword) {
  const auto settings = ConnectionSettings::read("postgresql://u:hunter2@db:1/d?password=hunter3");
  ASSERT_TRUE(settings);

  EXPECT_EQ(settings->describe(), "u@db:1/d");
}

}  // namespace
}  // namespace cryptometrics::storage::postgres
