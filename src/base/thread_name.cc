#include "base/thread_name.h"

#include <pthread.h>

#include <string>

namespace longhaul::base {

void SetThreadName(std::string_view name) {
  std::string cut(name.substr(0, 15));
  (void)pthread_setname_np(pthread_self(), cut.c_str());  // best effort: only a label
}

}  // namespace longhaul::base
