#include "webhook/signature_headers.h"

#include <string>

namespace longhaul::webhook {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> FindHeader(const store::Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return Trim(value);
  }
  return std::nullopt;
}

base::Result<std::string_view> RequireSingleHeader(const store::Headers& headers,
                                                   std::string_view name) {
  std::optional<std::string_view> found;
  for (const auto& [key, value] : headers) {
    if (!EqualsIgnoreCase(key, name)) continue;
    if (found) return base::Unauthenticated("more than one " + std::string(name) + " header");
    found = Trim(value);
  }
  if (!found) return base::Unauthenticated("missing " + std::string(name) + " header");
  return *found;
}

std::optional<int64_t> ParseUnixSeconds(std::string_view text) {
  // 18 digits stay below INT64_MAX, so the accumulation cannot overflow.
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

base::Result<StripeSignature> ParseStripeSignature(std::string_view header) {
  StripeSignature out;
  bool have_t = false;
  while (true) {
    size_t comma = header.find(',');
    std::string_view item = Trim(header.substr(0, comma));
    size_t eq = item.find('=');
    if (eq != std::string_view::npos) {
      std::string_view key = item.substr(0, eq);
      std::string_view value = item.substr(eq + 1);
      if (key == "t") {
        if (have_t) return base::Unauthenticated("Stripe-Signature has more than one t=");
        std::optional<int64_t> t = ParseUnixSeconds(value);
        if (!t) return base::Unauthenticated("Stripe-Signature t= is not a Unix timestamp");
        out.timestamp = *t;
        out.timestamp_text = value;
        have_t = true;
      } else if (key == "v1") {
        out.v1.push_back(value);
      }
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  if (!have_t) return base::Unauthenticated("Stripe-Signature has no t= timestamp");
  if (out.v1.empty()) return base::Unauthenticated("Stripe-Signature has no v1= signature");
  return out;
}

std::vector<VersionedSignature> ParseVersionedSignatures(std::string_view header) {
  std::vector<VersionedSignature> out;
  size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && IsSpace(header[i])) ++i;
    size_t start = i;
    while (i < header.size() && !IsSpace(header[i])) ++i;
    std::string_view entry = header.substr(start, i - start);
    size_t comma = entry.find(',');
    if (comma == std::string_view::npos) continue;  // also covers an empty entry
    out.push_back({entry.substr(0, comma), entry.substr(comma + 1)});
  }
  return out;
}

}  // namespace longhaul::webhook
