#include "storage/storage_thread.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sqlite_test_rows.h"
#include "storage/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace cryptometrics::storage {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Long enough never to be reached by a thread that works; a hang fails instead of blocking.
constexpr auto kPatience = 30s;

// A store whose status and background work the test scripts; it stores nothing.
class ScriptedStorage final : public Storage {
 public:
  void write(const Batch&) override {}
  std::vector<metrics::History> load_histories(std::size_t) override { return {}; }
  std::vector<PartitionOffset> load_offsets(std::string_view) override { return {}; }
  std::vector<QuoteRow> history(const std::string&, std::size_t,
                                std::optional<market::Timestamp>) override {
    return {};
  }
  Status status() const override { return status_; }
  std::optional<Clock::time_point> background_work() override {
    return background_work_ ? background_work_() : std::nullopt;
  }

  Status status_;
  std::function<std::optional<Clock::time_point>()> background_work_;
};

// Completes a future when run as a job.
StorageThread::Job signal(std::promise<void>& done) {
  return [&done](Storage&) { done.set_value(); };
}

TEST(StorageThread, RunResumesTheCoroutineOnItsLoopWithTheResultOrTheExceptionAsThrown) {
  ScriptedStorage storage;
  boost::asio::io_context io;
  StorageThread thread{storage};
  std::optional<std::thread::id> worked_on;
  std::optional<std::thread::id> resumed_on;
  int result = 0;
  bool caught = false;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        auto work = [&worked_on](Storage&) {
          worked_on = std::this_thread::get_id();
          return 42;
        };
        result = co_await thread.run(std::move(work));
        resumed_on = std::this_thread::get_id();
        auto failing = [](Storage&) { throw std::out_of_range{"no such row"}; };
        try {
          co_await thread.run(std::move(failing));
        } catch (const std::out_of_range&) {
          caught = true;
        }
      },
      boost::asio::detached);

  io.run_for(kPatience);

  EXPECT_EQ(result, 42);
  EXPECT_NE(worked_on, std::this_thread::get_id());
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
  EXPECT_TRUE(caught) << "the exception lost its type on the way";
}

TEST(StorageThread, RunsJobsInTheOrderPosted) {
  ScriptedStorage storage;
  std::vector<int> ran;
  std::promise<void> done;
  {
    StorageThread thread{storage};
    for (int i = 0; i < 100; ++i) {
      thread.post([&ran, i](Storage&) { ran.push_back(i); });
    }
    thread.post(signal(done));
    ASSERT_EQ(done.get_future().wait_for(kPatience), std::future_status::ready);
  }

  std::vector<int> expected(100);
  for (int i = 0; i < 100; ++i) {
    expected[i] = i;
  }
  EXPECT_EQ(ran, expected);
}

TEST(StorageThread, RunsEveryPostedJobBeforeItsDestructorReturns) {
  ScriptedStorage storage;
  std::promise<void> gate;
  int ran = 0;
  {
    StorageThread thread{storage};
    thread.post([future = gate.get_future().share()](Storage&) { future.wait(); });
    for (int i = 0; i < 50; ++i) {
      thread.post([&ran](Storage&) { ++ran; });
    }
    gate.set_value();
  }

  EXPECT_EQ(ran, 50);
}

TEST(StorageThread, GoesOnAfterAJobThrows) {
  ScriptedStorage storage;
  StorageThread thread{storage};
  std::promise<void> done;

  thread.post([](Storage&) { throw std::runtime_error("broken job"); });
  thread.post([](Storage&) { throw 42; });
  thread.post(signal(done));

  EXPECT_EQ(done.get_future().wait_for(kPatience), std::future_status::ready);
}

TEST(StorageThread, RunsBackgroundWorkAgainWhenItIsDue) {
  ScriptedStorage storage;
  std::vector<Clock::time_point> calls;
  std::promise<void> called_twice;
  Clock::time_point due;
  storage.background_work_ = [&]() -> std::optional<Clock::time_point> {
    calls.push_back(Clock::now());
    if (calls.size() == 1) {
      due = Clock::now() + 50ms;
      return due;
    }
    called_twice.set_value();
    return std::nullopt;
  };

  StorageThread thread{storage};

  ASSERT_EQ(called_twice.get_future().wait_for(kPatience), std::future_status::ready);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_GE(calls[1], due);
}

TEST(StorageThread, AJobDoesNotWaitForBackgroundWorkDueLater) {
  ScriptedStorage storage;
  std::promise<void> first_work;
  storage.background_work_ = [&]() -> std::optional<Clock::time_point> {
    first_work.set_value();
    return Clock::now() + 1h;
  };
  StorageThread thread{storage};
  ASSERT_EQ(first_work.get_future().wait_for(kPatience), std::future_status::ready);
  std::promise<void> done;

  thread.post(signal(done));

  EXPECT_EQ(done.get_future().wait_for(kPatience), std::future_status::ready);
}

// A write can make background work due where there was none (PostgreSQL found down: the spool's
// replay is due), so the store is asked again after every job, not only when it said so.
TEST(StorageThread, AsksForBackgroundWorkAgainAfterAJob) {
  ScriptedStorage storage;
  int calls = 0;
  std::promise<void> first_work;
  std::promise<void> asked_again;
  storage.background_work_ = [&]() -> std::optional<Clock::time_point> {
    if (++calls == 1) {
      first_work.set_value();
    } else if (calls == 2) {
      asked_again.set_value();
    }
    return std::nullopt;
  };
  StorageThread thread{storage};
  ASSERT_EQ(first_work.get_future().wait_for(kPatience), std::future_status::ready);

  thread.post([](Storage&) {});

  EXPECT_EQ(asked_again.get_future().wait_for(kPatience), std::future_status::ready);
}

TEST(StorageThread, ReportsTheStatusOfTheStoreAfterEachJob) {
  ScriptedStorage storage;
  storage.status_.state = "ok";
  StorageThread thread{storage};
  std::promise<void> done;

  thread.post([](Storage& store) {
    auto& scripted = static_cast<ScriptedStorage&>(store);
    scripted.status_.state = "failing";
    scripted.status_.last_error = "disk full";
  });
  thread.post(signal(done));
  ASSERT_EQ(done.get_future().wait_for(kPatience), std::future_status::ready);

  EXPECT_EQ(thread.status().state, "failing");
  EXPECT_EQ(thread.status().last_error, "disk full");
}

TEST(StorageThread, DrivesARealStore) {
  cryptometrics::testing::TempDir directory;
  sqlite::SqliteStore store{directory / "metrics.db"};
  std::promise<std::vector<PartitionOffset>> offsets;
  {
    StorageThread thread{store};

    thread.post([](Storage& storage) {
      storage.write(Batch{{quote_row("BTC-USD", 0)}, {}, {{"crypto_prices", 0, 1}}});
    });
    thread.post(
        [&offsets](Storage& storage) { offsets.set_value(storage.load_offsets("crypto_prices")); });
  }

  EXPECT_EQ(offsets.get_future().get(), (std::vector<PartitionOffset>{{"crypto_prices", 0, 1}}));
}

}  // namespace
}  // namespace cryptometrics::storage
