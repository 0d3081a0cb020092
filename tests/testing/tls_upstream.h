// TlsUpstream: an https server on 127.0.0.1:0 for tests of forwarding over TLS. Its certificate
// is self-signed for the address 127.0.0.1 only (no DNS name), made with the `openssl` command.
// A trusted upstream uses the process's TrustedCertificate(); an untrusted one a fresh
// certificate of its own. It serves connections one at a time until destroyed: reads one
// request, records it, answers `raw_response` verbatim and closes.
// Thread-safety: Received() and handshakes() may be called from any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "testing/temp_dir.h"

namespace longhaul::testing {

// Writes a fresh self-signed certificate for IP 127.0.0.1 and its key to `cert` and `key`
// (PEM). Returns false when the openssl command failed.
bool MakeSelfSignedCertificate(const std::string& cert, const std::string& key);

struct CertificateFiles {
  std::string cert;  // empty when it could not be made
  std::string key;
};

// A certificate made once per process, and trusted: the first call points OpenSSL's
// SSL_CERT_FILE at it, for this process and the servers it starts. Call it before the process
// makes its first TLS connection (longhaul loads the trusted certificates once).
const CertificateFiles& TrustedCertificate();

class TlsUpstream {
 public:
  explicit TlsUpstream(std::string raw_response, bool trusted = true);
  ~TlsUpstream();
  TlsUpstream(const TlsUpstream&) = delete;
  TlsUpstream& operator=(const TlsUpstream&) = delete;

  bool ok() const { return ok_; }  // the certificate was made and the port is listening
  uint16_t port() const { return port_; }
  const std::string& cert_file() const { return cert_; }
  // "https://<host>:<port><path>"
  std::string url(const std::string& path = "", const std::string& host = "127.0.0.1") const;
  // The last request read over a completed handshake, if any.
  std::optional<boost::beast::http::request<boost::beast::http::string_body>> Received();
  int handshakes();  // handshakes completed so far

 private:
  void Serve();

  TempDir dir_;
  std::string cert_;
  std::string key_;
  std::string raw_response_;
  bool ok_ = false;
  boost::asio::io_context ioc_;
  boost::asio::ssl::context ssl_{boost::asio::ssl::context::tls_server};
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
  std::mutex mu_;
  bool stopping_ = false;
  int handshakes_ = 0;
  std::optional<boost::beast::http::request<boost::beast::http::string_body>> received_;
  std::thread thread_;
};

}  // namespace longhaul::testing
