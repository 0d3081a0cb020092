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

TEST(ForwardedHeaders, DirectSenderGetsItsAddressHostAndProto) {
  store::Request in;
  in.remote_addr = "203.0.113.7";
  in.headers = {{"Host", "hooks.example:8080"}, {"Content-Type", "text/plain"}};
  store::Headers want = {{"X-Forwarded-For", "203.0.113.7"},
                         {"X-Forwarded-Host", "hooks.example:8080"},
                         {"X-Forwarded-Proto", "http"}};
  EXPECT_EQ(ForwardedHeaders(in), want);
}

// Behind another proxy: its chain is kept and extended, its host and scheme are the sender's.
TEST(ForwardedHeaders, ThroughAProxyTheChainGrowsAndItsHostAndProtoStay) {
  store::Request in;
  in.remote_addr = "10.0.0.2";
  in.headers = {{"Host", "internal:8080"},
                {"X-Forwarded-For", "198.51.100.1, 192.0.2.9"},
                {"x-forwarded-for", " 10.0.0.1 "},
                {"X-Forwarded-Proto", "https"},
                {"X-Forwarded-Host", "hooks.example"}};
  store::Headers want = {{"X-Forwarded-For", "198.51.100.1, 192.0.2.9, 10.0.0.1, 10.0.0.2"},
                         {"X-Forwarded-Host", "hooks.example"},
                         {"X-Forwarded-Proto", "https"}};
  EXPECT_EQ(ForwardedHeaders(in), want);
  EXPECT_TRUE(IsForwardedHeader("x-FORWARDED-for"));
  EXPECT_FALSE(IsForwardedHeader("Forwarded"));
}

// respond-async and wait ask longhaul how to answer; the upstream's own preferences stay.
TEST(UpstreamPreferences, DropsLonghaulsOwnAndKeepsTheRest) {
  EXPECT_EQ(UpstreamPreferences("respond-async, wait=10"), "");
  EXPECT_EQ(UpstreamPreferences("RESPOND-ASYNC"), "");
  EXPECT_EQ(UpstreamPreferences("return=minimal, respond-async;x=1, wait = 5 ,handling=strict"),
            "return=minimal, handling=strict");
  EXPECT_EQ(UpstreamPreferences("waiting=1, return=representation"),
            "waiting=1, return=representation");
  EXPECT_EQ(UpstreamPreferences(" , "), "");
}

}  // namespace
}  // namespace longhaul::runtime::forward
