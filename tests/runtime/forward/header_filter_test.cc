#include "runtime/forward/header_filter.h"

#include <gtest/gtest.h>

namespace longhaul::runtime::forward {
namespace {

TEST(ForwardableHeaders, DropsHopByHopAndFramingHeaders) {
  store::Headers in = {
      {"Host", "public.example"},
      {"Content-Type", "application/json"},
      {"connection", "keep-alive, X-Private"},
      {"X-Private", "secret"},
      {"Keep-Alive", "timeout=5"},
      {"Transfer-Encoding", "chunked"},
      {"TE", "trailers"},
      {"Trailer", "X-Sum"},
      {"Upgrade", "websocket"},
      {"Proxy-Authorization", "Basic x"},
      {"Proxy-Connection", "keep-alive"},
      {"Content-Length", "12"},
      {"Expect", "100-continue"},
      {"X-Custom", "1"},
      {"x-custom", "2"},
      {"Authorization", "Bearer t"},
  };
  store::Headers want = {
      {"Content-Type", "application/json"},
      {"X-Custom", "1"},
      {"x-custom", "2"},
      {"Authorization", "Bearer t"},
  };
  EXPECT_EQ(ForwardableHeaders(in), want);
}

}  // namespace
}  // namespace longhaul::runtime::forward
