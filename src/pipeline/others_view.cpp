#include "pipeline/others_view.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <utility>

#include "pipeline/waits.h"

namespace cryptometrics::pipeline {
namespace {

// What other instances computed is shown this much later at most, once they stored it.
constexpr std::chrono::milliseconds kPeriod{500};

}  // namespace

OthersView::OthersView(boost::asio::io_context& io, storage::StorageThread& storage,
                       metrics::Book& book, std::string topic,
                       std::function<bool(const kafka::TopicPartition&)> owns)
    : io_{io},
      storage_{storage},
      book_{book},
      topic_{std::move(topic)},
      owns_{std::move(owns)},
      timer_{io} {}

void OthersView::start() {
  if (std::exchange(started_, true) || stopping_) return;
  boost::asio::co_spawn(io_, follow(), boost::asio::detached);
}

void OthersView::stop() {
  stopping_ = true;
  timer_.cancel();
}

void OthersView::let_go(const std::vector<std::string>& pairs) { book_.let_go(pairs); }

boost::asio::awaitable<void> OthersView::follow() {
  bool failing = false;
  while (co_await wait_on(timer_, kPeriod)) {
    auto work = [topic = topic_](storage::Storage& storage) { return storage.latest_rows(topic); };
    std::vector<storage::LatestRow> rows;
    try {
      rows = co_await storage_.run(std::move(work));
    } catch (const std::exception& error) {
      if (!std::exchange(failing, true)) {
        spdlog::warn(
            "the pairs other instances read are not shown up to date until storage "
            "answers again: {}",
            error.what());
      }
      continue;
    }
    if (stopping_) co_return;
    if (std::exchange(failing, false)) {
      spdlog::info("the pairs other instances read are shown up to date again");
    }
    // Read while this instance may have taken some of their partitions since: those it
    // computes itself.
    for (const storage::LatestRow& latest : rows) {
      const storage::Source& source = latest.row.source;
      if (owns_(source)) continue;
      book_.observe(latest.row.metrics, {.from_store = true,
                                         .owner = latest.owner,
                                         .partition = source.partition,
                                         .offset = source.offset});
    }
  }
}

}  // namespace cryptometrics::pipeline
