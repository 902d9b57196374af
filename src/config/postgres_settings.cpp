#include <string_view>

#include "config/settings.h"

namespace cryptometrics::config {
namespace {

constexpr std::string_view mask = "***";

// libpq's key=value quoting: single quotes, with ' and \ escaped by a backslash.
std::string quoted(std::string_view value) {
  std::string text = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') {
      text += '\\';
    }
    text += c;
  }
  return text + "'";
}

// The password in "scheme://user:password@host" and in a "password=" query parameter. The last
// '@' ends the user part: a password with a raw '@' in it is then masked whole; one in the query
// masks too much rather than too little.
std::string masked_url(std::string url) {
  const auto authority = url.find("://") + 3;
  const auto at = url.rfind('@');
  if (at != std::string::npos && at > authority) {
    const auto colon = url.find(':', authority);
    if (colon < at) {
      url.replace(colon + 1, at - colon - 1, mask);
    }
  }
  for (auto found = url.find("password="); found != std::string::npos;
       found = url.find("password=", found + 1)) {
    if (found > 0 && (url[found - 1] == '?' || url[found - 1] == '&')) {
      const auto start = found + std::string_view("password=").size();
      const auto end = url.find('&', start);
      url.replace(start, (end == std::string::npos ? url.size() : end) - start, mask);
    }
  }
  return url;
}

// The end of a libpq key=value value starting at `start`: quoted with backslash escapes, or up to
// the next blank.
std::size_t value_end(const std::string& text, std::size_t start) {
  const bool is_quoted = text[start] == '\'';
  std::size_t at = is_quoted ? start + 1 : start;
  while (at < text.size()) {
    if (text[at] == '\\') {
      at += 2;
    } else if (is_quoted ? text[at] == '\'' : (text[at] == ' ' || text[at] == '\t')) {
      return is_quoted ? at + 1 : at;
    } else {
      ++at;
    }
  }
  return text.size();
}

std::string masked_key_value(std::string text) {
  constexpr std::string_view keyword = "password";
  for (auto found = text.find(keyword); found != std::string::npos;
       found = text.find(keyword, found + 1)) {
    if (found > 0 && text[found - 1] != ' ' && text[found - 1] != '\t') {
      continue;
    }
    const auto equals = text.find_first_not_of(" \t", found + keyword.size());
    if (equals == std::string::npos || text[equals] != '=') {
      continue;
    }
    const auto start = text.find_first_not_of(" \t", equals + 1);
    if (start == std::string::npos) {
      break;
    }
    text.replace(start, value_end(text, start) - start, mask);
  }
  return text;
}

}  // namespace

std::string PostgresSettings::connection_string() const {
  if (!database_url.empty()) {
    return database_url;
  }
  std::string text;
  const auto add = [&text](std::string_view key, std::string_view value) {
    if (!value.empty()) {
      text += std::string(key) + "=" + quoted(value) + " ";
    }
  };
  add("host", host);
  add("port", std::to_string(port));
  add("dbname", name);
  add("user", user);
  add("password", password);
  return text + "connect_timeout=5";
}

std::string PostgresSettings::describe() const {
  if (database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
    return masked_url(database_url);
  }
  if (!database_url.empty()) {
    return masked_key_value(database_url);
  }
  const bool is_ipv6 = host.find(':') != std::string::npos;
  return user + "@" + (is_ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + name;
}

}  // namespace cryptometrics::config
