#include "base/ids.h"

#include <random>

namespace longhaul::base {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t RandomBits() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen();
}

}  // namespace

std::string NewJobId(TimePoint now) {
  std::string id(26, '0');
  uint64_t ms = static_cast<uint64_t>(ToUnixMs(now));
  for (int i = 9; i >= 0; --i) {
    id[i] = kAlphabet[ms & 31];
    ms >>= 5;
  }
  uint64_t hi = RandomBits();
  uint64_t lo = RandomBits();
  for (int i = 10; i < 26; ++i) {
    uint64_t& src = i < 18 ? hi : lo;
    id[i] = kAlphabet[src & 31];
    src >>= 5;
  }
  return id;
}

bool LooksLikeJobId(std::string_view id) {
  if (id.size() != 26) return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') ||
              (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
    if (!ok) return false;
  }
  return true;
}

}  // namespace longhaul::base
