#include "http/error_mapping.h"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cerrno>

namespace longhaul::http {
namespace {

TEST(ErrorMapping, AStatusHasOneHttpStatus) {
  EXPECT_EQ(HttpStatusFor(base::Code::kInvalidArgument), 400u);
  EXPECT_EQ(HttpStatusFor(base::Code::kUnavailable), 503u);
  Response res = ErrorResponse(base::Unavailable("disk full"));
  EXPECT_EQ(res.result_int(), 503u);
  EXPECT_EQ(res[boost::beast::http::field::retry_after], "1");
  EXPECT_NE(res.body().find("\"UNAVAILABLE\""), std::string::npos) << res.body();
}

TEST(ErrorMapping, TheSystemOutOfDescriptorsIsAShortage) {
  EXPECT_EQ(ShortageOr(boost::asio::error::no_descriptors, base::Code::kUnavailable),
            base::Code::kResourceExhausted);
  EXPECT_EQ(ShortageOr(boost::system::error_code(ENFILE, boost::system::system_category()),
                       base::Code::kUnavailable),
            base::Code::kResourceExhausted);
  EXPECT_EQ(ShortageOr(boost::asio::error::connection_refused, base::Code::kUnavailable),
            base::Code::kUnavailable);
  // Not an errno value, whatever its number (bad_line_ending is 11, as EAGAIN is).
  static_assert(static_cast<int>(boost::beast::http::error::bad_line_ending) == EAGAIN);
  EXPECT_EQ(ShortageOr(boost::beast::http::error::bad_line_ending, base::Code::kUnavailable),
            base::Code::kUnavailable);
}

}  // namespace
}  // namespace longhaul::http
