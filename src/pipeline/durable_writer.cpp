#include "pipeline/durable_writer.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <utility>

#include "pipeline/waits.h"

namespace cryptometrics::pipeline {

DurableWriter::DurableWriter(boost::asio::io_context& io, storage::StorageThread& storage,
                             std::size_t max_pending, Reports reports)
    : io_{io},
      storage_{storage},
      max_pending_{max_pending},
      reports_{std::move(reports)},
      retry_timer_{io},
      backoff_{kFirstRetry, kLongestRetry} {}

void DurableWriter::write(storage::Batch batch) {
  busy_ = true;
  boost::asio::co_spawn(io_, store(std::make_shared<const storage::Batch>(std::move(batch))),
                        boost::asio::detached);
}

void DurableWriter::stop() {
  stopping_ = true;
  retry_timer_.cancel();
}

// The batch is shared with the storage job, which copies its work: the rows are not.
boost::asio::awaitable<void> DurableWriter::store(std::shared_ptr<const storage::Batch> batch) {
  bool failed_before = false;
  for (;;) {
    auto work = [batch](storage::Storage& storage) { storage.write(*batch); };
    std::string failure;
    try {
      co_await storage_.run(std::move(work));
      break;
    } catch (const storage::Fenced& refused) {
      batch = std::make_shared<const storage::Batch>(without_lost(*batch, refused));
      if (batch->empty()) break;
      continue;
    } catch (const std::exception& error) {
      failure = error.what();
    }
    if (stopping_) {
      give_up(*batch, failure);
      co_return;
    }
    failed_before = true;
    const auto wait = backoff_.next();
    spdlog::error("storing {} messages failed: {}; retrying in {} ms, reading pauses once {} wait",
                  batch->messages(), failure, wait.count(), max_pending_);
    if (!co_await wait_on(retry_timer_, wait)) {
      give_up(*batch, failure);
      co_return;
    }
  }
  if (failed_before) spdlog::info("storage accepts writes again");
  backoff_.reset();
  busy_ = false;
  stored_ += batch->messages();
  reports_.written(*batch);
}

void DurableWriter::give_up(const storage::Batch& batch, const std::string& failure) {
  busy_ = false;
  reports_.given_up(batch.messages(), failure);
}

storage::Batch DurableWriter::without_lost(const storage::Batch& batch,
                                           const storage::Fenced& refused) {
  std::set<kafka::TopicPartition> lost;
  for (const storage::Claim& claim : refused.lost()) lost.insert(claim);
  const auto of_lost = [&lost](const auto& source) {
    return lost.contains(source);
  };
  storage::Batch kept;
  for (const auto& row : batch.quotes) {
    if (!of_lost(row.source)) kept.quotes.push_back(row);
  }
  for (const auto& row : batch.rejections) {
    if (!of_lost(row.source)) kept.rejections.push_back(row);
  }
  for (const auto& offset : batch.offsets) {
    if (!of_lost(offset)) kept.offsets.push_back(offset);
  }
  for (const auto& claim : batch.claims) {
    if (!of_lost(claim)) kept.claims.push_back(claim);
  }
  const std::size_t dropped = batch.messages() - kept.messages();
  fenced_ += dropped;
  reports_.fenced(lost, refused.what(), dropped);
  return kept;
}

}  // namespace cryptometrics::pipeline
