// Black-box tests of hostile input against the real binary (issue 4, "Hostile input"): slow,
// oversized, malformed and too many requests. Each one must get a clear 4xx or a closed
// connection, store nothing (GET /jobs stays empty), run nothing (the function would leave a
// marker file), and leave the server answering. Requests no well-behaved client would send go
// over raw sockets. (A path traversal in a hooks file's pass-file-to-command is refused at start:
// hooks_e2e_test.cc, PathTraversalInPassFileIsRefusedAtStart.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "testing/raw_conn.h"
#include "testing/server_process.h"

namespace longhaul::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// The server's limits for these tests (all small, so hostile requests hit them quickly).
constexpr char kServerLimits[] =
    "  header_limit: 1KiB\n"
    "  body_limit: 256KiB\n"
    "  header_timeout: 300ms\n"
    "  body_timeout: 2s\n"
    "  max_connections: 8\n";
constexpr int kMaxConnections = 8;
constexpr size_t kBodyLimit = 256 * 1024;

// The status code of a raw response ("HTTP/1.1 431 ..."), or 0 when there is none.
int StatusOf(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

// The server's resident memory in KiB (VmRSS in /proc/PID/status).
long RssKiB(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// `work` would leave the marker file "ran" (no hostile request may get that far); `probe` runs
// the good request each test ends with.
std::string HostileConfig(const TempDir& scratch) {
  return "functions:\n"
         "  work:\n"
         "    runtime: command\n"
         "    command: [\"/bin/sh\", \"-c\", \"touch " +
         scratch.File("ran") +
         "\"]\n"
         "    retries: 0\n"
         "  probe:\n"
         "    runtime: command\n"
         "    command: [\"/bin/sh\", \"-c\", \"cat > " +
         scratch.File("probe") +
         "\"]\n"
         "routes:\n"
         "  - path: /hook\n"
         "    function: work\n"
         "    idempotency_key: {json: /id}\n"
         "  - path: /probe\n"
         "    function: probe\n";
}

class HostileE2E : public ::testing::Test {
 protected:
  HostileE2E() : server_(HostileConfig(scratch_), kServerLimits) {}

  void SetUp() override { server_.Start(); }

  int port() const {
    std::string url = server_.public_url();
    return std::stoi(url.substr(url.rfind(':') + 1));
  }

  // Sends `request` on a fresh connection and returns the raw answer (empty: the connection
  // was closed without one). Fails the test if the server keeps it open.
  std::string RawResponse(std::string_view request) { return RawResponseFrom(port(), request); }
  std::string RawResponseFrom(int port, std::string_view request) {
    RawConn conn(port);
    EXPECT_TRUE(conn.connected());
    conn.Send(request);  // may fail part-way: the server stops reading at a limit
    bool closed = false;
    std::string response = conn.ReadUntilClosed(seconds(20), &closed);
    EXPECT_TRUE(closed) << "the server kept the connection open after: " << request.substr(0, 80);
    return response;
  }

  // The same, but only the answer's status (0: none).
  int ExchangeStatus(std::string_view request) { return StatusOf(RawResponse(request)); }

  // Nothing was stored, nothing ran, and the server still takes (and runs) a good request. The
  // probe runs after anything that might have been queued by the hostile requests, so a job
  // that slipped through would have left its marker by the time the probe's job has succeeded.
  void ExpectUnharmed() {
    auto jobs = server_.AdminGet("/jobs");
    ASSERT_TRUE(jobs.ok()) << jobs.status().ToString();
    EXPECT_EQ(JsonField(jobs->body, "jobs"), "[]") << jobs->body;

    auto probe = server_.Post("/probe", "still here");
    ASSERT_TRUE(probe.ok()) << probe.status().ToString() << "\n" << server_.Log();
    ASSERT_EQ(probe->status, 202) << probe->body;
    std::string id = JsonField(probe->body, "id");
    EXPECT_FALSE(server_.WaitForJobState(id, "succeeded").empty()) << server_.Log();
    EXPECT_FALSE(std::filesystem::exists(scratch_.File("ran"))) << "a hostile request ran";
    auto after = server_.AdminGet("/jobs");
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->body.find("\"function\":\"work\""), std::string::npos) << after->body;
  }

  TempDir scratch_;
  ServerProcess server_;
};

TEST_F(HostileE2E, SlowlorisHeaderIsCutOffAfterHeaderTimeout) {
  RawConn conn(port());
  ASSERT_TRUE(conn.connected());
  // One byte every 20 ms of a header that never ends (and stays under header_limit): with a
  // 300 ms header_timeout the server must close the connection long before the 20 s bound.
  const std::string header = "POST /hook HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(900, 'a');
  bool cut_off = false;
  auto deadline = Clock::now() + seconds(20);
  for (size_t i = 0; i < header.size() && Clock::now() < deadline; ++i) {
    if (!conn.Send(header.substr(i, 1)) || conn.WaitReadable(milliseconds(20))) {
      cut_off = true;
      break;
    }
  }
  ASSERT_TRUE(cut_off) << "the server still waited for the header after " << header.size()
                       << " bytes";
  bool closed = false;
  std::string response = conn.ReadUntilClosed(seconds(20), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(response), 408) << response;
  ExpectUnharmed();
}

TEST_F(HostileE2E, SlowBodyIsCutOffAfterBodyTimeout) {
  RawConn conn(port());
  ASSERT_TRUE(conn.connected());
  // A whole header, then 10 of the 100 body bytes it announces, then nothing: past the 2 s
  // body_timeout the answer is a 408 and the connection closes.
  ASSERT_TRUE(conn.Send("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" +
                        std::string(10, 'b')));
  bool closed = false;
  std::string response = conn.ReadUntilClosed(seconds(20), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(response), 408) << response;
  ExpectUnharmed();
}

TEST_F(HostileE2E, PipelinedRequestsAreAnsweredInOrder) {
  RawConn conn(port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(
      conn.Send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
                "POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                "GET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  std::string response = conn.ReadUntilClosed(seconds(20), &closed);
  EXPECT_TRUE(closed);
  size_t first = response.find("/first"), second = response.find("/second"),
         third = response.find("/third");
  ASSERT_NE(third, std::string::npos) << response;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  size_t answers = 0;
  for (size_t at = response.find("HTTP/1.1 404 "); at != std::string::npos;
       at = response.find("HTTP/1.1 404 ", at + 1)) {
    ++answers;
  }
  EXPECT_EQ(answers, 3u) << response;
  ExpectUnharmed();
}

// A client that waits for 100 Continue with a body for a path no route takes gets the 404 at
// once, and never sends the body (the connection closes).
TEST_F(HostileE2E, ExpectContinueToAPathWithoutARouteGetsTheAnswerInsteadOfA100) {
  RawConn conn(port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(
      conn.Send("POST /nowhere HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                "Content-Length: 100000\r\n\r\n"));
  bool closed = false;
  std::string response = conn.ReadUntilClosed(seconds(20), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(response.find("100 Continue"), std::string::npos) << response;
  EXPECT_EQ(StatusOf(response), 404) << response;
  EXPECT_NE(response.find("no route for /nowhere"), std::string::npos) << response;
  ExpectUnharmed();
}

TEST_F(HostileE2E, OversizedHeaderIs431) {
  std::string big =
      RawResponse("POST /hook HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'h') +
                  "\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(StatusOf(big), 431) << big;
  EXPECT_THAT(big, HasSubstr("request header is over the limit of 1024 bytes"));
  // Many small fields add up the same way.
  std::string many = "POST /hook HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 200; ++i) many += "X-F" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(ExchangeStatus(many + "Content-Length: 2\r\n\r\n{}"), 431);
  ExpectUnharmed();
}

TEST_F(HostileE2E, OversizedBodyWithContentLengthIs413BeforeTheBodyIsRead) {
  // 1 GiB announced, none of it sent: the answer must not wait for the body, and says the limit.
  std::string big =
      RawResponse("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n");
  EXPECT_EQ(StatusOf(big), 413) << big;
  EXPECT_THAT(
      big, HasSubstr("request body is over the limit of " + std::to_string(kBodyLimit) + " bytes"));
  // Also with Expect: 100-continue: no 100, a 413.
  EXPECT_EQ(ExchangeStatus("POST /hook HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                           "Content-Length: " +
                           std::to_string(kBodyLimit + 1) + "\r\n\r\n"),
            413);
  ExpectUnharmed();
}

TEST_F(HostileE2E, OversizedChunkedBodyIs413) {
  std::string request = "POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(16 * 1024, 'c');
  for (size_t sent = 0; sent <= kBodyLimit + chunk.size(); sent += chunk.size()) {
    request += "4000\r\n" + chunk + "\r\n";
  }
  request += "0\r\n\r\n";
  EXPECT_EQ(ExchangeStatus(request), 413);
  // One chunk that claims more than the limit by itself.
  EXPECT_EQ(ExchangeStatus("POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "fffffffff\r\n" +
                           chunk),
            413);
  ExpectUnharmed();
}

TEST_F(HostileE2E, BadChunkedEncodingIs400) {
  const std::string head = "POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string body : {"zz\r\nhello\r\n0\r\n\r\n",        // size is not hex
                                 "5\r\nhelloXX0\r\n\r\n",           // no CRLF after the data
                                 "-5\r\nhello\r\n0\r\n\r\n",        // negative size
                                 "ffffffffffffffffff\r\nx\r\n"}) {  // size overflows
    EXPECT_EQ(ExchangeStatus(head + body), 400) << body;
  }
  ExpectUnharmed();
}

TEST_F(HostileE2E, TransferCodingOtherThanChunkedIs501) {
  // De-chunked, the body would still be gzip: stored as it is, the function would get garbage.
  std::string answer = RawResponse(
      "POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "a\r\n{\"id\":\"g\"}\r\n0\r\n\r\n");
  EXPECT_EQ(StatusOf(answer), 501) << answer;
  EXPECT_THAT(answer, HasSubstr("Transfer-Encoding gzip is not supported; only chunked"));
  ExpectUnharmed();
}

TEST_F(HostileE2E, Http11WithoutHostIs400) {
  std::string answer =
      RawResponse("POST /hook HTTP/1.1\r\nContent-Length: 10\r\n\r\n{\"id\":\"h\"}");
  EXPECT_EQ(StatusOf(answer), 400) << answer;
  EXPECT_THAT(answer, HasSubstr("missing Host header"));
  ExpectUnharmed();
}

TEST_F(HostileE2E, InvalidUtf8InAJsonBodyWithAPointerKeyIs400) {
  // The route takes its idempotency key from /id; a body that is not valid UTF-8 is not JSON.
  for (const std::string& body : {std::string("{\"id\": \"\xff\xfe\"}"),
                                  std::string("{\"id\": \"\xc0\xaf\"}"),      // overlong '/'
                                  std::string("{\"id\": \"\xed\xa0\x80\"}"),  // a surrogate
                                  std::string("{\"id\": 1, \"t\": \"\xe2\x82\"}")}) {  // cut short
    auto r = server_.Post("/hook", body, {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_NE(r->body.find("not valid JSON"), std::string::npos) << r->body;
  }
  ExpectUnharmed();
}

TEST_F(HostileE2E, DeeplyNestedJsonIs400) {
  for (const std::string& body :
       {std::string(100'000, '['), std::string(100'000, '[') + std::string(100'000, ']'), [] {
          std::string s;
          for (int i = 0; i < 20'000; ++i) s += "{\"id\":";
          return s + "1" + std::string(20'000, '}');
        }()}) {
    auto r = server_.Post("/hook", body, {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 400) << r->body;
  }
  ExpectUnharmed();
}

TEST_F(HostileE2E, GarbageRequestLinesAre400) {
  for (const std::string& line :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n",  // TLS
        std::string("GET /\r\n\r\n"),                      // HTTP/0.9: no version
        std::string("POST /hook HTTP/1.1 extra\r\n\r\n"),  // junk after the version
        std::string("POST /hook HTTQ/1.1\r\n\r\n"),        // not HTTP
        std::string("PO\x01ST /hook HTTP/1.1\r\n\r\n"),    // control byte in the method
        std::string("POST /ho\x7fok HTTP/1.1\r\n\r\n"),    // DEL in the target
        std::string("POST /hook HTTP/1.1\r\nNo colon here\r\n\r\n"),
        std::string("POST /hook HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n"),
        std::string("POST /hook HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")}) {
    EXPECT_EQ(ExchangeStatus(line), 400) << line;
  }
  ExpectUnharmed();
}

TEST_F(HostileE2E, ConnectionsBeyondMaxConnectionsGet503AndServingGoesOn) {
  // Idle connections that never send a byte hold every slot; the ones after them are answered
  // 503 and closed by the server at once (recv sees the answer, then the close).
  std::vector<std::unique_ptr<RawConn>> held;
  for (int i = 0; i < kMaxConnections; ++i) {
    held.push_back(std::make_unique<RawConn>(port()));
    ASSERT_TRUE(held.back()->connected());
  }
  // The server counts a connection once it has accepted it; wait until all 8 are counted, which
  // shows as the next connection being closed.
  ASSERT_TRUE(Eventually(
      [&] {
        RawConn extra(port());
        bool closed = false;
        extra.ReadUntilClosed(milliseconds(500), &closed);
        return closed;
      },
      seconds(30)))
      << "a connection beyond max_connections was not closed";
  for (int i = 0; i < 2 * kMaxConnections; ++i) {
    RawConn extra(port());
    bool closed = false;
    std::string got = extra.ReadUntilClosed(seconds(10), &closed);
    EXPECT_TRUE(closed) << "extra connection " << i << " was not closed";
    EXPECT_EQ(StatusOf(got), 503) << got;
    EXPECT_NE(got.find("Retry-After: 1\r\n"), std::string::npos) << got;
    EXPECT_NE(got.find("at most 8 at once (server.max_connections)"), std::string::npos) << got;
  }
  // A client that sends its request before reading still gets the answer (the server reads
  // what it sent before closing, so the close does not reset the connection).
  RawConn eager(port());
  ASSERT_TRUE(eager.Send("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
  bool eager_closed = false;
  std::string eager_got = eager.ReadUntilClosed(seconds(10), &eager_closed);
  EXPECT_EQ(StatusOf(eager_got), 503) << eager_got;
  // The held connections still work: a request on one of them is answered.
  ASSERT_TRUE(held[0]->Send("POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(held[0]->WaitReadable(seconds(20)));
  bool closed = false;
  std::string answer = held[0]->ReadUntilClosed(milliseconds(300), &closed);
  EXPECT_EQ(StatusOf(answer), 404) << answer;
  // Once they are gone, new connections are served again.
  held.clear();
  EXPECT_TRUE(Eventually(
      [&] {
        auto r = server_.Post("/nope", "x");
        return r.ok() && r->status == 404;
      },
      seconds(30)));
  ExpectUnharmed();
}

TEST_F(HostileE2E, MemoryStaysBoundedUnderAFloodOfOversizedRequests) {
  const long before = RssKiB(server_.pid());
  ASSERT_GT(before, 0);
  const std::string big_header =
      "POST /hook HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'h') + "\r\n\r\n";
  const std::string big_length =
      "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(1ull << 40) +
      "\r\n\r\n" + std::string(1024 * 1024, 'b');
  std::string big_chunked = "POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 64; ++i) big_chunked += "4000\r\n" + std::string(16 * 1024, 'c') + "\r\n";
  // 4 clients at a time, 60 requests each: about 160 MiB offered, well over the bound below, so
  // a server that kept what it refuses could not pass. A refused request's connection stays
  // while the server discards what the client still sends (a lingering close), so some of
  // them find all 8 of max_connections taken: 503.
  std::vector<std::thread> clients;
  std::atomic<int> bad_answers{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        const std::string& request = (i + t) % 3 == 0   ? big_header
                                     : (i + t) % 3 == 1 ? big_length
                                                        : big_chunked;
        RawConn conn(port());
        if (!conn.connected()) continue;
        conn.Send(request);
        bool closed = false;
        int status = StatusOf(conn.ReadUntilClosed(seconds(20), &closed));
        if (!closed || (status != 0 && status != 413 && status != 431 && status != 503)) {
          ++bad_answers;
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(bad_answers.load(), 0);
  const long after = RssKiB(server_.pid());
  RecordProperty("vmrss_before_kib", std::to_string(before));
  RecordProperty("vmrss_after_kib", std::to_string(after));
  // A resource bound, not a timing one: the server keeps no part of what it refused.
  EXPECT_LT(after - before, 64 * 1024)
      << "VmRSS grew from " << before << " KiB to " << after << " KiB";
  ExpectUnharmed();
}

TEST_F(HostileE2E, AHeaderOverTheLimitIs431HoweverItIsSplit) {
  // The header arrives in pieces of whole fields, each well under the 1 KiB limit; only their
  // sum is over it, and the last piece crosses it (so the server has read all that was sent).
  RawConn conn(port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.Send("POST /hook HTTP/1.1\r\nHost: x\r\n"));
  const std::string field = "X-Pad: " + std::string(91, 'p') + "\r\n";  // 100 bytes
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(conn.Send(field));
  conn.Send(field + "Content-Length: 2\r\n\r\n{}");
  bool closed = false;
  std::string got = conn.ReadUntilClosed(seconds(20), &closed);
  EXPECT_EQ(StatusOf(got), 431) << got;
  ExpectUnharmed();
}

TEST_F(HostileE2E, Http10GetsNo100Continue) {
  // The body never comes: the answer is the body timeout's 408, with no 100 before it.
  std::string got =
      RawResponse("POST /hook HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(StatusOf(got), 408) << got;
  EXPECT_THAT(got, ::testing::Not(HasSubstr("100 Continue")));
  ExpectUnharmed();
}

// Out of file descriptors, the server cannot accept: it says so once, waits instead of
// spinning on the connection it cannot take, and accepts again once descriptors are free.
TEST(HostileLimitsE2E, RunningOutOfFileDescriptorsIsLoggedAndServingResumes) {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizers' runtime in the server needs descriptors of its own (to read its memory
  // map): out of them, UBSan reports a type error that is not there, and the server stops.
  GTEST_SKIP() << "not under the sanitizers";
#endif
  TempDir scratch;
  ServerProcess server(HostileConfig(scratch));
  // Started with a soft limit of 256, the server raises it to the hard one.
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit soft = saved;
  soft.rlim_cur = std::min<rlim_t>(256, saved.rlim_cur);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &soft), 0);
  server.Start();
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit raised{};
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, nullptr, &raised), 0);
  EXPECT_EQ(raised.rlim_cur, std::min<rlim_t>(saved.rlim_max, rlim_t{1} << 20));
  // The server raised its limit at the start and sized max_connections by it; lowered now,
  // under what it holds, it runs out (as under a limit shared with other processes' files).
  const rlimit low{64, 64};
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, &low, nullptr), 0) << std::strerror(errno);
  std::string url = server.public_url();
  const int port = std::stoi(url.substr(url.rfind(':') + 1));

  std::vector<std::unique_ptr<RawConn>> held;
  for (int i = 0; i < 80; ++i) {
    held.push_back(std::make_unique<RawConn>(port));
    ASSERT_TRUE(held.back()->connected());  // the kernel completes it; the server may not
  }
  EXPECT_TRUE(Eventually(
      [&] { return server.Log().find("http.accept_failed") != std::string::npos; }, seconds(30)))
      << server.Log();
  EXPECT_THAT(server.Log(), ::testing::HasSubstr("Too many open files"));
  EXPECT_THAT(server.Log(), ::testing::HasSubstr("http.accept_failed listener=public"));
  held.clear();
  EXPECT_TRUE(Eventually(
      [&] {
        auto r = server.Post("/nope", "x");
        return r.ok() && r->status == 404;
      },
      seconds(30)));
  EXPECT_THAT(server.Log(), ::testing::HasSubstr("http.accept_resumed listener=public"));
  const std::string log = server.Log();
  size_t failures = 0;
  for (size_t at = log.find("http.accept_failed"); at != std::string::npos;
       at = log.find("http.accept_failed", at + 1)) {
    ++failures;
  }
  EXPECT_EQ(failures, 1u) << "logged once per episode, not once per try";
}

// A web page in the operator's browser may send requests to the admin API on 127.0.0.1 (a
// form or fetch() POST is sent without CORS approval), and read its answers through a name of
// its own pointed at 127.0.0.1: neither may run a function or read a job.
TEST_F(HostileE2E, WebPagesCannotDriveTheAdminApi) {
  const std::string invoke =
      "POST /2015-03-31/functions/work/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: text/plain\r\nConnection: close\r\nContent-Length: 2\r\n";
  std::string from_page =
      RawResponseFrom(server_.admin_port(), invoke + "Origin: https://evil.example\r\n\r\n{}");
  EXPECT_EQ(StatusOf(from_page), 403) << from_page;
  EXPECT_THAT(from_page, HasSubstr("the admin API does not take requests from web pages (this "
                                   "one came from Origin https://evil.example)"));
  std::string rebound = RawResponseFrom(
      server_.admin_port(),
      "GET /jobs HTTP/1.1\r\nHost: rebind.evil.example:8081\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(rebound), 403) << rebound;
  EXPECT_THAT(rebound, HasSubstr("not by the name rebind.evil.example:8081"));
  // The CLI's, the SDKs' and curl's requests: by address or localhost, without an Origin.
  for (const char* host : {"127.0.0.1", "localhost:1", "LOCALHOST.", "x.localhost", "[::1]:8"}) {
    std::string fine =
        RawResponseFrom(server_.admin_port(), "GET /jobs HTTP/1.1\r\nHost: " + std::string(host) +
                                                  "\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(StatusOf(fine), 200) << host << ": " << fine;
  }
  ExpectUnharmed();
}

}  // namespace
}  // namespace longhaul::testing
