#include "http/peer_user.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace longhaul::http {
namespace {

using tcp = boost::asio::ip::tcp;

// An endpoint as /proc/net/tcp writes it: the address's bytes as 32-bit words in host order
// (little-endian here), each %08X, then ':' and the port %04X.
std::string ProcAddress(const tcp::endpoint& ep) {
  std::string out;
  char word[16];
  auto append_words = [&](const unsigned char* bytes, size_t n) {
    for (size_t i = 0; i < n; i += 4) {
      uint32_t w = 0;
      for (size_t k = 0; k < 4; ++k) w |= static_cast<uint32_t>(bytes[i + k]) << (8 * k);
      std::snprintf(word, sizeof word, "%08X", w);
      out += word;
    }
  };
  if (ep.address().is_v4()) {
    const auto bytes = ep.address().to_v4().to_bytes();
    append_words(bytes.data(), bytes.size());
  } else {
    const auto bytes = ep.address().to_v6().to_bytes();
    append_words(bytes.data(), bytes.size());
  }
  std::snprintf(word, sizeof word, ":%04X", ep.port());
  return out + word;
}

}  // namespace

bool PeerIsThisUser(const tcp::endpoint& local, const tcp::endpoint& remote) {
  // The peer's end: its local address is our remote one, and the other way round.
  const std::string peer = ProcAddress(remote);
  const std::string us = ProcAddress(local);
  std::ifstream table(remote.address().is_v4() ? "/proc/net/tcp" : "/proc/net/tcp6");
  std::string line;
  std::getline(table, line);  // the heading
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local_address, rem_address, state, queues, timer, retransmits;
    unsigned long uid = 0;
    if (!(fields >> slot >> local_address >> rem_address >> state >> queues >> timer >>
          retransmits >> uid)) {
      continue;
    }
    if (local_address == peer && rem_address == us) return uid == ::geteuid();
  }
  return false;
}

}  // namespace longhaul::http
