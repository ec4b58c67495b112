// `tapbench ndef decode --json`: an NDEF message as JSON, record by record, typed records expanded, plus the
// tap-message view (state, tokens, URL) when the message is one of the printer's (protocol/handover).
// Shows tokens and keys: this is for inspecting tag content, like `describe()`.
#pragma once

#include <boost/json/value.hpp>

#include "protocol/ndef/record.hpp"

namespace tapbench::cli {

// `message_bytes` is the encoded message `message` was decoded from (for the length and nested offsets).
boost::json::value ndef_message_to_json(const ndef::Message& message, ndef::ByteView message_bytes);

}  // namespace tapbench::cli
