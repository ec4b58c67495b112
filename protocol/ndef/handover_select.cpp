#include "protocol/ndef/handover_select.hpp"

#include "protocol/ndef/detail.hpp"

namespace tapbench::ndef {

using detail::make_error;

const char* carrier_power_state_name(CarrierPowerState cps) {
  switch (cps) {
    case CarrierPowerState::inactive:
      return "inactive";
    case CarrierPowerState::active:
      return "active";
    case CarrierPowerState::activating:
      return "activating";
    case CarrierPowerState::unknown:
      return "unknown";
  }
  return "unknown";
}

namespace {

Result<AlternativeCarrier> decode_ac(const Record& r) {
  const ByteView p = r.payload;
  const std::size_t base = r.payload_offset;
  AlternativeCarrier ac;
  std::size_t pos = 0;
  auto need = [&](std::size_t n, const char* what) -> std::optional<Error> {
    if (p.size() - pos < n) {
      return make_error(ErrorCode::truncated_field, base + pos,
                        std::string("ac record truncated: ") + what + " missing");
    }
    return std::nullopt;
  };
  if (auto e = need(1, "carrier power state byte")) return *e;
  if (p[0] & 0xFC) {
    return make_error(ErrorCode::bad_value, base,
                      "ac record: reserved bits set in the carrier power state byte " + detail::hex8(p[0]));
  }
  ac.power_state = static_cast<CarrierPowerState>(p[0] & 0x03);
  pos = 1;
  if (auto e = need(1, "carrier data reference length")) return *e;
  const std::size_t cdr_len = p[pos];
  if (cdr_len == 0) {
    return make_error(ErrorCode::bad_value, base + pos, "ac record: empty carrier data reference");
  }
  pos += 1;
  if (cdr_len > p.size() - pos) {
    return make_error(ErrorCode::length_past_end, base + pos - 1,
                      "ac record: carrier data reference length " + std::to_string(cdr_len) +
                          " runs past end (" + std::to_string(p.size() - pos) + " byte(s) left)");
  }
  ac.carrier_data_reference.assign(p.begin() + pos, p.begin() + pos + cdr_len);
  pos += cdr_len;
  if (auto e = need(1, "auxiliary data reference count")) return *e;
  const std::size_t count = p[pos];
  pos += 1;
  for (std::size_t i = 0; i < count; ++i) {
    if (auto e = need(1, "auxiliary data reference length")) return *e;
    const std::size_t len = p[pos];
    if (len == 0) {
      return make_error(ErrorCode::bad_value, base + pos,
                        "ac record: empty auxiliary data reference " + std::to_string(i + 1));
    }
    pos += 1;
    if (len > p.size() - pos) {
      return make_error(ErrorCode::length_past_end, base + pos - 1,
                        "ac record: auxiliary data reference " + std::to_string(i + 1) + " length " +
                            std::to_string(len) + " runs past end (" + std::to_string(p.size() - pos) +
                            " byte(s) left)");
    }
    ac.auxiliary_data_references.emplace_back(p.begin() + pos, p.begin() + pos + len);
    pos += len;
  }
  if (pos != p.size()) {
    return make_error(ErrorCode::trailing_data, base + pos,
                      "ac record: " + std::to_string(p.size() - pos) + " byte(s) after the last reference");
  }
  return ac;
}

Result<HandoverError> decode_err(const Record& r) {
  if (r.payload.empty()) {
    return make_error(ErrorCode::truncated_field, r.payload_offset, "err record: error reason missing");
  }
  if (r.payload[0] == 0) {
    return make_error(ErrorCode::bad_value, r.payload_offset, "err record: error reason 0x00 is reserved");
  }
  return HandoverError{r.payload[0], Bytes(r.payload.begin() + 1, r.payload.end())};
}

}  // namespace

Result<HandoverSelect> decode_handover_select(const Record& record, const DecodeOptions& options) {
  if (!record.is(Tnf::well_known, "Hs")) {
    return make_error(ErrorCode::wrong_record_type, record.payload_offset,
                      "not a Handover Select record (well-known \"Hs\")");
  }
  if (record.payload.empty()) {
    return make_error(ErrorCode::empty_input, record.payload_offset, "Hs record without a version byte");
  }
  HandoverSelect hs;
  hs.version = record.payload[0];
  if ((hs.version >> 4) != 1 || (hs.version & 0x0F) < 2) {
    return make_error(ErrorCode::unsupported_version, record.payload_offset,
                      "Hs version " + std::to_string(hs.version >> 4) + "." +
                          std::to_string(hs.version & 0x0F) + " not supported (1.2 and later 1.x)");
  }
  if (record.payload.size() == 1) return hs;
  DecodeOptions local = options;
  local.base_offset = record.payload_offset + 1;
  auto inner = decode_message(ByteView(record.payload).subspan(1), local);
  if (!inner) return inner.error();
  for (const Record& r : inner->records) {
    if (r.is(Tnf::well_known, "ac")) {
      auto ac = decode_ac(r);
      if (!ac) return ac.error();
      hs.carriers.push_back(std::move(*ac));
    } else if (r.is(Tnf::well_known, "err")) {
      if (hs.error) {
        return make_error(ErrorCode::duplicate_field, r.payload_offset,
                          "Hs carries more than one err record");
      }
      auto e = decode_err(r);
      if (!e) return e.error();
      hs.error = std::move(*e);
    } else {
      hs.other_records.push_back(r);
    }
  }
  return hs;
}

Result<Record> encode_handover_select(const HandoverSelect& hs, std::string_view id) {
  if ((hs.version >> 4) != 1 || (hs.version & 0x0F) < 2) {
    return make_error(ErrorCode::unsupported_version, 0,
                      "Hs version " + detail::hex8(hs.version) + " not supported (1.2 and later 1.x)");
  }
  Message local;
  for (std::size_t i = 0; i < hs.carriers.size(); ++i) {
    const AlternativeCarrier& ac = hs.carriers[i];
    const std::string which = "ac " + std::to_string(i + 1) + ": ";
    if (ac.carrier_data_reference.empty() || ac.carrier_data_reference.size() > 255) {
      return make_error(ErrorCode::field_too_long, 0, which + "carrier data reference must be 1-255 bytes");
    }
    if (ac.auxiliary_data_references.size() > 255) {
      return make_error(ErrorCode::field_too_long, 0, which + "more than 255 auxiliary data references");
    }
    Bytes p;
    p.push_back(static_cast<std::uint8_t>(ac.power_state) & 0x03);
    p.push_back(static_cast<std::uint8_t>(ac.carrier_data_reference.size()));
    detail::append(p, ac.carrier_data_reference);
    p.push_back(static_cast<std::uint8_t>(ac.auxiliary_data_references.size()));
    for (const Bytes& aux : ac.auxiliary_data_references) {
      if (aux.empty() || aux.size() > 255) {
        return make_error(ErrorCode::field_too_long, 0,
                          which + "auxiliary data reference must be 1-255 bytes");
      }
      p.push_back(static_cast<std::uint8_t>(aux.size()));
      detail::append(p, aux);
    }
    local.records.push_back(make_record(Tnf::well_known, "ac", std::move(p)));
  }
  if (hs.error) {
    if (hs.error->reason == 0)
      return make_error(ErrorCode::bad_value, 0, "err record: reason 0x00 is reserved");
    Bytes p{hs.error->reason};
    detail::append(p, hs.error->data);
    local.records.push_back(make_record(Tnf::well_known, "err", std::move(p)));
  }
  local.records.insert(local.records.end(), hs.other_records.begin(), hs.other_records.end());
  Bytes payload{hs.version};
  if (!local.records.empty()) {
    auto inner = encode_message(local);
    if (!inner) return inner.error();
    detail::append(payload, *inner);
  }
  return make_record(Tnf::well_known, "Hs", std::move(payload), id);
}

}  // namespace tapbench::ndef
