#include "http/browser_guard.h"

#include <gtest/gtest.h>

namespace longhaul::http {
namespace {

RequestHeader Head(std::string_view host, std::string_view origin = "") {
  RequestHeader head;
  head.method(boost::beast::http::verb::post);
  head.target("/jobs/X/retry");
  if (!host.empty()) head.set(boost::beast::http::field::host, host);
  if (!origin.empty()) head.set(boost::beast::http::field::origin, origin);
  return head;
}

std::optional<std::string> Problem(const RequestHeader& head, bool any_name) {
  return BrowserRequestProblem(head, any_name, "the admin API", "set server.admin_token");
}

TEST(BrowserRequestProblem, AnOriginIsRefusedWithOrWithoutAToken) {
  EXPECT_TRUE(Problem(Head("127.0.0.1:8081", "null"), false).has_value());
  EXPECT_TRUE(Problem(Head("admin.internal", "https://a.example"), true).has_value());
  EXPECT_FALSE(Problem(Head("127.0.0.1:8081"), false).has_value());
}

// A rebinding page never has the token: with one, any name may be used (a proxy, a container's
// service name); without, only addresses and localhost.
TEST(BrowserRequestProblem, ANameOtherThanLocalhostNeedsAToken) {
  for (std::string_view host : {"10.0.0.5", "10.0.0.5:8081", "[::1]", "[fe80::1]:1", "localhost",
                                "localhost.:8081", "api.localhost", ""}) {
    EXPECT_FALSE(Problem(Head(host), false).has_value()) << host;
  }
  for (std::string_view host : {"longhaul", "evil.example:8081", "localhost.evil.example",
                                "127.0.0.1.nip.io", "notlocalhost"}) {
    auto problem = Problem(Head(host), false);
    ASSERT_TRUE(problem.has_value()) << host;
    EXPECT_NE(problem->find("set server.admin_token"), std::string::npos) << *problem;
    EXPECT_FALSE(Problem(Head(host), true).has_value()) << host;
  }
}

// An empty Host field (HTTP/1.1 allows one) is no name: the reason says so.
TEST(BrowserRequestProblem, AnEmptyHostIsNamedAsSuch) {
  RequestHeader head = Head("");
  head.set(boost::beast::http::field::host, "");
  auto problem = Problem(head, false);
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("not by an empty Host ("), std::string::npos) << *problem;
}

}  // namespace
}  // namespace longhaul::http
