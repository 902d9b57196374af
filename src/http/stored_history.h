#pragma once

#include <boost/asio/io_context.hpp>

#include "http/history_route.h"
#include "storage/storage_thread.h"

namespace cryptometrics::http {

// Reads history on the storage thread and hands the rows (or the error's message) back on `io`'s
// event loop. Both must outlive every read started.
HistoryReader stored_history(storage::StorageThread& storage_thread, boost::asio::io_context& io);

}  // namespace cryptometrics::http
