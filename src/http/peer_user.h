// Whether a loopback TCP connection comes from a socket of this process's own user: the
// kernel's socket table (/proc/net/tcp, tcp6) says who owns the peer's end. For listeners only
// our own children should reach (a Lambda runtime's Runtime API): another local user must not
// take invocations or answer them.
// Thread-safety: pure function of /proc.
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace longhaul::http {

// True when the socket at the other end of a connection of ours (`local` our end, `remote` the
// peer's) is owned by this process's effective uid. False when it is not, or cannot be told
// (not found, /proc unreadable).
bool PeerIsThisUser(const boost::asio::ip::tcp::endpoint& local,
                    const boost::asio::ip::tcp::endpoint& remote);

}  // namespace longhaul::http
