// A tiny test helper: EXPECT records a failure and goes on, CHECK stops the
// test. check_exit_code() is what main returns.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace check {

inline int& failures() {
  static int count = 0;
  return count;
}

inline bool report(bool ok, const char* expr, const char* file, int line) {
  if (!ok) {
    ++failures();
    std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, expr);
  }
  return ok;
}

inline int exit_code() {
  if (failures() == 0) return 0;
  std::fprintf(stderr, "%d check(s) failed\n", failures());
  return 1;
}

}  // namespace check

// Both evaluate to the condition, so a test can add context on failure.
#define EXPECT(cond) ::check::report(static_cast<bool>(cond), #cond, __FILE__, __LINE__)
#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!::check::report(static_cast<bool>(cond), #cond, __FILE__, __LINE__)) std::exit(1); \
  } while (0)
