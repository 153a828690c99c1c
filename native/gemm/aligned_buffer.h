// A heap buffer aligned for SIMD loads; never throws (check ok()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace qgemm {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes) { reset(bytes); }
  ~AlignedBuffer() { std::free(raw_); }
  AlignedBuffer(AlignedBuffer&& o) noexcept : raw_(o.raw_), data_(o.data_), size_(o.size_) {
    o.raw_ = nullptr;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  void release() {
    std::free(raw_);
    raw_ = nullptr;
    data_ = nullptr;
    size_ = 0;
  }

  // Reallocates to at least `bytes` (contents are not kept). False on failure.
  // Plain malloc aligned by hand, not aligned_alloc: glibc's memalign asks for more
  // than the chunk it freed last time, so a pack/dispose loop with a small object
  // allocated in between never reused the hole and grew RSS by a pack per cycle.
  bool reset(size_t bytes) {
    release();
    const size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign + kAlign;  // + slack for overreads
    if (rounded < bytes || rounded + kAlign < rounded) return false;  // overflow
    raw_ = static_cast<uint8_t*>(std::malloc(rounded + kAlign));
    if (raw_ == nullptr) return false;
    const uintptr_t p = reinterpret_cast<uintptr_t>(raw_);
    data_ = raw_ + ((kAlign - p % kAlign) % kAlign);
    size_ = bytes;
    return true;
  }

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  static constexpr size_t kAlign = 64;
  uint8_t* raw_ = nullptr;  // what malloc returned
  uint8_t* data_ = nullptr;  // raw_ rounded up to kAlign
  size_t size_ = 0;
};

}  // namespace qgemm
