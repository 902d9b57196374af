#include "config/env_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "config/settings.h"
#include "support/temp_dir.h"

namespace cryptometrics::config {
namespace {

class EnvFileTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) {
    const auto path = directory_ / "test.env";
    std::ofstream(path) << text;
    return path;
  }

  std::map<std::string, std::string> values_of(const std::string& text) {
    std::map<std::string, std::string> values;
    for (const auto& entry : read_env_file(write(text))) {
      values[entry.key] = entry.value;
    }
    return values;
  }

  ConfigError error_of(const std::string& text) {
    try {
      read_env_file(write(text));
    } catch (const ConfigError& error) {
      return error;
    }
    ADD_FAILURE() << "read_env_file() accepted a malformed file";
    return ConfigError("", "");
  }

  testing::TempDir directory_;
};

TEST_F(EnvFileTest, ReadsEveryAcceptedForm) {
  const auto values = values_of(
      "# a comment\n"
      "\n"
      "PLAIN=value\n"
      "export EXPORTED=yes\n"
      "  SPACED  =  padded value  \n"
      "SINGLE='a # b \\n'\n"
      "DOUBLE=\"line\\nnext \\\"quoted\\\" back\\\\slash\"\n"
      "INLINE=value # trailing comment\n"
      "HASH=a#b\n"
      "EMPTY=\n"
      "QUOTED_EMPTY=\"\"\n"
      "AFTER_QUOTE='v'  # comment\n"
      "EQUALS=a=b\n"
      "WINDOWS=crlf\r\n"
      "   # indented comment\n");

  const std::map<std::string, std::string> expected = {
      {"PLAIN", "value"},
      {"EXPORTED", "yes"},
      {"SPACED", "padded value"},
      {"SINGLE", "a # b \\n"},
      {"DOUBLE", "line\nnext \"quoted\" back\\slash"},
      {"INLINE", "value"},
      {"HASH", "a#b"},
      {"EMPTY", ""},
      {"QUOTED_EMPTY", ""},
      {"AFTER_QUOTE", "v"},
      {"EQUALS", "a=b"},
      {"WINDOWS", "crlf"},
  };
  EXPECT_EQ(values, expected);
}

// As in the shell: "KEY=#x" sets KEY to "#x"; only "KEY= #x" leaves KEY empty before a comment.
TEST_F(EnvFileTest, HashRightAfterTheEqualsSignStartsTheValue) {
  const auto values = values_of(
      "DB_PASSWORD=#x\n"
      "ONLY_HASH=#\n"
      "HASH_THEN_COMMENT=#a #b\n"
      "BLANK_THEN_HASH= #comment\n");

  const std::map<std::string, std::string> expected = {
      {"DB_PASSWORD", "#x"},
      {"ONLY_HASH", "#"},
      {"HASH_THEN_COMMENT", "#a"},
      {"BLANK_THEN_HASH", ""},
  };
  EXPECT_EQ(values, expected);
}

TEST_F(EnvFileTest, KeepsFileOrderAndLineNumbers) {
  const auto entries = read_env_file(write("A=1\n\n# note\nB=2\nA=3\n"));

  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].key, "A");
  EXPECT_EQ(entries[0].line, 1);
  EXPECT_EQ(entries[1].key, "B");
  EXPECT_EQ(entries[1].line, 4);
  EXPECT_EQ(entries[2].value, "3");
  EXPECT_EQ(entries[2].line, 5);
}

TEST_F(EnvFileTest, RejectsMalformedLinesNamingFileAndLine) {
  for (const std::string line :
       {"no assignment", "1KEY=value", "KEY-NAME=value", "KEY='unterminated", "KEY=\"unterminated",
        "KEY='v' junk", "KEY=\"v\"junk", "export", "=value"}) {
    SCOPED_TRACE(line);

    const auto error = error_of("OK=1\n" + line + "\n");

    EXPECT_EQ(error.setting(), (directory_ / "test.env").string());
    EXPECT_NE(std::string(error.what()).find("line 2"), std::string::npos) << error.what();
  }
}

TEST_F(EnvFileTest, MalformedLineIsNotQuoted) {
  const auto error = error_of("DB_PASSWORD='hunter2\n");

  EXPECT_EQ(std::string(error.what()).find("hunter2"), std::string::npos) << error.what();
}

TEST_F(EnvFileTest, UnreadableFileIsAnError) {
  EXPECT_THROW(read_env_file(directory_ / "absent.env"), ConfigError);
  EXPECT_THROW(read_env_file(directory_.path()), ConfigError);
}

}  // namespace
}  // namespace cryptometrics::config
