#include "config/function_key.h"

#include <openssl/evp.h>

#include <cctype>
#include <string_view>

namespace longhaul::config {
namespace {

// Lowercase hex of SHA-256(purpose NUL material); empty if OpenSSL fails.
std::string DigestHex(std::string_view purpose, const std::string& material) {
  std::string input(purpose);
  input += '\0';
  input += material;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    return "";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace

std::optional<AccessKey> FunctionAccessKey(const Server& server) {
  if (server.admin_token.empty() && server.lambda_access_keys.empty()) return std::nullopt;
  // Every secret, each ended by a NUL (none holds one: they come from YAML scalars).
  std::string material = server.admin_token;
  material += '\0';
  for (const auto& [id, secret] : server.lambda_access_keys) {
    material += id;
    material += '\0';
    material += secret;
    material += '\0';
  }
  std::string id = DigestHex("longhaul function key id", material);
  std::string secret = DigestHex("longhaul function key secret", material);
  if (id.empty() || secret.empty()) return std::nullopt;
  for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return AccessKey{"LHFN" + id.substr(0, 16), secret};
}

}  // namespace longhaul::config
