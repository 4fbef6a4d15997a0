// Places bytes so that the first byte after them is on a PROT_NONE page: any
// read past the end of the input faults at once instead of passing silently.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace fixring::test {

class guard_page_buffer {
 public:
  explicit guard_page_buffer(std::size_t max_bytes) {
    page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    data_pages_ = (max_bytes + page_ - 1) / page_ + 1;
    void* m = mmap(nullptr, (data_pages_ + 1) * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<char*>(m);
    if (mprotect(base_ + data_pages_ * page_, page_, PROT_NONE) != 0) throw std::runtime_error("mprotect failed");
  }
  ~guard_page_buffer() { munmap(base_, (data_pages_ + 1) * page_); }
  guard_page_buffer(const guard_page_buffer&) = delete;
  guard_page_buffer& operator=(const guard_page_buffer&) = delete;

  // Copies s so that it ends exactly at the guard page; returns the copy.
  std::string_view place(std::string_view s) {
    if (s.size() > data_pages_ * page_) throw std::runtime_error("input larger than the guarded buffer");
    char* at = base_ + data_pages_ * page_ - s.size();
    std::memcpy(at, s.data(), s.size());
    return {at, s.size()};
  }

 private:
  std::size_t page_ = 0;
  std::size_t data_pages_ = 0;
  char* base_ = nullptr;
};

}  // namespace fixring::test
