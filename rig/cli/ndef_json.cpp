#include "rig/cli/ndef_json.hpp"

#include <boost/json.hpp>
#include <string>

#include "protocol/handover/tap_message.hpp"
#include "protocol/ndef/aar.hpp"
#include "protocol/ndef/handover_select.hpp"
#include "protocol/ndef/p2p.hpp"
#include "protocol/ndef/printer_record.hpp"
#include "protocol/ndef/uri.hpp"
#include "protocol/ndef/wsc.hpp"

namespace tapbench::cli {
namespace json = boost::json;
namespace {

std::string as_text(const ndef::Bytes& bytes) {
  return {bytes.begin(), bytes.end()};
}

json::object record_header(const ndef::Record& record, std::size_t index) {
  return {{"index", index},
          {"tnf", ndef::tnf_name(record.tnf)},
          {"tnf_code", static_cast<int>(record.tnf)},
          {"type", record.type_string()},
          {"id", record.id_string()},
          {"payload_length", record.payload.size()},
          {"payload_offset", record.payload_offset},
          {"payload_hex", ndef::to_hex(record.payload)}};
}

json::object wsc_to_json(const ndef::Record& record, const ndef::WscPayload& wsc) {
  json::array attributes;
  for (const auto& a : wsc.attributes) {
    const char* name = ndef::wsc_attribute_name(a.type);
    attributes.push_back(
        {{"type", a.type}, {"name", name ? name : "unknown"}, {"value_hex", ndef::to_hex(a.value)}});
  }
  json::object out{{"form", wsc.form == ndef::WscForm::bare ? "bare" : "length-prefixed"},
                   {"attributes", std::move(attributes)}};
  if (const auto* ssid = wsc.find(ndef::wsc_attr::ssid)) out["ssid"] = as_text(ssid->value);
  if (const auto* mac = wsc.find(ndef::wsc_attr::mac_address); mac && mac->value.size() == 6) {
    ndef::MacAddress m{};
    std::copy(mac->value.begin(), mac->value.end(), m.begin());
    out["mac"] = ndef::format_mac(m);
  }
  if (const auto* uuid = wsc.find(ndef::wsc_attr::uuid_e)) out["uuid_e"] = ndef::to_hex(uuid->value);
  // OOB Device Password: public key hash (20) | password ID (2, big-endian) | password (0–32).
  if (const auto* oob = wsc.find(ndef::wsc_attr::oob_device_password); oob && oob->value.size() >= 22) {
    const auto& v = oob->value;
    out["oob_device_password"] = {{"public_key_hash", ndef::to_hex(ndef::ByteView(v).first(20))},
                                  {"password_id", v[20] << 8 | v[21]},
                                  {"password", ndef::to_hex(ndef::ByteView(v).subspan(22))}};
  }
  if (wsc.find(ndef::wsc_attr::credential)) {
    auto token = ndef::decode_wsc_config_token(record);
    if (!token) {
      out["credential_error"] = token.error().to_string();
    } else {
      const auto& c = token->credential;
      out["credentials"] = json::array{{{"ssid", c.ssid},
                                        {"network_key", c.network_key},
                                        {"auth_type", ndef::wsc_auth_type_names(c.auth_type)},
                                        {"encryption_type", ndef::wsc_encr_type_names(c.encr_type)},
                                        {"mac", ndef::format_mac(c.mac)}}};
      if (token->ap_channel) out["ap_channel"] = *token->ap_channel;
      if (token->rf_bands) out["rf_bands"] = *token->rf_bands;
      if (token->version2)
        out["version2"] =
            std::to_string(*token->version2 >> 4) + "." + std::to_string(*token->version2 & 0x0F);
    }
  }
  return out;
}

json::array records_to_json(const std::vector<ndef::Record>& records);

// Adds the typed view of a record, or "typed_error" when its typed decoder rejects it.
void add_typed(json::object& out, const ndef::Record& record) {
  auto fail = [&](const ndef::Error& e) { out["typed_error"] = e.to_string(); };
  if (record.is(ndef::Tnf::well_known, "U")) {
    if (auto uri = ndef::decode_uri(record)) {
      out["uri"] = {{"prefix_code", uri->prefix_code}, {"uri", uri->full()}};
    } else {
      fail(uri.error());
    }
  } else if (record.is(ndef::Tnf::well_known, "Hs")) {
    auto hs = ndef::decode_handover_select(record, {.base_offset = record.payload_offset});
    if (!hs) return fail(hs.error());
    json::array carriers;
    for (const auto& ac : hs->carriers) {
      json::array aux;
      for (const auto& ref : ac.auxiliary_data_references)
        aux.push_back(json::string(as_text(ref)));
      carriers.push_back({{"power_state", ndef::carrier_power_state_name(ac.power_state)},
                          {"carrier_data_reference", as_text(ac.carrier_data_reference)},
                          {"auxiliary_data_references", std::move(aux)}});
    }
    json::object handover{
        {"version", std::to_string(hs->version >> 4) + "." + std::to_string(hs->version & 0x0F)},
        {"carriers", std::move(carriers)}};
    if (hs->error)
      handover["error"] = {{"reason", hs->error->reason}, {"data_hex", ndef::to_hex(hs->error->data)}};
    // The local records as they are on the wire (ac, err, others), for field-by-field comparison.
    auto local = ndef::decode_message(ndef::ByteView(record.payload).subspan(1),
                                      {.base_offset = record.payload_offset + 1});
    handover["records"] = local ? records_to_json(local->records) : json::array{};
    out["handover"] = std::move(handover);
  } else if (record.is(ndef::Tnf::media, ndef::kWscMediaType)) {
    if (auto wsc = ndef::decode_wsc(record)) {
      out["wsc"] = wsc_to_json(record, *wsc);
    } else {
      fail(wsc.error());
    }
  } else if (record.is(ndef::Tnf::media, ndef::kP2pMediaType)) {
    auto info = ndef::decode_p2p_info(record);
    if (!info) return fail(info.error());
    json::object p2p;
    if (info->device_info) {
      p2p["device_address"] = ndef::format_mac(info->device_info->device_address);
      p2p["device_name"] = info->device_info->device_name;
      p2p["config_methods"] = info->device_info->config_methods;
    }
    if (info->group_id)
      p2p["group"] = {{"device_address", ndef::format_mac(info->group_id->device_address)},
                      {"ssid", info->group_id->ssid}};
    if (info->oob_go_channel) {
      p2p["oob_go_channel"] = {{"operating_class", info->oob_go_channel->operating_class},
                               {"channel", info->oob_go_channel->channel},
                               {"role", info->oob_go_channel->role}};
    }
    out["p2p"] = std::move(p2p);
  } else if (record.is(ndef::Tnf::external, ndef::kAarType)) {
    if (auto aar = ndef::decode_aar(record)) {
      out["aar"] = {{"package", aar->package}};
    } else {
      fail(aar.error());
    }
  } else if (record.is(ndef::Tnf::external, ndef::kPrinterRecordType)) {
    auto printer = ndef::decode_printer_record(record);
    if (!printer) return fail(printer.error());
    json::object p{{"state", ndef::printer_state_name(printer->state)}};
    if (printer->pwt) p["pwt"] = *printer->pwt;
    if (printer->instruction) p["instruction"] = ndef::instruction_name(*printer->instruction);
    if (printer->svwt) p["svwt"] = *printer->svwt;
    if (printer->pages) p["pages"] = *printer->pages;
    out["printer"] = std::move(p);
  }
}

json::array records_to_json(const std::vector<ndef::Record>& records) {
  json::array out;
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto r = record_header(records[i], i);
    add_typed(r, records[i]);
    out.push_back(std::move(r));
  }
  return out;
}

json::value tap_to_json(const ndef::Message& message) {
  auto tap = handover::parse_tap_message(message);
  if (!tap) return {{"error", tap.error().to_string()}};
  json::object t{{"state", ndef::printer_state_name(tap->state)}};
  if (tap->hs_version)
    t["hs_version"] = std::to_string(*tap->hs_version >> 4) + "." + std::to_string(*tap->hs_version & 0x0F);
  if (tap->wfd) {
    t["wfd"] = {{"ssid", tap->wfd->ssid},
                {"passphrase", tap->wfd->passphrase},
                {"go_mac", ndef::format_mac(tap->wfd->go_mac)},
                {"channel", tap->wfd->channel}};
  }
  if (tap->pwt) t["pwt"] = *tap->pwt;
  if (tap->svwt) t["svwt"] = *tap->svwt;
  if (tap->instruction) t["instruction"] = ndef::instruction_name(*tap->instruction);
  if (tap->url) t["url"] = *tap->url;
  if (tap->app_package) t["app_package"] = *tap->app_package;
  if (tap->printable_pages) t["printable_pages"] = *tap->printable_pages;
  return t;
}

}  // namespace

json::value ndef_message_to_json(const ndef::Message& message, ndef::ByteView message_bytes) {
  return {{"message_length", message_bytes.size()},
          {"records", records_to_json(message.records)},
          {"tap_message", tap_to_json(message)}};
}

}  // namespace tapbench::cli
