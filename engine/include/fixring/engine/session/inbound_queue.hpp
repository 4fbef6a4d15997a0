// The bounded queue of inbound messages that arrived with a MsgSeqNum above
// the expected one, held (copied) until the gap before them is filled.
//
// Ownership: the queue owns its entry table and byte arena, both allocated at
// construction; push/pop never allocate. Entries are kept sorted by MsgSeqNum
// (a duplicate number keeps the first copy). The arena is reused from the start
// whenever the queue empties, which is what happens each time a gap closes.
// Thread contract: one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace fixring::engine::detail {

class inbound_queue {
 public:
  struct entry {
    std::uint64_t seq;
    std::uint32_t offset;
    std::uint32_t size_bytes;
    bool acted;  // already acted on when it arrived (Logon, ResendRequest): only its number is consumed
  };

  inbound_queue(std::uint32_t capacity_messages, std::uint32_t capacity_bytes)
      : entries_(new entry[capacity_messages == 0 ? 1 : capacity_messages]),
        arena_(new char[capacity_bytes == 0 ? 1 : capacity_bytes]),
        capacity_messages_(capacity_messages),
        capacity_bytes_(capacity_bytes) {}

  // False when full (by count or by bytes); the message is then not held.
  [[nodiscard]] bool push(std::uint64_t seq, std::string_view bytes, bool acted) noexcept {
    std::uint32_t pos = count_;
    while (pos > 0 && entries_[pos - 1].seq > seq) --pos;
    if (pos > 0 && entries_[pos - 1].seq == seq) return true;  // already held
    if (count_ == capacity_messages_ || capacity_bytes_ - used_ < bytes.size()) return false;
    std::memmove(&entries_[pos + 1], &entries_[pos], (count_ - pos) * sizeof(entry));
    std::memcpy(arena_.get() + used_, bytes.data(), bytes.size());
    entries_[pos] = {seq, used_, static_cast<std::uint32_t>(bytes.size()), acted};
    used_ += static_cast<std::uint32_t>(bytes.size());
    ++count_;
    return true;
  }

  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::uint32_t size() const noexcept { return count_; }
  [[nodiscard]] std::uint32_t bytes_used() const noexcept { return used_; }
  [[nodiscard]] const entry& front() const noexcept { return entries_[0]; }
  [[nodiscard]] std::uint64_t highest_seq() const noexcept { return count_ ? entries_[count_ - 1].seq : 0; }
  [[nodiscard]] std::string_view bytes(const entry& e) const noexcept { return {arena_.get() + e.offset, e.size_bytes}; }

  // Removes the front entry. Its bytes stay readable until the next push.
  void pop_front() noexcept {
    std::memmove(&entries_[0], &entries_[1], (count_ - 1) * sizeof(entry));
    --count_;
    if (count_ == 0) used_ = 0;
  }

  void clear() noexcept {
    count_ = 0;
    used_ = 0;
  }

 private:
  std::unique_ptr<entry[]> entries_;
  std::unique_ptr<char[]> arena_;
  std::uint32_t capacity_messages_;
  std::uint32_t capacity_bytes_;
  std::uint32_t count_ = 0;
  std::uint32_t used_ = 0;
};

}  // namespace fixring::engine::detail
