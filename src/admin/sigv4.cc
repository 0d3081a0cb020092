#include "admin/sigv4.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "webhook/hmac.h"

namespace longhaul::admin::sigv4 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Trims and collapses runs of spaces, as the canonical headers need.
std::string CanonicalValue(std::string_view v) {
  v = Trim(v);
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// RFC 3986 encoding with AWS's unreserved set.
std::string UriEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view path) {
  if (path.empty()) return "/";
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view seg =
        path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
    out += UriEncode(seg);
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    std::string k = UriEncode(UriDecode(kv.substr(0, eq)));
    std::string v = eq == std::string_view::npos ? "" : UriEncode(UriDecode(kv.substr(eq + 1)));
    params.emplace_back(std::move(k), std::move(v));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::string FindHeader(const HeaderList& headers, std::string_view lower_name) {
  for (const auto& [k, v] : headers) {
    if (Lower(k) == lower_name) return v;
  }
  return "";
}

std::string Hmac(std::string_view key, std::string_view msg) {
  // kInternal only when OpenSSL fails; an empty MAC then never matches a signature.
  auto mac = webhook::ComputeHmac(webhook::HashAlgorithm::kSha256, key, msg);
  return mac.ok() ? *mac : std::string();
}

// Seconds since the epoch for "yyyymmddThhmmssZ"; -1 when malformed.
int64_t ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return -1;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return -1;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return "";
  return webhook::HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

bool IsSigV4(std::string_view authorization) { return Trim(authorization).starts_with(kAlgorithm); }

base::Result<Authorization> ParseAuthorization(std::string_view header) {
  header = Trim(header);
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm) {
    return base::InvalidArgument("Authorization header requires the AWS4-HMAC-SHA256 algorithm");
  }
  header.remove_prefix(kAlgorithm.size());
  Authorization a;
  std::string credential, signed_headers;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view part = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Credential") credential = value;
    if (key == "SignedHeaders") signed_headers = value;
    if (key == "Signature") a.signature = Lower(value);
  }
  // Credential = <key id>/<yyyymmdd>/<region>/<service>/aws4_request
  std::vector<std::string> scope;
  size_t start = 0;
  while (true) {
    size_t slash = credential.find('/', start);
    scope.push_back(
        credential.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || scope[4] != "aws4_request") {
    return base::InvalidArgument(
        "Authorization header requires a well-formed 'Credential' "
        "parameter (<key id>/<date>/<region>/<service>/aws4_request)");
  }
  a.access_key_id = scope[0];
  a.date = scope[1];
  a.region = scope[2];
  a.service = scope[3];
  if (signed_headers.empty()) {
    return base::InvalidArgument("Authorization header requires 'SignedHeaders' parameter");
  }
  start = 0;
  while (true) {
    size_t semi = signed_headers.find(';', start);
    a.signed_headers.push_back(Lower(signed_headers.substr(
        start, semi == std::string::npos ? std::string::npos : semi - start)));
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  if (a.signature.empty()) {
    return base::InvalidArgument("Authorization header requires 'Signature' parameter");
  }
  return a;
}

std::string CanonicalRequest(const SignedRequest& req,
                             const std::vector<std::string>& signed_headers) {
  std::string out =
      req.method + "\n" + CanonicalUri(req.path) + "\n" + CanonicalQuery(req.query) + "\n";
  for (const auto& name : signed_headers) {
    std::string value;
    bool first = true;
    for (const auto& [k, v] : req.headers) {
      if (Lower(k) != name) continue;
      if (!first) value += ',';
      value += CanonicalValue(v);
      first = false;
    }
    out += name + ":" + value + "\n";
  }
  out += "\n";
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_headers[i];
  }
  out += "\n" + req.payload_hash;
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         Sha256Hex(canonical_request);
}

std::string Signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign) {
  std::string k = Hmac("AWS4" + std::string(secret), date);
  k = Hmac(k, region);
  k = Hmac(k, service);
  k = Hmac(k, "aws4_request");
  return webhook::HexEncode(Hmac(k, string_to_sign));
}

Verdict Verify(const SignedRequest& req, const std::vector<AccessKey>& keys, base::TimePoint now,
               std::string_view service) {
  std::string header = FindHeader(req.headers, "authorization");
  if (header.empty()) {
    return {Failure::kMissingAuthenticationToken, "Missing Authentication Token"};
  }
  auto auth = ParseAuthorization(header);
  if (!auth.ok()) return {Failure::kInvalidSignature, auth.status().message()};
  const AccessKey* key = nullptr;
  for (const auto& k : keys) {
    if (k.id == auth->access_key_id) key = &k;
  }
  if (key == nullptr) {
    return {Failure::kUnrecognizedClient, "The security token included in the request is invalid."};
  }
  std::string amz_date = FindHeader(req.headers, "x-amz-date");
  int64_t signed_at = ParseAmzDate(amz_date);
  if (signed_at < 0) {
    return {Failure::kInvalidSignature,
            "Authorization header requires existence of a valid "
            "'X-Amz-Date' header (yyyyMMddTHHmmssZ)"};
  }
  int64_t now_s = base::ToUnixMs(now) / 1000;
  if (signed_at < now_s - 15 * 60 || signed_at > now_s + 15 * 60) {
    return {Failure::kInvalidSignature,
            "Signature expired: " + amz_date + " is not within 15 minutes of the server's time"};
  }
  if (auth->date != amz_date.substr(0, 8)) {
    return {Failure::kInvalidSignature,
            "Credential should be scoped to a valid date: '" + amz_date.substr(0, 8) + "'"};
  }
  if (auth->service != service) {
    return {Failure::kInvalidSignature,
            "Credential should be scoped to correct service: '" + std::string(service) + "'"};
  }
  bool host_signed = std::find(auth->signed_headers.begin(), auth->signed_headers.end(), "host") !=
                     auth->signed_headers.end();
  if (!host_signed) {
    return {Failure::kInvalidSignature,
            "'Host' must be a 'SignedHeader' in the AWS Authorization."};
  }
  std::string scope = auth->date + "/" + auth->region + "/" + auth->service + "/aws4_request";
  std::string expected =
      Signature(key->secret, auth->date, auth->region, auth->service,
                StringToSign(amz_date, scope, CanonicalRequest(req, auth->signed_headers)));
  if (!webhook::MacEquals(expected, auth->signature)) {
    return {Failure::kInvalidSignature,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details."};
  }
  return {};
}

std::string_view ErrorType(Failure f) {
  switch (f) {
    case Failure::kNone:
      return "";
    case Failure::kMissingAuthenticationToken:
      return "MissingAuthenticationTokenException";
    case Failure::kUnrecognizedClient:
      return "UnrecognizedClientException";
    case Failure::kInvalidSignature:
      return "InvalidSignatureException";
  }
  return "InvalidSignatureException";
}

}  // namespace longhaul::admin::sigv4
