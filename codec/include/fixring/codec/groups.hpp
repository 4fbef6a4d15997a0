// Repeating groups of a parsed message, iterated through the dictionary's
// group definitions (nested groups too), with no allocation and no copy.
//
//   group_view parties = find_group(dict, msg, 453);     // NoPartyIDs at the top level
//   for (const group_instance& p : parties) {
//     std::string_view id = p.get_or(448);              // PartyID of this instance
//     for (const group_instance& sub : p.group(802))    // nested NoPartySubIDs
//       use(sub.get_or(523));
//   }
//   if (parties.size() != parties.declared_count()) ...  // NumInGroup mismatch
//
// Which fields belong to a group follows the dictionary, as the validator does:
// after the NumInGroup field, every field that is a member of the group (its
// nested groups' members included, below their own NumInGroup) belongs to it;
// an instance starts at each delimiter (the first member) and the first field
// that is no member ends the group. A first member other than the delimiter
// still opens an instance, so a malformed group is iterated, not hidden.
//
// Ownership: views and instances point into the dictionary and the message;
// both must outlive them. Thread contract: none beyond that of the message.
// Every function is noexcept; nothing allocates.
#pragma once

#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>

#include "fixring/codec/dictionary.hpp"
#include "fixring/codec/message.hpp"

namespace fixring::codec {

namespace detail {

// Walks fields of one group; positions are indices into message::fields().
class group_walker {
 public:
  group_walker(const dictionary& d, std::span<const field_ref> f) noexcept : d_(d), f_(f) {}

  // Index after field `i` (a member of group `gid`) and the nested group it may open.
  [[nodiscard]] std::uint32_t skip_member(std::uint32_t gid, std::uint32_t i) const noexcept {
    const group_def& g = d_.group(gid);
    const std::uint32_t pos = d_.member_index(g, f_[i].tag);
    const std::uint32_t nested = d_.members(g)[pos].nested_group;
    return nested == no_group ? i + 1 : group_end(nested, i);
  }
  // Index after the instance that starts at `start`.
  [[nodiscard]] std::uint32_t instance_end(std::uint32_t gid, std::uint32_t start) const noexcept {
    const group_def& g = d_.group(gid);
    std::uint32_t i = skip_member(gid, start);
    while (i < f_.size() && f_[i].tag != g.delimiter_tag && d_.member_index(g, f_[i].tag) != no_member)
      i = skip_member(gid, i);
    return i;
  }
  // Index after the group whose NumInGroup field is at `count_index`.
  [[nodiscard]] std::uint32_t group_end(std::uint32_t gid, std::uint32_t count_index) const noexcept {
    const group_def& g = d_.group(gid);
    std::uint32_t i = count_index + 1;
    while (i < f_.size() && d_.member_index(g, f_[i].tag) != no_member) i = instance_end(gid, i);
    return i;
  }

 private:
  const dictionary& d_;
  std::span<const field_ref> f_;
};

}  // namespace detail

class group_view;

// One instance of a repeating group: a contiguous run of the message's fields.
class group_instance {
 public:
  group_instance(const dictionary& d, const message& m, std::uint32_t gid, std::uint32_t begin,
                 std::uint32_t end) noexcept
      : d_(&d), m_(&m), gid_(gid), begin_(begin), end_(end) {}

  // Every field of the instance in wire order, nested groups' fields included.
  [[nodiscard]] std::span<const field_ref> fields() const noexcept {
    return m_->fields().subspan(begin_, end_ - begin_);
  }
  // First field with this tag at this instance's own level (not inside a
  // nested group), or nullptr.
  [[nodiscard]] const field_ref* find(std::uint32_t tag) const noexcept {
    const detail::group_walker w(*d_, m_->fields());
    for (std::uint32_t i = begin_; i < end_; i = w.skip_member(gid_, i))
      if (m_->fields()[i].tag == tag) return &m_->fields()[i];
    return nullptr;
  }
  [[nodiscard]] std::string_view get_or(std::uint32_t tag, std::string_view fallback = {}) const noexcept {
    const field_ref* f = find(tag);
    return f ? m_->value(*f) : fallback;
  }
  // The nested group whose NumInGroup is `count_tag` in this instance (empty
  // view when absent or not a nested group of this one).
  [[nodiscard]] inline group_view group(std::uint32_t count_tag) const noexcept;
  // Index in message::fields() of the instance's first field (its delimiter).
  [[nodiscard]] std::uint32_t first_index() const noexcept { return begin_; }

 private:
  const dictionary* d_;
  const message* m_;
  std::uint32_t gid_;
  std::uint32_t begin_;
  std::uint32_t end_;
};

// The instances of one repeating group in one message.
class group_view {
 public:
  group_view() noexcept = default;
  group_view(const dictionary& d, const message& m, std::uint32_t gid, std::uint32_t count_index) noexcept
      : d_(&d), m_(&m), gid_(gid), count_index_(count_index),
        end_(detail::group_walker(d, m.fields()).group_end(gid, count_index)) {}

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = group_instance;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = group_instance;

    iterator() noexcept = default;
    iterator(const group_view* v, std::uint32_t at) noexcept : v_(v), at_(at) { settle(); }
    [[nodiscard]] group_instance operator*() const noexcept {
      return {*v_->d_, *v_->m_, v_->gid_, at_, next_};
    }
    iterator& operator++() noexcept {
      at_ = next_;
      settle();
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator t = *this;
      ++*this;
      return t;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.at_ == b.at_; }

   private:
    void settle() noexcept {
      next_ = at_ < v_->end_ ? detail::group_walker(*v_->d_, v_->m_->fields()).instance_end(v_->gid_, at_) : at_;
    }
    const group_view* v_ = nullptr;
    std::uint32_t at_ = 0;
    std::uint32_t next_ = 0;
  };

  // False when the NumInGroup field is absent (then the view is empty).
  [[nodiscard]] bool found() const noexcept { return d_ != nullptr; }
  [[nodiscard]] iterator begin() const noexcept { return found() ? iterator(this, count_index_ + 1) : iterator(); }
  [[nodiscard]] iterator end() const noexcept { return found() ? iterator(this, end_) : iterator(); }
  // Instances actually present.
  [[nodiscard]] std::size_t size() const noexcept {
    std::size_t n = 0;
    for (auto it = begin(); it != end(); ++it) ++n;
    return n;
  }
  [[nodiscard]] bool empty() const noexcept { return begin() == end(); }
  // The NumInGroup value; 0 when absent or not a number.
  [[nodiscard]] std::uint64_t declared_count() const noexcept {
    std::uint64_t n = 0;
    return found() && parse_uint(m_->value(m_->fields()[count_index_]), n) ? n : 0;
  }
  [[nodiscard]] const group_def* definition() const noexcept { return found() ? &d_->group(gid_) : nullptr; }
  // Index in message::fields() of the NumInGroup field, and of the first field after the group.
  [[nodiscard]] std::uint32_t count_index() const noexcept { return count_index_; }
  [[nodiscard]] std::uint32_t end_index() const noexcept { return end_; }

 private:
  const dictionary* d_ = nullptr;
  const message* m_ = nullptr;
  std::uint32_t gid_ = no_group;
  std::uint32_t count_index_ = 0;
  std::uint32_t end_ = 0;
};

inline group_view group_instance::group(std::uint32_t count_tag) const noexcept {
  const group_def& g = d_->group(gid_);
  const field_ref* f = find(count_tag);
  if (!f) return {};
  const std::uint32_t nested = d_->members(g)[d_->member_index(g, count_tag)].nested_group;
  if (nested == no_group) return {};
  return {*d_, *m_, nested, static_cast<std::uint32_t>(m_->index_of(f))};
}

// The top-level repeating group (in the header, or in the body of the
// message's MsgType) whose NumInGroup field is `count_tag`; an empty view when
// the message does not carry it. Groups nested in other groups are reached
// through group_instance::group().
[[nodiscard]] inline group_view find_group(const dictionary& d, const message& m, std::uint32_t count_tag) noexcept {
  const std::uint32_t mi = d.find_message(m.msg_type());
  const message_def* body = mi == dictionary::no_message ? nullptr : &d.message_at(mi);
  const auto f = m.fields();
  const detail::group_walker w(d, f);
  std::uint32_t i = 0;
  while (i < f.size()) {
    const field_info* info = d.field(f[i].tag);
    if (info && info->is_group_count()) {
      const message_def* ctx = info->is_header() ? &d.header() : info->is_trailer() ? &d.trailer() : body;
      const std::uint32_t gid = ctx ? d.find_group(*ctx, f[i].tag) : no_group;
      if (gid != no_group) {
        if (f[i].tag == count_tag) return {d, m, gid, i};
        i = w.group_end(gid, i);
        continue;
      }
    }
    ++i;
  }
  return {};
}

}  // namespace fixring::codec
