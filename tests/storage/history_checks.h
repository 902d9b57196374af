#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "sqlite_test_rows.h"
#include "storage/storage.h"

namespace cryptometrics::storage {

// What every store's history() must do, checked on an empty `store`: a pair's rows only, newest
// first, every column as written, at most the limit, none before `since`.
inline void check_history(Storage& store) {
  std::vector<QuoteRow> written;
  for (std::int64_t offset = 0; offset < 10; ++offset) {
    written.push_back(quote_row(offset % 2 == 0 ? "BTC-USD" : "ETH-USD", offset));
  }
  written[8].metrics.highest_bid = decimal("99999999999999.999999999999");
  store.write(Batch{written, {}, {}});
  const std::vector<QuoteRow> btc_newest_first{written[8], written[6], written[4], written[2],
                                               written[0]};

  EXPECT_EQ(store.history("BTC-USD", 100, std::nullopt), btc_newest_first);
  EXPECT_EQ(store.history("BTC-USD", 2, std::nullopt),
            (std::vector<QuoteRow>{written[8], written[6]}));
  EXPECT_EQ(store.history("BTC-USD", 100, test_time(4)),
            (std::vector<QuoteRow>{written[8], written[6], written[4]}));
  EXPECT_EQ(store.history("BTC-USD", 100, test_time(4) + std::chrono::microseconds{1}),
            (std::vector<QuoteRow>{written[8], written[6]}));
  EXPECT_EQ(store.history("BTC-USD", 1, test_time(0)), (std::vector<QuoteRow>{written[8]}));
  EXPECT_EQ(store.history("ETH-USD", 100, test_time(9)), (std::vector<QuoteRow>{written[9]}));
  EXPECT_TRUE(store.history("XRP-EUR", 100, std::nullopt).empty());
}

}  // namespace cryptometrics::storage
