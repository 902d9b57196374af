#include "soak/sent_log.h"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace cryptometrics::soak {
namespace {

// What rejected_quotes.payload_sha256 holds for the whole payload.
std::string sha256_hex(std::string_view payload) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(payload.data(), payload.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
      1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (unsigned int at = 0; at < length; ++at) {
    text += kHex[digest[at] >> 4];
    text += kHex[digest[at] & 0xf];
  }
  return text;
}

}  // namespace

SentLog::SentLog(int partitions, const std::filesystem::path& file)
    : partitions_(static_cast<std::size_t>(partitions)), file_{file} {
  if (!file_) throw std::runtime_error("cannot write " + file.string());
  file_
      << "# partition:offset  valid|invalid  kind  key  bid  ask  bytes  [sha256 of the payload]\n";
}

void SentLog::delivered(const Message& message, std::int32_t partition, std::int64_t offset) {
  std::string digest = message.valid ? "" : sha256_hex(message.payload);
  std::lock_guard lock{mutex_};
  Partition& where = partitions_.at(static_cast<std::size_t>(partition));
  const auto at = static_cast<std::size_t>(offset);
  if (where.messages.size() <= at) {
    where.messages.resize(at + 1);
    where.bytes_through.resize(at + 1,
                               where.bytes_through.empty() ? 0 : where.bytes_through.back());
  }
  Sent& sent = where.messages[at];
  sent = {.delivered = true,
          .valid = message.valid,
          .pair = message.pair,
          .bytes = static_cast<std::uint32_t>(message.payload.size()),
          .bid = message.bid,
          .ask = message.ask,
          .digest = static_cast<std::uint32_t>(digests_.size())};
  const std::uint64_t before = at == 0 ? 0 : where.bytes_through[at - 1];
  where.bytes_through[at] = before + sent.bytes;
  file_ << partition << ':' << offset << '\t';
  if (message.valid) {
    ++counts_.valid;
    file_ << "valid\t" << message.kind << '\t' << message.key << '\t'
          << testing::text_of(message.bid) << '\t' << testing::text_of(message.ask) << '\t'
          << sent.bytes << '\n';
  } else {
    ++counts_.invalid;
    file_ << "invalid\t" << message.kind << '\t' << message.key << "\t-\t-\t" << sent.bytes << '\t'
          << digest << '\n';
    digests_.push_back(std::move(digest));
  }
}

void SentLog::failed(const Message& message, std::string_view error) {
  std::lock_guard lock{mutex_};
  ++counts_.failed;
  file_ << "undelivered\t" << (message.valid ? "valid" : "invalid") << '\t' << message.kind << '\t'
        << message.key << '\t' << error << '\n';
}

std::uint64_t SentLog::bytes_from(std::int32_t partition, std::int64_t offset) const {
  std::lock_guard lock{mutex_};
  const auto& through = partitions_.at(static_cast<std::size_t>(partition)).bytes_through;
  if (through.empty() || offset >= static_cast<std::int64_t>(through.size())) return 0;
  const std::uint64_t before = offset <= 0 ? 0 : through[static_cast<std::size_t>(offset) - 1];
  return through.back() - before;
}

SentLog::Counts SentLog::counts() const {
  std::lock_guard lock{mutex_};
  return counts_;
}

const std::vector<Sent>& SentLog::partition(std::int32_t partition) const {
  std::lock_guard lock{mutex_};
  return partitions_.at(static_cast<std::size_t>(partition)).messages;
}

}  // namespace cryptometrics::soak
