// fsync_latency DIR [COUNT]: the disk's floor for a durable acknowledgement. Appends COUNT
// (default 2000) records of 512 bytes to a scratch file in DIR, each followed by fdatasync, and
// prints the latency of the fdatasync calls as "p50_us=… p99_us=… p999_us=… max_us=…". No
// server does less for one durably acknowledged request on this disk.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fsync_latency DIR [COUNT]\n");
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/fsync_latency.scratch";
  const int count = argc > 2 ? std::atoi(argv[2]) : 2000;
  if (count < 1) {
    std::fprintf(stderr, "fsync_latency: COUNT must be at least 1\n");
    return 2;
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    return 1;
  }
  const std::string record(512, 'x');
  std::vector<double> micros;
  micros.reserve(count);
  for (int i = 0; i < count; ++i) {
    if (write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size())) {
      std::perror("write");
      return 1;
    }
    auto start = std::chrono::steady_clock::now();
    if (fdatasync(fd) != 0) {
      std::perror("fdatasync");
      return 1;
    }
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  close(fd);
  unlink(path.c_str());
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) {
    return micros[std::min<size_t>(micros.size() - 1, q * micros.size())];
  };
  std::printf("count=%d p50_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f\n", count, at(0.50),
              at(0.99), at(0.999), micros.back());
  return 0;
}
