#include "webhook/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdint>
#include <memory>

namespace longhaul::webhook {
namespace {

const char* DigestName(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha1:
      return "SHA1";
    case HashAlgorithm::kSha256:
      return "SHA256";
    case HashAlgorithm::kSha512:
      return "SHA512";
  }
  return nullptr;
}

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// OpenSSL treats a null pointer specially in places; point empty inputs at a real byte instead.
const unsigned char kNoBytes[1] = {0};

const unsigned char* Bytes(std::string_view s) {
  return s.empty() ? kNoBytes : reinterpret_cast<const unsigned char*>(s.data());
}

// Value of a hex digit, or -1.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

base::Result<std::string> ComputeHmac(HashAlgorithm algorithm, std::string_view key,
                                      std::string_view message) {
  return ComputeHmac(algorithm, key, {message});
}

base::Result<std::string> ComputeHmac(HashAlgorithm algorithm, std::string_view key,
                                      std::initializer_list<std::string_view> parts) {
  const char* digest = DigestName(algorithm);
  if (digest == nullptr) return base::Internal("unknown HMAC algorithm");
  std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (!mac) return base::Internal("OpenSSL has no HMAC");
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return base::Internal("OpenSSL HMAC context allocation failed");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), Bytes(key), key.size(), params) != 1) {
    return base::Internal("OpenSSL HMAC init failed");
  }
  for (std::string_view part : parts) {
    if (!part.empty() && EVP_MAC_update(ctx.get(), Bytes(part), part.size()) != 1) {
      return base::Internal("OpenSSL HMAC update failed");
    }
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  size_t out_len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1) {
    return base::Internal("OpenSSL HMAC final failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), out_len);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]);
    int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

bool MacEquals(std::string_view expected, std::string_view candidate) {
  if (expected.size() != candidate.size()) return false;
  if (expected.empty()) return false;  // an empty MAC never authenticates anything
  return CRYPTO_memcmp(expected.data(), candidate.data(), expected.size()) == 0;
}

bool SecretEquals(std::string_view secret, std::string_view candidate) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> a{};
  std::array<unsigned char, EVP_MAX_MD_SIZE> b{};
  unsigned int a_len = 0;
  unsigned int b_len = 0;
  if (EVP_Digest(Bytes(secret), secret.size(), a.data(), &a_len, EVP_sha256(), nullptr) != 1 ||
      EVP_Digest(Bytes(candidate), candidate.size(), b.data(), &b_len, EVP_sha256(), nullptr) !=
          1 ||
      a_len != b_len || a_len == 0) {
    return false;  // fail closed
  }
  return CRYPTO_memcmp(a.data(), b.data(), a_len) == 0;
}

}  // namespace longhaul::webhook
