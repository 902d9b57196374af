#include "storage/storage_thread.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <optional>
#include <utility>

namespace cryptometrics::storage {
namespace {

using Clock = std::chrono::steady_clock;

// A failing background work is tried again after this long: it neither spins nor stops for good.
constexpr auto kBackgroundRetryDelay = std::chrono::seconds{1};

// Jobs are expected to handle their own errors; one that escapes is logged so that the thread,
// and every job after it, goes on.
void run_job(const StorageThread::Job& job, Storage& storage) {
  try {
    job(storage);
  } catch (const std::exception& error) {
    spdlog::error("storage job failed: {}", error.what());
  } catch (...) {
    spdlog::error("storage job failed with an exception that is not a std::exception");
  }
}

std::optional<Clock::time_point> run_background_work(Storage& storage) {
  try {
    return storage.background_work();
  } catch (const std::exception& error) {
    spdlog::error("storage background work failed: {}", error.what());
  } catch (...) {
    spdlog::error("storage background work failed with an exception that is not a std::exception");
  }
  return Clock::now() + kBackgroundRetryDelay;
}

std::optional<Status> read_status(const Storage& storage) {
  try {
    return storage.status();
  } catch (const std::exception& error) {
    spdlog::error("reading the storage status failed: {}", error.what());
  }
  return std::nullopt;
}

}  // namespace

StorageThread::StorageThread(Storage& storage)
    : storage_{storage}, status_{storage.status()}, thread_{[this] { run(); }} {}

StorageThread::~StorageThread() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void StorageThread::post(Job job) {
  {
    std::lock_guard lock{mutex_};
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

Status StorageThread::status() const {
  std::lock_guard lock{mutex_};
  return status_;
}

void StorageThread::run() {
  // Background work is first due at once: the store says when it wants to be called again.
  std::optional<Clock::time_point> work_due = Clock::now();
  const auto woken = [this] { return !jobs_.empty() || stopping_; };

  std::unique_lock lock{mutex_};
  for (;;) {
    if (!jobs_.empty()) {
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      run_job(job, storage_);
      // A job can make background work due where there was none (a write that found PostgreSQL
      // down spools, and the spool's replay is then due): the store is asked again.
      work_due = Clock::now();
    } else if (stopping_) {
      return;
    } else if (work_due && *work_due <= Clock::now()) {
      lock.unlock();
      work_due = run_background_work(storage_);
    } else {
      if (work_due) {
        wake_.wait_until(lock, *work_due, woken);
      } else {
        wake_.wait(lock, woken);
      }
      continue;
    }
    std::optional<Status> status = read_status(storage_);
    lock.lock();
    if (status) {
      status_ = std::move(*status);
    }
  }
}

}  // namespace cryptometrics::storage
