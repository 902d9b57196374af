#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <tuple>
#include <stdexcept>
#include <utility>

#include "storage/batch.h"

namespace cryptometrics::storage {
namespace {

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not compute a SHA-256");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 0x0F];
  }
  return hex;
}

}  // namespace

RejectedRow RejectedRow::of(std::string_view payload, std::string reason, Source source,
                            market::Timestamp received_at) {
  return RejectedRow{.payload = std::string{payload.substr(0, kKeptPayloadBytes)},
                     .reason = std::move(reason),
                     .source = std::move(source),
                     .received_at = received_at,
                     .payload_length = payload.size(),
                     .payload_sha256 = sha256_hex(payload)};
}

std::vector<PartitionOffset> furthest_per_partition(std::vector<PartitionOffset> offsets) {
  const auto partition_of = [](const PartitionOffset& offset) {
    return std::tie(offset.topic, offset.partition);
  };
  // Within a partition the furthest comes first, and unique() keeps the first of each.
  std::sort(offsets.begin(), offsets.end(), [&](const auto& a, const auto& b) {
    return partition_of(a) != partition_of(b) ? partition_of(a) < partition_of(b) : a.beyond(b);
  });
  const auto same_partition = [&](const auto& a, const auto& b) {
    return partition_of(a) == partition_of(b);
  };
  offsets.erase(std::unique(offsets.begin(), offsets.end(), same_partition), offsets.end());
  return offsets;
}

}  // namespace cryptometrics::storage
