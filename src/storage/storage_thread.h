#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/storage.h"

namespace cryptometrics::storage {

// The one thread that touches a Storage. Jobs run in the order they were posted; between jobs
// the store's background work runs when it is due. Results travel back by whatever the job
// does with them (the pipeline posts them to the event loop).
class StorageThread {
 public:
  using Job = std::function<void(Storage&)>;

  explicit StorageThread(Storage& storage);
  // Runs every job already posted, then stops.
  ~StorageThread();

  StorageThread(const StorageThread&) = delete;
  StorageThread& operator=(const StorageThread&) = delete;

  void post(Job job);

  // The store's status as of the last job or background work; safe from any thread.
  Status status() const;

 private:
  void run();

  Storage& storage_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  Status status_;
  std::thread thread_;
};

}  // namespace cryptometrics::storage
