#include "protocol/ndef/printer_record.hpp"

#include "protocol/ndef/detail.hpp"

namespace tapbench::ndef {

using detail::make_error;

const char* printer_state_name(PrinterState state) {
  switch (state) {
    case PrinterState::unregistered:
      return "unregistered";
    case PrinterState::ink_low:
      return "ink-low";
    case PrinterState::charge_needed:
      return "charge-needed";
    case PrinterState::ready:
      return "ready";
  }
  return "invalid";
}

const char* instruction_name(Instruction instruction) {
  switch (instruction) {
    case Instruction::register_with_server:
      return "register";
    case Instruction::charge:
      return "charge";
    case Instruction::exchange:
      return "exchange";
  }
  return "invalid";
}

bool is_valid_token_text(std::string_view token) {
  if (token.empty() || token.size() > 255) return false;
  for (char c : token) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

namespace {

const char* tlv_name(std::uint8_t type) {
  switch (type) {
    case printer_tlv::state:
      return "state";
    case printer_tlv::pwt:
      return "PWT";
    case printer_tlv::instruction:
      return "instruction";
    case printer_tlv::svwt:
      return "SVWT";
    case printer_tlv::pages:
      return "pages";
    default:
      return "unknown";
  }
}

std::string tlv_text(std::uint8_t type) {
  return std::string(tlv_name(type)) + " TLV " + detail::hex8(type);
}

}  // namespace

Result<PrinterRecord> decode_printer_record(const Record& record) {
  if (!record.is(Tnf::external, kPrinterRecordType)) {
    return make_error(ErrorCode::wrong_record_type, record.payload_offset,
                      "not a tapbench printer record (external \"tapbench.dev:printer\")");
  }
  const ByteView p = record.payload;
  const std::size_t base = record.payload_offset;
  if (p.empty()) return make_error(ErrorCode::empty_input, base, "printer record without a version byte");
  if (p[0] != kPrinterRecordVersion) {
    return make_error(
        ErrorCode::unsupported_version, base,
        "printer record version " + detail::hex8(p[0]) + " not supported (this decoder speaks 0x01)");
  }
  PrinterRecord out;
  bool have_state = false;
  std::size_t pos = 1;
  while (pos < p.size()) {
    if (p.size() - pos < 2) {
      return make_error(
          ErrorCode::truncated_field, base + pos,
          "printer record: TLV header truncated (type " + detail::hex8(p[pos]) + ", length missing)");
    }
    const std::uint8_t type = p[pos];
    const std::size_t len = p[pos + 1];
    const std::size_t at = pos;
    if (len > p.size() - pos - 2) {
      return make_error(ErrorCode::truncated_field, base + pos + 1,
                        "printer record: " + tlv_text(type) + " length " + std::to_string(len) +
                            " runs past end (" + std::to_string(p.size() - pos - 2) + " byte(s) left)");
    }
    const ByteView v = p.subspan(pos + 2, len);
    pos += 2 + len;
    auto dup = [&]() {
      return make_error(ErrorCode::duplicate_field, base + at,
                        "printer record: " + tlv_text(type) + " repeated");
    };
    auto size_error = [&](const char* expected) {
      return make_error(ErrorCode::bad_value, base + at,
                        "printer record: " + tlv_text(type) + " has " + std::to_string(len) +
                            " byte(s), expected " + expected);
    };
    auto token = [&](std::optional<std::string>& slot) -> std::optional<Error> {
      if (slot) return dup();
      const std::string t = detail::text(v);
      if (!is_valid_token_text(t)) {
        return make_error(ErrorCode::bad_value, base + at,
                          "printer record: " + tlv_text(type) + " is not 1-255 printable ASCII characters");
      }
      slot = t;
      return std::nullopt;
    };
    switch (type) {
      case printer_tlv::state:
        if (have_state) return dup();
        if (len != 1) return size_error("1");
        if (v[0] > static_cast<std::uint8_t>(PrinterState::ready)) {
          return make_error(ErrorCode::bad_value, base + at + 2,
                            "printer record: unknown state " + detail::hex8(v[0]));
        }
        have_state = true;
        out.state = static_cast<PrinterState>(v[0]);
        break;
      case printer_tlv::pwt:
        if (auto e = token(out.pwt)) return *e;
        break;
      case printer_tlv::instruction:
        if (out.instruction) return dup();
        if (len != 1) return size_error("1");
        if (v[0] < 1 || v[0] > 3) {
          return make_error(ErrorCode::bad_value, base + at + 2,
                            "printer record: unknown instruction " + detail::hex8(v[0]));
        }
        out.instruction = static_cast<Instruction>(v[0]);
        break;
      case printer_tlv::svwt:
        if (auto e = token(out.svwt)) return *e;
        break;
      case printer_tlv::pages:
        if (out.pages) return dup();
        if (len != 4) return size_error("4");
        out.pages = detail::be32(v, 0);
        break;
      default:
        out.skipped_tlv_types.push_back(type);  // unknown: skipped (forward compatible)
    }
  }
  if (!have_state) {
    return make_error(ErrorCode::missing_field, base, "printer record lacks the state TLV (0x01)");
  }
  return out;
}

Result<Record> encode_printer_record(const PrinterRecord& printer, std::string_view id) {
  if (static_cast<std::uint8_t>(printer.state) > static_cast<std::uint8_t>(PrinterState::ready)) {
    return make_error(ErrorCode::bad_value, 0, "printer record: invalid state");
  }
  Bytes p{kPrinterRecordVersion, printer_tlv::state, 1, static_cast<std::uint8_t>(printer.state)};
  auto put_token = [&](std::uint8_t type, const std::optional<std::string>& t) -> std::optional<Error> {
    if (!t) return std::nullopt;
    if (!is_valid_token_text(*t)) {
      return make_error(ErrorCode::bad_value, 0,
                        "printer record: " + tlv_text(type) + " must be 1-255 printable ASCII characters");
    }
    p.push_back(type);
    p.push_back(static_cast<std::uint8_t>(t->size()));
    detail::append(p, std::string_view(*t));
    return std::nullopt;
  };
  if (auto e = put_token(printer_tlv::pwt, printer.pwt)) return *e;
  if (printer.instruction) {
    const auto v = static_cast<std::uint8_t>(*printer.instruction);
    if (v < 1 || v > 3) return make_error(ErrorCode::bad_value, 0, "printer record: invalid instruction");
    p.insert(p.end(), {printer_tlv::instruction, 1, v});
  }
  if (auto e = put_token(printer_tlv::svwt, printer.svwt)) return *e;
  if (printer.pages) {
    p.insert(p.end(), {printer_tlv::pages, 4});
    detail::put_be32(p, *printer.pages);
  }
  return make_record(Tnf::external, kPrinterRecordType, std::move(p), id);
}

}  // namespace tapbench::ndef
