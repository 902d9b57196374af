#pragma once

#include <array>
#include <cstdint>

#include "market/quote_decoder.h"

namespace cryptometrics::pipeline {

struct IngestCounters {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::array<std::uint64_t, market::kRejectionKinds> rejected_by_kind{};  // by RejectionKind
  std::uint64_t stored = 0;  // messages (quotes and rejections) durable in storage
  // Messages deleted from a partition (by retention) before this service read them.
  std::uint64_t lost_upstream = 0;
  // Times a partition started over below its stored offset and a new life of it began.
  std::uint64_t partitions_started_over = 0;
  // Messages dropped unstored because another instance claimed their partition meanwhile (it
  // stores them instead).
  std::uint64_t fenced = 0;
  // Quotes of a pair read from another partition than the one its first quote came from in this
  // run: a producer that does not key by pair, whose quotes per-pair state cannot order.
  std::uint64_t quotes_off_their_pairs_partition = 0;
};

}  // namespace cryptometrics::pipeline
