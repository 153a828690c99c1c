// Reads a libFuzzer input as a stream of bytes; past its end every read is 0,
// so any input decodes to some case.
#pragma once

#include <cstddef>
#include <cstdint>

struct FuzzBytes {
  const uint8_t* p;
  size_t left;
  uint8_t next() {
    if (left == 0) return 0;
    --left;
    return *p++;
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | next();
    return v;
  }
};
