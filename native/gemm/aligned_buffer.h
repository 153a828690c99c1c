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
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(AlignedBuffer&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  // Reallocates to at least `bytes` (contents are not kept). False on failure.
  bool reset(size_t bytes) {
    std::free(data_);
    size_ = 0;
    const size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign + kAlign;  // + slack for overreads
    data_ = static_cast<uint8_t*>(std::aligned_alloc(kAlign, rounded));
    if (data_ != nullptr) size_ = bytes;
    return data_ != nullptr;
  }

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  static constexpr size_t kAlign = 64;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace qgemm
