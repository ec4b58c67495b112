#include "protocol/ndef/record.hpp"

#include <algorithm>
#include <limits>

#include "protocol/ndef/detail.hpp"

namespace tapbench::ndef {

using detail::make_error;

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::empty_input:
      return "empty_input";
    case ErrorCode::truncated_header:
      return "truncated_header";
    case ErrorCode::length_past_end:
      return "length_past_end";
    case ErrorCode::length_overflow:
      return "length_overflow";
    case ErrorCode::missing_message_begin:
      return "missing_message_begin";
    case ErrorCode::unexpected_message_begin:
      return "unexpected_message_begin";
    case ErrorCode::missing_message_end:
      return "missing_message_end";
    case ErrorCode::trailing_data:
      return "trailing_data";
    case ErrorCode::reserved_tnf:
      return "reserved_tnf";
    case ErrorCode::tnf_field_rule:
      return "tnf_field_rule";
    case ErrorCode::type_missing:
      return "type_missing";
    case ErrorCode::chunk_refused:
      return "chunk_refused";
    case ErrorCode::chunk_malformed:
      return "chunk_malformed";
    case ErrorCode::unexpected_unchanged:
      return "unexpected_unchanged";
    case ErrorCode::wrong_record_type:
      return "wrong_record_type";
    case ErrorCode::bad_value:
      return "bad_value";
    case ErrorCode::truncated_field:
      return "truncated_field";
    case ErrorCode::duplicate_field:
      return "duplicate_field";
    case ErrorCode::missing_field:
      return "missing_field";
    case ErrorCode::unsupported_version:
      return "unsupported_version";
    case ErrorCode::bad_order:
      return "bad_order";
    case ErrorCode::field_too_long:
      return "field_too_long";
    case ErrorCode::invalid_record:
      return "invalid_record";
    case ErrorCode::missing_part:
      return "missing_part";
    case ErrorCode::duplicate_part:
      return "duplicate_part";
    case ErrorCode::unexpected_part:
      return "unexpected_part";
    case ErrorCode::dangling_reference:
      return "dangling_reference";
    case ErrorCode::invalid_input:
      return "invalid_input";
  }
  return "unknown";
}

std::string Error::to_string() const {
  return "offset " + std::to_string(offset) + ": " + reason;
}

const char* tnf_name(Tnf tnf) {
  switch (tnf) {
    case Tnf::empty:
      return "empty";
    case Tnf::well_known:
      return "well-known";
    case Tnf::media:
      return "media";
    case Tnf::absolute_uri:
      return "absolute-uri";
    case Tnf::external:
      return "external";
    case Tnf::unknown:
      return "unknown";
    case Tnf::unchanged:
      return "unchanged";
    case Tnf::reserved:
      return "reserved";
  }
  return "reserved";
}

bool Record::is(Tnf t, std::string_view type_name) const {
  return tnf == t && type.size() == type_name.size() &&
         std::equal(type.begin(), type.end(), type_name.begin());
}

Record make_record(Tnf tnf, std::string_view type, Bytes payload, std::string_view id) {
  Record r;
  r.tnf = tnf;
  r.type.assign(type.begin(), type.end());
  r.id.assign(id.begin(), id.end());
  r.payload = std::move(payload);
  return r;
}

const Record* Message::find_by_id(ByteView id) const {
  for (const Record& r : records) {
    if (r.id.size() == id.size() && std::equal(r.id.begin(), r.id.end(), id.begin())) return &r;
  }
  return nullptr;
}

namespace {

constexpr std::uint8_t kMB = 0x80, kME = 0x40, kCF = 0x20, kSR = 0x10, kIL = 0x08;

std::string tnf_text(std::uint8_t tnf) {
  return std::string(tnf_name(static_cast<Tnf>(tnf))) + " (" + detail::hex8(tnf) + ")";
}

}  // namespace

Result<Message> decode_message(ByteView in, const DecodeOptions& options) {
  const std::size_t base = options.base_offset;
  if (in.empty()) {
    return make_error(ErrorCode::empty_input, base, "empty input: an NDEF message has at least one record");
  }
  Message message;
  std::size_t pos = 0;
  std::size_t raw_index = 0;  // records as framed, chunks counted one by one
  bool seen_me = false;
  bool in_chunk = false;
  Record chunked;
  std::size_t chunk_start = 0;

  while (pos < in.size()) {
    const std::size_t at = pos;  // this record's header byte
    if (seen_me) {
      return make_error(ErrorCode::trailing_data, base + at,
                        std::to_string(in.size() - at) + " byte(s) after the record with ME (message end)");
    }
    const std::uint8_t h = in[pos];
    const bool mb = h & kMB, me = h & kME, cf = h & kCF, sr = h & kSR, il = h & kIL;
    const std::uint8_t tnf = h & 0x07;
    if (in.size() - pos < 2) {
      return make_error(ErrorCode::truncated_header, base + at,
                        "record header truncated: type length missing");
    }
    const std::uint8_t type_len = in[pos + 1];
    pos += 2;
    const std::size_t payload_len_at = pos;
    std::uint32_t payload_len = 0;
    if (sr) {
      if (pos >= in.size()) {
        return make_error(ErrorCode::truncated_header, base + pos,
                          "record header truncated: 1-byte payload length (SR set) missing");
      }
      payload_len = in[pos];
      pos += 1;
    } else {
      if (in.size() - pos < 4) {
        return make_error(ErrorCode::truncated_header, base + pos,
                          "record header truncated: 4-byte payload length (SR clear) needs 4 bytes, " +
                              std::to_string(in.size() - pos) + " left");
      }
      payload_len = detail::be32(in, pos);
      pos += 4;
    }
    const std::size_t id_len_at = pos;
    std::uint8_t id_len = 0;
    if (il) {
      if (pos >= in.size()) {
        return make_error(ErrorCode::truncated_header, base + pos,
                          "record header truncated: ID length (IL set) missing");
      }
      id_len = in[pos];
      pos += 1;
    }

    // Message begin / end flags.
    if (raw_index == 0 && !mb) {
      return make_error(ErrorCode::missing_message_begin, base + at, "first record lacks MB (message begin)");
    }
    if (raw_index > 0 && mb) {
      return make_error(
          ErrorCode::unexpected_message_begin, base + at,
          "MB (message begin) set on record " + std::to_string(raw_index + 1) + ", not the first");
    }
    // TNF rules (NDEF 1.0 §3.2.6).
    if (tnf == 0x07) {
      return make_error(ErrorCode::reserved_tnf, base + at, "TNF reserved (0x07)");
    }
    if (in_chunk) {
      if (tnf != 0x06) {
        return make_error(ErrorCode::chunk_malformed, base + at,
                          "chunk following the chunked record at offset " +
                              std::to_string(base + chunk_start) + " has TNF " + tnf_text(tnf) +
                              ", must be unchanged (0x06)");
      }
      if (type_len != 0) {
        return make_error(
            ErrorCode::chunk_malformed, base + at,
            "middle/terminating chunk has type length " + std::to_string(type_len) + ", must be 0");
      }
      if (il) {
        return make_error(ErrorCode::chunk_malformed, base + at,
                          "middle/terminating chunk has IL set, must carry no ID");
      }
    } else {
      if (tnf == 0x06) {
        return make_error(ErrorCode::unexpected_unchanged, base + at,
                          "TNF unchanged (0x06) outside a chunked record");
      }
      if (tnf == 0x00 && (type_len != 0 || id_len != 0 || payload_len != 0)) {
        return make_error(ErrorCode::tnf_field_rule, base + at,
                          "TNF empty (0x00) requires type, ID and payload lengths 0 (got " +
                              std::to_string(type_len) + ", " + std::to_string(id_len) + ", " +
                              std::to_string(payload_len) + ")");
      }
      if (tnf == 0x05 && type_len != 0) {
        return make_error(ErrorCode::tnf_field_rule, base + at,
                          "TNF unknown (0x05) requires type length 0 (got " + std::to_string(type_len) + ")");
      }
      if (tnf >= 0x01 && tnf <= 0x04 && type_len == 0) {
        return make_error(ErrorCode::type_missing, base + at, "TNF " + tnf_text(tnf) + " with type length 0");
      }
      if (cf && tnf == 0x00) {
        return make_error(ErrorCode::chunk_malformed, base + at, "chunked record with TNF empty (0x00)");
      }
    }
    // Lengths against what is left; subtraction only, so nothing can overflow (32-bit size_t included).
    std::size_t left = in.size() - pos;
    if (type_len > left) {
      return make_error(ErrorCode::length_past_end, base + at + 1,
                        "type length " + std::to_string(type_len) + " runs past end of input (" +
                            std::to_string(left) + " byte(s) left)");
    }
    left -= type_len;
    if (id_len > left) {
      return make_error(ErrorCode::length_past_end, base + id_len_at,
                        "ID length " + std::to_string(id_len) + " runs past end of input (" +
                            std::to_string(left) + " byte(s) left after the type)");
    }
    left -= id_len;
    if (payload_len > left) {
      return make_error(ErrorCode::length_past_end, base + payload_len_at,
                        "payload length " + std::to_string(payload_len) + " runs past end of input (" +
                            std::to_string(left) + " byte(s) left after type and ID)");
    }
    const ByteView type = in.subspan(pos, type_len);
    pos += type_len;
    const ByteView id = in.subspan(pos, id_len);
    pos += id_len;
    const std::size_t payload_at = pos;
    const ByteView payload = in.subspan(pos, payload_len);
    pos += payload_len;

    if (!in_chunk) {
      if (payload.size() > options.max_payload) {
        return make_error(ErrorCode::length_overflow, base + payload_len_at,
                          "payload length " + std::to_string(payload.size()) + " exceeds the limit of " +
                              std::to_string(options.max_payload) + " bytes");
      }
      Record r;
      r.tnf = static_cast<Tnf>(tnf);
      r.type.assign(type.begin(), type.end());
      r.id.assign(id.begin(), id.end());
      r.payload.assign(payload.begin(), payload.end());
      r.payload_offset = base + payload_at;
      if (cf) {
        if (options.chunks == ChunkPolicy::refuse) {
          return make_error(ErrorCode::chunk_refused, base + at,
                            "chunked record (CF set) refused: decoder configured not to reassemble chunks");
        }
        if (me) {
          return make_error(ErrorCode::chunk_malformed, base + at,
                            "ME (message end) set on a chunk with CF: the message would end inside a record");
        }
        in_chunk = true;
        chunk_start = at;
        chunked = std::move(r);
      } else {
        message.records.push_back(std::move(r));
      }
    } else {
      if (payload.size() > options.max_payload - chunked.payload.size()) {
        return make_error(ErrorCode::length_overflow, base + payload_len_at,
                          "reassembled payload of the chunked record at offset " +
                              std::to_string(base + chunk_start) + " exceeds the limit of " +
                              std::to_string(options.max_payload) + " bytes");
      }
      chunked.payload.insert(chunked.payload.end(), payload.begin(), payload.end());
      if (cf) {
        if (me) {
          return make_error(ErrorCode::chunk_malformed, base + at,
                            "ME (message end) set on a middle chunk (CF set): message ends inside a record");
        }
      } else {
        message.records.push_back(std::move(chunked));
        chunked = Record{};
        in_chunk = false;
      }
    }
    if (me) seen_me = true;
    ++raw_index;
  }
  if (in_chunk) {
    return make_error(ErrorCode::chunk_malformed, base + in.size(),
                      "input ends inside the chunked record started at offset " +
                          std::to_string(base + chunk_start) + " (no terminating chunk with CF clear)");
  }
  if (!seen_me) {
    return make_error(ErrorCode::missing_message_end, base + in.size(),
                      "input ends after " + std::to_string(raw_index) +
                          " record(s) without a record carrying ME (message end)");
  }
  return message;
}

Result<Bytes> encode_message(const Message& message) {
  if (message.records.empty()) {
    return make_error(ErrorCode::invalid_record, 0, "an NDEF message needs at least one record");
  }
  Bytes out;
  for (std::size_t i = 0; i < message.records.size(); ++i) {
    const Record& r = message.records[i];
    const std::string which = "record " + std::to_string(i + 1) + ": ";
    const auto tnf = static_cast<std::uint8_t>(r.tnf);
    if (r.tnf == Tnf::reserved || r.tnf == Tnf::unchanged || tnf > 0x07) {
      return make_error(ErrorCode::invalid_record, 0,
                        which + "TNF " + tnf_text(tnf & 0x07) + " cannot be encoded in a record");
    }
    if (r.tnf == Tnf::empty && !(r.type.empty() && r.id.empty() && r.payload.empty())) {
      return make_error(ErrorCode::invalid_record, 0, which + "TNF empty (0x00) with a type, ID or payload");
    }
    if (r.tnf == Tnf::unknown && !r.type.empty()) {
      return make_error(ErrorCode::invalid_record, 0, which + "TNF unknown (0x05) with a type");
    }
    if (r.tnf != Tnf::empty && r.tnf != Tnf::unknown && r.type.empty()) {
      return make_error(ErrorCode::invalid_record, 0, which + "TNF " + tnf_text(tnf) + " without a type");
    }
    if (r.type.size() > 255) {
      return make_error(ErrorCode::field_too_long, 0,
                        which + "type of " + std::to_string(r.type.size()) + " bytes (at most 255)");
    }
    if (r.id.size() > 255) {
      return make_error(ErrorCode::field_too_long, 0,
                        which + "ID of " + std::to_string(r.id.size()) + " bytes (at most 255)");
    }
    if (static_cast<std::uint64_t>(r.payload.size()) > std::numeric_limits<std::uint32_t>::max()) {
      return make_error(ErrorCode::field_too_long, 0,
                        which + "payload of " + std::to_string(r.payload.size()) + " bytes (at most 2^32-1)");
    }
    const bool sr = r.payload.size() < 256;
    std::uint8_t h = tnf;
    if (i == 0) h |= kMB;
    if (i + 1 == message.records.size()) h |= kME;
    if (sr) h |= kSR;
    if (!r.id.empty()) h |= kIL;
    out.push_back(h);
    out.push_back(static_cast<std::uint8_t>(r.type.size()));
    if (sr) {
      out.push_back(static_cast<std::uint8_t>(r.payload.size()));
    } else {
      detail::put_be32(out, static_cast<std::uint32_t>(r.payload.size()));
    }
    if (!r.id.empty()) out.push_back(static_cast<std::uint8_t>(r.id.size()));
    detail::append(out, r.type);
    detail::append(out, r.id);
    detail::append(out, r.payload);
  }
  return out;
}

std::string to_hex(ByteView bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return out;
}

Result<Bytes> from_hex(std::string_view text) {
  Bytes out;
  int high = -1;
  std::size_t high_at = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') {
      continue;
    } else {
      return make_error(ErrorCode::bad_value, i, std::string("not a hex digit: '") + c + "'");
    }
    if (high < 0) {
      high = v;
      high_at = i;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0) return make_error(ErrorCode::bad_value, high_at, "odd number of hex digits");
  return out;
}

}  // namespace tapbench::ndef
