// A parsed FIX message: a non-owning view over framed bytes plus an index of
// its fields, built with no allocation and no copy.
//
// How (codec/src/field_index.cpp): a SIMD fast path indexes the messages a
// session sees all day (fields under 64 bytes, tags of 1..4 digits, no DATA
// field), tag numbers decoded eight or sixteen at a time; anything else, and every
// error, goes to a careful scalar indexer that handles every input. Both give
// the same answer for every input (tests/codec/field_index_test.cpp and the
// fuzz_frame target compare them). On x86-64 the widest SIMD code the CPU
// runs is chosen at the first call: AVX-512 (BW, VL, CD, VBMI, VBMI2), else
// AVX2 with BMI2, else SSE2.
//
// Cost: see bench/codec_bench and the README for measured figures.
//
// Ownership: the message refers to the bytes it was parsed from; they must
// outlive it and stay unchanged. The index lives inside the object (Capacity
// entries of 12 bytes), so a message is meant to be reused, not copied around.
// Thread contract: none; a message is used by one thread at a time.
//
// Every field is indexed in wire order, including BeginString(8),
// BodyLength(9) and CheckSum(10), so order rules (header before body, the
// first three fields, trailer last) can be checked from the index alone.
// Data fields (type DATA, whose length is given by a preceding Length field,
// for instance RawDataLength(95) / RawData(96)) may contain SOH; the parser
// takes their length from the Length field, as the specification requires.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fixring/codec/frame.hpp"
#include "fixring/codec/types.hpp"

namespace fixring::codec {

struct field_ref {
  std::uint32_t tag;
  std::uint32_t offset;  // of the value, from the first byte of the message
  std::uint32_t length;  // of the value
};

enum class parse_error : std::uint8_t {
  none,
  not_framed,        // frame() did not answer complete for these bytes
  garbled_field,     // a tag that is not a positive number, or a field without '='
  too_many_fields,   // more fields than the index holds
  bad_data_length,   // a DATA field whose Length field is missing, not a number or overruns
};

[[nodiscard]] constexpr std::string_view to_string(parse_error e) noexcept {
  switch (e) {
    case parse_error::none: return "none";
    case parse_error::not_framed: return "not a complete message";
    case parse_error::garbled_field: return "garbled field (tag not a number or no '=')";
    case parse_error::too_many_fields: return "too many fields";
    case parse_error::bad_data_length: return "data field length missing or wrong";
  }
  return "unknown";
}

// Which tags carry the length of a DATA field, and which DATA tag each governs.
// The default table holds the standard FIX pairs; a dictionary can supply its own.
struct data_field_pair {
  std::uint32_t length_tag;
  std::uint32_t data_tag;
};

inline constexpr data_field_pair standard_data_fields[] = {
    {90, 91},     // SecureDataLen -> SecureData
    {93, 89},     // SignatureLength -> Signature
    {95, 96},     // RawDataLength -> RawData
    {212, 213},   // XmlDataLen -> XmlData
    {348, 349},   // EncodedIssuerLen -> EncodedIssuer
    {350, 351},   // EncodedSecurityDescLen -> EncodedSecurityDesc
    {352, 353},   // EncodedListExecInstLen -> EncodedListExecInst
    {354, 355},   // EncodedTextLen -> EncodedText
    {356, 357},   // EncodedSubjectLen -> EncodedSubject
    {358, 359},   // EncodedHeadlineLen -> EncodedHeadline
    {360, 361},   // EncodedAllocTextLen -> EncodedAllocText
    {362, 363},   // EncodedUnderlyingIssuerLen -> EncodedUnderlyingIssuer
    {364, 365},   // EncodedUnderlyingSecurityDescLen -> EncodedUnderlyingSecurityDesc
    {445, 446},   // EncodedListStatusTextLen -> EncodedListStatusText
    {618, 619},   // EncodedLegIssuerLen -> EncodedLegIssuer
    {621, 622},   // EncodedLegSecurityDescLen -> EncodedLegSecurityDesc
    {1184, 1185}, // SecurityXMLLen -> SecurityXML
};

class data_field_table {
 public:
  constexpr data_field_table() noexcept : data_field_table(standard_data_fields) {}
  constexpr explicit data_field_table(std::span<const data_field_pair> pairs) noexcept : pairs_(pairs) {
    for (const auto& p : pairs)
      if (p.length_tag < flag_tags) {
        length_flags_[p.length_tag] = 1;
        if (p.length_tag < 256) low_length_bits_[p.length_tag / 32] |= std::uint32_t{1} << (p.length_tag % 32);
      }
  }
  // True when `tag` gives the length of some DATA field.
  [[nodiscard]] constexpr bool is_length_tag(std::uint32_t tag) const noexcept {
    if (tag < flag_tags) return length_flags_[tag] != 0;
    for (const auto& p : pairs_)
      if (p.length_tag == tag) return true;
    return false;
  }
  // 1 when `tag` (below flag_tags) gives the length of some DATA field, else 0.
  // One byte per tag: the indexer ORs these without a branch, and only the
  // cache lines of tags that occur are ever touched.
  static constexpr std::uint32_t flag_tags = 10000;  // every tag of up to four digits
  [[nodiscard]] constexpr std::uint8_t length_flag(std::uint32_t tag_below_flag_tags) const noexcept {
    return length_flags_[tag_below_flag_tags];
  }
  // The flags as an array: flag_tags entries and then 3 zero bytes, so that a
  // 4-byte load at any tag below flag_tags stays inside it.
  [[nodiscard]] constexpr const std::uint8_t* length_flags() const noexcept { return length_flags_.data(); }
  // The flags of tags below 256 as a 256-bit set (bit t % 32 of word t / 32),
  // small enough to live in one vector register.
  [[nodiscard]] constexpr const std::uint32_t* low_length_bits() const noexcept { return low_length_bits_.data(); }
  // True when `data_tag` is the DATA field whose length `length_tag` gives.
  [[nodiscard]] constexpr bool governs(std::uint32_t length_tag, std::uint32_t data_tag) const noexcept {
    for (const auto& p : pairs_)
      if (p.length_tag == length_tag && p.data_tag == data_tag) return true;
    return false;
  }

 private:
  std::span<const data_field_pair> pairs_;
  std::array<std::uint8_t, flag_tags + 3> length_flags_{};
  std::array<std::uint32_t, 8> low_length_bits_{};
};

// The standard pairs, built once at compile time.
inline constexpr data_field_table standard_data_field_table{};

template <std::size_t Capacity>
class basic_message {
 public:
  static constexpr std::size_t capacity = Capacity;

  basic_message() noexcept = default;
  basic_message(const basic_message&) = delete;
  basic_message& operator=(const basic_message&) = delete;

  // Indexes one framed message: `bytes` must be exactly what frame() answered
  // complete for (body_offset from that answer). On error the message is empty.
  [[nodiscard]] parse_error parse(std::string_view bytes, std::uint32_t body_offset,
                                  const data_field_table& data_fields = standard_data_field_table) noexcept;

  // Frames and indexes in one call, for callers that hold exactly one message:
  // the same checks as frame() with default frame_limits (BeginString,
  // BodyLength, MsgType, the position and value of CheckSum) plus the index.
  // Answers not_framed unless frame() would answer complete for exactly these
  // bytes; otherwise as parse(bytes, body_offset).
  [[nodiscard]] parse_error parse(std::string_view bytes,
                                  const data_field_table& data_fields = standard_data_field_table) noexcept;

  void clear() noexcept {
    data_ = nullptr;
    size_ = 0;
    count_ = 0;
  }

  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::string_view bytes() const noexcept { return {data_, size_}; }
  [[nodiscard]] std::span<const field_ref> fields() const noexcept { return {fields_.data(), count_}; }
  [[nodiscard]] std::size_t field_count() const noexcept { return count_; }

  [[nodiscard]] std::string_view value(const field_ref& f) const noexcept { return {data_ + f.offset, f.length}; }
  [[nodiscard]] std::string_view begin_string() const noexcept { return value(fields_[0]); }
  [[nodiscard]] std::string_view msg_type() const noexcept { return value(fields_[2]); }

  // First field with this tag, or nullptr.
  [[nodiscard]] const field_ref* find(std::uint32_t tag) const noexcept {
    return find_from(tag, 0);
  }
  // First field with this tag at index >= from, or nullptr.
  [[nodiscard]] const field_ref* find_from(std::uint32_t tag, std::size_t from) const noexcept {
    for (std::size_t i = from; i < count_; ++i)
      if (fields_[i].tag == tag) return &fields_[i];
    return nullptr;
  }
  [[nodiscard]] std::size_t index_of(const field_ref* f) const noexcept {
    return static_cast<std::size_t>(f - fields_.data());
  }
  [[nodiscard]] bool has(std::uint32_t tag) const noexcept { return find(tag) != nullptr; }

  // Typed accessors: false when the tag is absent or its value is not of the form.
  [[nodiscard]] bool get(std::uint32_t tag, std::string_view& out) const noexcept {
    const field_ref* f = find(tag);
    if (!f) return false;
    out = value(*f);
    return true;
  }
  [[nodiscard]] std::string_view get_or(std::uint32_t tag, std::string_view fallback = {}) const noexcept {
    const field_ref* f = find(tag);
    return f ? value(*f) : fallback;
  }
  [[nodiscard]] bool get_int(std::uint32_t tag, std::int64_t& out) const noexcept { return typed(tag, out, parse_int); }
  [[nodiscard]] bool get_uint(std::uint32_t tag, std::uint64_t& out) const noexcept { return typed(tag, out, parse_uint); }
  [[nodiscard]] bool get_decimal(std::uint32_t tag, decimal& out) const noexcept { return typed(tag, out, parse_decimal); }
  [[nodiscard]] bool get_char(std::uint32_t tag, char& out) const noexcept { return typed(tag, out, parse_char); }
  [[nodiscard]] bool get_bool(std::uint32_t tag, bool& out) const noexcept { return typed(tag, out, parse_bool); }
  [[nodiscard]] bool get_timestamp(std::uint32_t tag, utc_timestamp& out) const noexcept {
    return typed(tag, out, parse_utc_timestamp);
  }
  [[nodiscard]] bool get_tz_timestamp(std::uint32_t tag, utc_timestamp& out) const noexcept {
    return typed(tag, out, parse_tz_timestamp);
  }
  [[nodiscard]] bool get_date(std::uint32_t tag, civil_date& out) const noexcept { return typed(tag, out, parse_date); }
  [[nodiscard]] bool get_month_year(std::uint32_t tag, month_year& out) const noexcept {
    return typed(tag, out, parse_month_year);
  }

 private:
  template <class T, class F>
  [[nodiscard]] bool typed(std::uint32_t tag, T& out, F parse_fn) const noexcept {
    const field_ref* f = find(tag);
    return f && parse_fn(value(*f), out);
  }

  const char* data_ = nullptr;
  std::uint32_t size_ = 0;
  std::uint32_t count_ = 0;
  std::array<field_ref, Capacity> fields_;
};

using message = basic_message<512>;

namespace detail {
struct index_result {
  parse_error error;
  std::uint32_t count;
};
// Indexes every field of the framed message [base, base + size), whose body
// starts at body_offset (the "35="), into out[0, capacity): BeginString(8) and
// BodyLength(9) first, CheckSum(10) last. Defined in codec/src/field_index.cpp.
[[nodiscard]] index_result index_message(const char* base, std::uint32_t size, std::uint32_t body_offset,
                                         field_ref* out, std::uint32_t capacity,
                                         const data_field_table& data_fields) noexcept;
// The reference indexer: the same answers as index_message, by the careful
// path alone (no SIMD, every input). For tests and fuzzers that compare the two.
[[nodiscard]] index_result index_message_careful(const char* base, std::uint32_t size, std::uint32_t body_offset,
                                                 field_ref* out, std::uint32_t capacity,
                                                 const data_field_table& data_fields) noexcept;
// Checks that [base, base + size) is exactly one framed message (as frame()
// with default limits), then indexes it like index_message. Error not_framed
// when it is not.
[[nodiscard]] index_result parse_message(const char* base, std::size_t size, field_ref* out,
                                         std::uint32_t capacity, const data_field_table& data_fields) noexcept;
// The fast indexers, for tests and fuzzers that compare each with the careful
// one: index_message and parse_message choose the widest the CPU runs.
enum class fast_kernel : std::uint8_t { baseline, avx2, avx512 };
// True when this CPU can run kernel k (baseline: always).
[[nodiscard]] bool fast_kernel_supported(fast_kernel k) noexcept;
// index_message and parse_message with kernel k, which must be supported.
[[nodiscard]] index_result index_message_by(fast_kernel k, const char* base, std::uint32_t size,
                                            std::uint32_t body_offset, field_ref* out, std::uint32_t capacity,
                                            const data_field_table& data_fields) noexcept;
[[nodiscard]] index_result parse_message_by(fast_kernel k, const char* base, std::size_t size, field_ref* out,
                                            std::uint32_t capacity, const data_field_table& data_fields) noexcept;
}  // namespace detail

template <std::size_t Capacity>
parse_error basic_message<Capacity>::parse(std::string_view bytes, std::uint32_t body_offset,
                                           const data_field_table& data_fields) noexcept {
  static_assert(Capacity >= 4, "a message has at least 8, 9, 35 and 10");
  static_assert(Capacity <= 0xFFFFFFFFu);
  const detail::index_result r =
      detail::index_message(bytes.data(), static_cast<std::uint32_t>(bytes.size()), body_offset, fields_.data(),
                            static_cast<std::uint32_t>(Capacity), data_fields);
  if (r.error != parse_error::none) {
    clear();
    return r.error;
  }
  data_ = bytes.data();
  size_ = static_cast<std::uint32_t>(bytes.size());
  count_ = r.count;
  return parse_error::none;
}

template <std::size_t Capacity>
parse_error basic_message<Capacity>::parse(std::string_view bytes, const data_field_table& data_fields) noexcept {
  static_assert(Capacity >= 4, "a message has at least 8, 9, 35 and 10");
  const detail::index_result r = detail::parse_message(bytes.data(), bytes.size(), fields_.data(),
                                                       static_cast<std::uint32_t>(Capacity), data_fields);
  if (r.error != parse_error::none) {
    clear();
    return r.error;
  }
  data_ = bytes.data();
  size_ = static_cast<std::uint32_t>(bytes.size());
  count_ = r.count;
  return parse_error::none;
}

}  // namespace fixring::codec
