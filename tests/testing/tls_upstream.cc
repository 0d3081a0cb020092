#include "testing/tls_upstream.h"

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <cstdlib>
#include <utility>

namespace longhaul::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool MakeSelfSignedCertificate(const std::string& cert, const std::string& key) {
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=longhaul-test -addext subjectAltName=IP:127.0.0.1 -keyout '" +
      key + "' -out '" + cert + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

const CertificateFiles& TrustedCertificate() {
  static const CertificateFiles* files = [] {
    static TempDir dir;
    auto* f = new CertificateFiles{dir.File("trusted.pem"), dir.File("trusted.key")};
    if (MakeSelfSignedCertificate(f->cert, f->key)) {
      setenv("SSL_CERT_FILE", f->cert.c_str(), 1);
    } else {
      *f = {};
    }
    return f;
  }();
  return *files;
}

TlsUpstream::TlsUpstream(std::string raw_response, bool trusted)
    : raw_response_(std::move(raw_response)) {
  if (trusted) {
    cert_ = TrustedCertificate().cert;
    key_ = TrustedCertificate().key;
    if (cert_.empty()) return;
  } else {
    cert_ = dir_.File("cert.pem");
    key_ = dir_.File("key.pem");
    if (!MakeSelfSignedCertificate(cert_, key_)) return;
  }
  boost::system::error_code ec;
  ssl_.use_certificate_chain_file(cert_, ec);
  if (!ec) ssl_.use_private_key_file(key_, asio::ssl::context::pem, ec);
  if (!ec) acceptor_.open(tcp::v4(), ec);
  if (!ec) acceptor_.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0), ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return;
  port_ = acceptor_.local_endpoint().port();
  ok_ = true;
  thread_ = std::thread([this] { Serve(); });
}

TlsUpstream::~TlsUpstream() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  tcp::socket poke(ioc_);  // unblocks accept()
  boost::system::error_code ec;
  poke.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_), ec);
  thread_.join();
}

std::string TlsUpstream::url(const std::string& path, const std::string& host) const {
  return "https://" + host + ":" + std::to_string(port_) + path;
}

std::optional<http::request<http::string_body>> TlsUpstream::Received() {
  std::lock_guard lock(mu_);
  return received_;
}

int TlsUpstream::handshakes() {
  std::lock_guard lock(mu_);
  return handshakes_;
}

void TlsUpstream::Serve() {
  for (;;) {
    tcp::socket socket(ioc_);
    boost::system::error_code ec;
    acceptor_.accept(socket, ec);
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    if (ec) continue;
    asio::ssl::stream<tcp::socket> stream(std::move(socket), ssl_);
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) continue;  // the client refused the certificate
    {
      std::lock_guard lock(mu_);
      handshakes_++;
    }
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::read(stream, buffer, request, ec);
    if (ec) continue;
    {
      std::lock_guard lock(mu_);
      received_ = request;
    }
    asio::write(stream, asio::buffer(raw_response_), ec);
    stream.shutdown(ec);
  }
}

}  // namespace longhaul::testing
