#include "fixring/store/journal_reader.hpp"

#include <cstring>

namespace fixring::store {

journal_result<journal_reader> journal_reader::open(const std::string& dir) {
  auto listed = list_segments(dir, true);
  if (!listed) return listed.error();
  journal_reader r;
  r.dir_ = dir;
  for (const segment_entry& e : listed.value()) {
    auto seg = map_segment_readonly(e);
    if (!seg) return seg.error();
    if (!r.segments_.empty() && seg.value().header.session_id != r.segments_.front().header.session_id)
      return journal_error{journal_errc::foreign_file, e.path + ": belongs to another session than " +
                                                           r.segments_.front().path, e.path};
    r.segments_.push_back(std::move(seg).value());
  }
  return r;
}

std::string journal_reader::session_name() const {
  const auto& h = segments_.front().header;
  return std::string(h.session_name, strnlen(h.session_name, sizeof h.session_name));
}

std::uint64_t journal_reader::capacity_bytes() const noexcept {
  std::uint64_t n = 0;
  for (const auto& s : segments_) n += s.header.capacity_bytes;
  return n;
}

bool journal_reader::advance_segment() noexcept {
  if (current_ + 1 >= segments_.size()) {
    // The writer installs the next file before sealing this one, so it exists.
    try {
      const std::uint64_t next = segments_[current_].index + 1;
      auto seg = map_segment_readonly({next, segment_path(dir_, next)});
      if (!seg) return false;
      segments_.push_back(std::move(seg).value());
    } catch (...) {
      return false;
    }
  }
  ++current_;
  offset_ = format::segment_header_bytes;
  return true;
}

read_status journal_reader::next(record_view& out, bool verify_crc) noexcept {
  if (failed_) return failure_;
  for (;;) {
    const mapped_segment& seg = segments_[current_];
    const char* base = seg.map.data();
    const std::uint64_t cap = seg.header.capacity_bytes;
    const slot_check c = inspect_slot(base, cap, offset_, verify_crc);
    if (c.state == slot_state::empty) {
      // An unsealed segment followed by an empty one is a roll in progress (the
      // writer installs the next file before sealing this one) or cut short by
      // a crash. Followed by one that holds records, this segment lost its seal.
      if (current_ + 1 < segments_.size()) {
        const mapped_segment& next_seg = segments_[current_ + 1];
        if (inspect_slot(next_seg.map.data(), next_seg.header.capacity_bytes, format::segment_header_bytes, false)
                .state != slot_state::empty) {
          failed_ = true;
          failure_ = read_status::corrupt;
          try {
            fault_ = {journal_errc::corrupt_record,
                      seg.path + ": corrupt record at offset " + std::to_string(offset_) +
                          " (segment ends without a segment_end record, but " + next_seg.path + " holds records)",
                      seg.path, offset_};
          } catch (...) {
            fault_.code = journal_errc::corrupt_record;
          }
          return failure_;
        }
      }
      return read_status::end;
    }
    if (c.state != slot_state::record) {
      const bool last = current_ + 1 == segments_.size();
      failed_ = true;
      failure_ = (last && !valid_record_after(base, cap, offset_)) ? read_status::torn_tail : read_status::corrupt;
      try {
        std::string msg = seg.path + ": " + (failure_ == read_status::torn_tail ? "torn tail" : "corrupt record") +
                          " at offset " + std::to_string(offset_) + " (" + std::string(to_string(c.state));
        if (c.state == slot_state::bad_crc || c.state == slot_state::bad_length)
          msg += ", MsgSeqNum " + std::to_string(c.header.msg_seq_num);
        msg += ")";
        fault_ = {journal_errc::corrupt_record, std::move(msg), seg.path, offset_};
      } catch (...) {
        fault_.code = journal_errc::corrupt_record;
      }
      return failure_;
    }
    out.header = c.header;
    out.payload = {base + offset_ + format::record_header_bytes, c.header.payload_bytes};
    out.segment_index = seg.index;
    out.offset = offset_;
    out.path = &seg.path;
    if (c.header.kind == static_cast<std::uint8_t>(format::record_kind::segment_end)) {
      // Report the seal, and move on once the next segment can be mapped.
      if (advance_segment()) return read_status::record;
      return read_status::end;  // retried: offset_ still points at the seal
    }
    offset_ += c.record_bytes;
    return read_status::record;
  }
}

}  // namespace fixring::store
