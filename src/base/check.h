// LH_CHECK: fatal in every build, for states the process cannot continue from.
// LH_DCHECK: debug-only invariant. Never use either on input from outside the process.
#pragma once

#include <cstdio>
#include <cstdlib>

#define LH_CHECK(cond)                                                                 \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: LH_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

#ifdef NDEBUG
#define LH_DCHECK(cond) \
  do {                  \
  } while (0)
#else
#define LH_DCHECK(cond) LH_CHECK(cond)
#endif
