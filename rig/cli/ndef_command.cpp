// `tapbench ndef decode` and `tapbench ndef encode`: inspect and build the printer's tag message.
#include <yaml-cpp/yaml.h>

#include <boost/json/serialize.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <string>

#include "protocol/handover/tap_message.hpp"
#include "protocol/ndef/describe.hpp"
#include "protocol/ndef/wsc.hpp"
#include "rig/cli/byte_input.hpp"
#include "rig/cli/commands.hpp"
#include "rig/cli/exit_codes.hpp"
#include "rig/cli/ndef_json.hpp"

namespace tapbench::cli {
namespace {

struct DecodeArgs {
  std::string source = "-";
  bool json = false;
  bool refuse_chunks = false;
  bool force_hex = false;
  bool force_binary = false;
};

std::string tap_summary(const ndef::Message& message) {
  auto tap = handover::parse_tap_message(message);
  if (!tap) return "Not a tapbench tap message: " + tap.error().to_string() + "\n";
  std::string s = "Tap message (printer state " + std::string(ndef::printer_state_name(tap->state)) + ")\n";
  auto line = [&](const char* key, const std::string& value) {
    s += std::string("  ") + key + ": " + value + "\n";
  };
  if (tap->wfd) {
    line("Wi-Fi Direct SSID", tap->wfd->ssid);
    line("Wi-Fi Direct passphrase", tap->wfd->passphrase);
    line("GO address", ndef::format_mac(tap->wfd->go_mac));
  }
  if (tap->pwt) line("PWT", *tap->pwt);
  if (tap->svwt) line("SVWT", *tap->svwt);
  if (tap->instruction) line("instruction", ndef::instruction_name(*tap->instruction));
  if (tap->url) line("URL", *tap->url);
  if (tap->app_package) line("app", *tap->app_package);
  if (tap->printable_pages) line("printable pages", std::to_string(*tap->printable_pages));
  return s;
}

int run_decode(const DecodeArgs& args) {
  const auto format = args.force_hex      ? InputFormat::kHex
                      : args.force_binary ? InputFormat::kBinary
                                          : InputFormat::kAuto;
  ByteInput input;
  try {
    input = read_bytes(args.source, format);
  } catch (const InputError& e) {
    std::cerr << "tapbench ndef decode: " << e.message << "\n";
    return e.exit_code;
  }
  ndef::DecodeOptions options;
  if (args.refuse_chunks) options.chunks = ndef::ChunkPolicy::refuse;
  auto message = ndef::decode_message(input.bytes, options);
  if (!message) {
    std::cerr << "tapbench ndef decode: " << input.origin << ": malformed NDEF at "
              << message.error().to_string() << " [" << ndef::error_code_name(message.error().code) << "]\n";
    return kExitDataError;
  }
  if (args.json) {
    std::cout << boost::json::serialize(ndef_message_to_json(*message, input.bytes)) << "\n";
  } else {
    std::cout << input.origin << ": " << input.bytes.size() << " bytes\n"
              << ndef::describe(*message) << tap_summary(*message);
  }
  return kExitOk;
}

struct EncodeArgs {
  std::string from_yaml;
  std::string output;
  std::string format;  // hex | binary; default: hex on stdout, binary into a file
  handover::TapInputs inputs;
  std::string go_mac;
  std::string hs_version;
  std::optional<std::string> svwt;
};

// A YAML error that names file:line:column.
struct YamlError {
  std::string message;
};

std::string where(const std::string& file, const YAML::Mark& mark) {
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

template <class T>
T scalar(const std::string& file, const YAML::Node& node, const char* key, const char* expected) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw YamlError{where(file, node.Mark()) + ": '" + key + "' must be " + expected};
  }
}

// Fills args from a YAML file; command-line flags given explicitly override it afterwards.
void load_encode_yaml(const std::string& file, EncodeArgs& args) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw InputError{kExitNoInput, file + ": cannot be read"};
  } catch (const YAML::ParserException& e) {
    throw YamlError{where(file, e.mark) + ": " + e.msg};
  }
  if (!root.IsMap()) throw YamlError{where(file, root.Mark()) + ": expected a mapping of tap inputs"};
  static const std::set<std::string> kKeys = {
      "registered", "ink_low",     "printable_pages", "page_threshold", "wfd",       "pwt",
      "svwt",       "app_package", "charge_url",      "exchange_url",   "hs_version"};
  static const std::set<std::string> kWfdKeys = {"ssid", "passphrase", "go_mac", "channel"};
  auto& in = args.inputs;
  for (const auto& kv : root) {
    const auto key = kv.first.as<std::string>();
    const auto& v = kv.second;
    if (!kKeys.count(key)) {
      throw YamlError{
          where(file, kv.first.Mark()) + ": unknown key '" + key +
          "' (expected one of: registered, ink_low, printable_pages, page_threshold, wfd, pwt, svwt, "
          "app_package, charge_url, exchange_url, hs_version)"};
    }
    if (key == "registered") in.registered = scalar<bool>(file, v, "registered", "true or false");
    if (key == "ink_low") in.ink_low = scalar<bool>(file, v, "ink_low", "true or false");
    if (key == "printable_pages")
      in.printable_pages = scalar<std::uint32_t>(file, v, "printable_pages", "a page count");
    if (key == "page_threshold")
      in.page_threshold = scalar<std::uint32_t>(file, v, "page_threshold", "a page count");
    if (key == "pwt") in.pwt = scalar<std::string>(file, v, "pwt", "a string");
    if (key == "svwt") args.svwt = scalar<std::string>(file, v, "svwt", "a string");
    if (key == "app_package") in.app_package = scalar<std::string>(file, v, "app_package", "a string");
    if (key == "charge_url") in.charge_url = scalar<std::string>(file, v, "charge_url", "a string");
    if (key == "exchange_url") in.exchange_url = scalar<std::string>(file, v, "exchange_url", "a string");
    if (key == "hs_version")
      args.hs_version = scalar<std::string>(file, v, "hs_version", "\"1.2\" or \"1.3\"");
    if (key == "wfd") {
      if (!v.IsMap())
        throw YamlError{where(file, v.Mark()) +
                        ": 'wfd' must be a mapping (ssid, passphrase, go_mac, channel)"};
      for (const auto& w : v) {
        const auto wkey = w.first.as<std::string>();
        if (!kWfdKeys.count(wkey)) {
          throw YamlError{where(file, w.first.Mark()) + ": unknown key 'wfd." + wkey +
                          "' (expected one of: ssid, passphrase, go_mac, channel)"};
        }
        if (wkey == "ssid") in.wfd.ssid = scalar<std::string>(file, w.second, "wfd.ssid", "a string");
        if (wkey == "passphrase")
          in.wfd.passphrase = scalar<std::string>(file, w.second, "wfd.passphrase", "a string");
        if (wkey == "go_mac")
          args.go_mac = scalar<std::string>(file, w.second, "wfd.go_mac", "a MAC address");
        if (wkey == "channel")
          in.wfd.channel = scalar<std::uint16_t>(file, w.second, "wfd.channel", "a channel number");
      }
    }
  }
}

int run_encode(EncodeArgs args, const CLI::App& cmd) {
  // Flags override the YAML file: load the file into a copy, then re-apply the flags that were given.
  if (!args.from_yaml.empty()) {
    EncodeArgs from_file;
    try {
      load_encode_yaml(args.from_yaml, from_file);
    } catch (const YamlError& e) {
      std::cerr << "tapbench ndef encode: " << e.message << "\n";
      return kExitDataError;
    } catch (const InputError& e) {
      std::cerr << "tapbench ndef encode: " << e.message << "\n";
      return e.exit_code;
    }
    auto given = [&](const char* flag) { return cmd.get_option(flag)->count() > 0; };
    auto& f = from_file.inputs;
    const auto& a = args.inputs;
    if (given("--registered")) f.registered = a.registered;
    if (given("--ink-low")) f.ink_low = a.ink_low;
    if (given("--pages")) f.printable_pages = a.printable_pages;
    if (given("--threshold")) f.page_threshold = a.page_threshold;
    if (given("--ssid")) f.wfd.ssid = a.wfd.ssid;
    if (given("--passphrase")) f.wfd.passphrase = a.wfd.passphrase;
    if (given("--channel")) f.wfd.channel = a.wfd.channel;
    if (given("--pwt")) f.pwt = a.pwt;
    if (given("--app")) f.app_package = a.app_package;
    if (given("--charge-url")) f.charge_url = a.charge_url;
    if (given("--exchange-url")) f.exchange_url = a.exchange_url;
    if (given("--go-mac")) from_file.go_mac = args.go_mac;
    if (given("--svwt")) from_file.svwt = args.svwt;
    if (given("--hs-version")) from_file.hs_version = args.hs_version;
    args.inputs = f;
    args.go_mac = from_file.go_mac;
    args.svwt = from_file.svwt;
    args.hs_version = from_file.hs_version;
  }
  auto& in = args.inputs;
  in.svwt = args.svwt;
  if (!args.go_mac.empty()) {
    auto mac = ndef::parse_mac(args.go_mac);
    if (!mac) {
      std::cerr << "tapbench ndef encode: GO MAC '" << args.go_mac
                << "' is not a MAC address (aa:bb:cc:dd:ee:ff)\n";
      return kExitDataError;
    }
    in.wfd.go_mac = *mac;
  }
  if (args.hs_version == "1.2") {
    in.hs_version = ndef::kHandoverVersion12;
  } else if (args.hs_version.empty() || args.hs_version == "1.3") {
    in.hs_version = ndef::kHandoverVersion13;
  } else {
    std::cerr << "tapbench ndef encode: handover version '" << args.hs_version << "' is not 1.2 or 1.3\n";
    return kExitDataError;
  }

  auto bytes = handover::encode_tap_message(in);
  if (!bytes) {
    std::cerr << "tapbench ndef encode: cannot build the "
              << ndef::printer_state_name(handover::judge_state(in)) << " message: " << bytes.error().reason
              << "\n";
    return kExitDataError;
  }
  const bool hex = args.format == "hex" || (args.format.empty() && args.output.empty());
  const std::string out = hex ? to_hex(*bytes) + "\n" : std::string(bytes->begin(), bytes->end());
  if (args.output.empty() || args.output == "-") {
    std::cout << out;
    return std::cout.flush() ? kExitOk : kExitIoError;
  }
  std::ofstream file(args.output, std::ios::binary | std::ios::trunc);
  if (!(file << out) || !file.flush()) {
    std::cerr << "tapbench ndef encode: cannot write " << args.output << "\n";
    return kExitIoError;
  }
  std::cerr << "wrote " << bytes->size() << "-byte " << ndef::printer_state_name(handover::judge_state(in))
            << " message to " << args.output << (hex ? " (hex)" : "") << "\n";
  return kExitOk;
}

}  // namespace

void register_ndef_commands(CLI::App& app, CommandResult& result) {
  auto* ndef_cmd =
      app.add_subcommand("ndef", "Decode and encode NDEF tag messages (the printer's handover message)");
  ndef_cmd->require_subcommand(1);

  auto decode_args = std::make_shared<DecodeArgs>();
  auto* decode = ndef_cmd->add_subcommand(
      "decode",
      "Print an NDEF message as readable text or JSON. Malformed input: the offset and the reason, exit 65.");
  decode
      ->add_option("input", decode_args->source, "A file (binary or hex text), a hex string, or - for stdin")
      ->default_str("-");
  decode->add_flag("--json", decode_args->json,
                   "JSON instead of text (records, typed fields, tap-message view)");
  decode->add_flag("--refuse-chunks", decode_args->refuse_chunks,
                   "Reject chunked records instead of reassembling them");
  auto* hex_flag = decode->add_flag("--hex", decode_args->force_hex, "Read the input as hex text");
  decode->add_flag("--binary", decode_args->force_binary, "Read the input as raw bytes")->excludes(hex_flag);
  decode->callback([decode_args, &result] { result.exit_code = run_decode(*decode_args); });

  auto encode_args = std::make_shared<EncodeArgs>();
  auto& a = *encode_args;
  auto* encode = ndef_cmd->add_subcommand(
      "encode",
      "Build the printer's tag message for a state (S19/S21/S116) from flags and/or a YAML file.\n"
      "The state is judged from the inputs: unregistered, else ink-low, else charge-needed (pages <= "
      "threshold),\n"
      "else ready.");
  encode->add_option("--from", a.from_yaml, "YAML file of tap inputs (flags given as well override it)")
      ->check(CLI::ExistingFile);
  encode->add_option("-o,--output", a.output, "Write to FILE (default: stdout)");
  encode->add_option("--format", a.format, "hex or binary (default: hex on stdout, binary into a file)")
      ->check(CLI::IsMember({"hex", "binary"}));
  encode->add_flag("--registered", a.inputs.registered,
                   "The printer is registered with the server (has an ST)");
  encode->add_flag("--ink-low", a.inputs.ink_low, "Ink is below the replacement threshold");
  encode->add_option("--pages", a.inputs.printable_pages, "Printable pages left");
  encode->add_option("--threshold", a.inputs.page_threshold, "Offer a charge when pages <= threshold");
  encode->add_option("--ssid", a.inputs.wfd.ssid, "Wi-Fi Direct group SSID (DIRECT-…)");
  encode->add_option("--passphrase", a.inputs.wfd.passphrase,
                     "Wi-Fi Direct group passphrase (8–63 chars) or PSK");
  encode->add_option("--go-mac", a.go_mac, "Group owner interface address, aa:bb:cc:dd:ee:ff");
  encode->add_option("--channel", a.inputs.wfd.channel, "GO operating channel (0: not announced)");
  encode->add_option("--pwt", a.inputs.pwt, "The printer's current one-time token (PWT)");
  encode->add_option("--svwt", a.svwt, "A prefetched service one-time token (SVWT)");
  encode->add_option("--app", a.inputs.app_package, "Management app package, e.g. dev.tapbench.manager");
  encode->add_option("--charge-url", a.inputs.charge_url, "Charge page URL (the phone appends its SVT)");
  encode->add_option("--exchange-url", a.inputs.exchange_url, "Ink exchange page URL");
  encode->add_option("--hs-version", a.hs_version, "Handover Select version: 1.2 or 1.3 (default 1.3)");
  encode->callback([encode_args, encode, &result] { result.exit_code = run_encode(*encode_args, *encode); });
}

}  // namespace tapbench::cli
