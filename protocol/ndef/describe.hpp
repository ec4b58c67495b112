// Human-readable, multi-line description of an NDEF message: one block per record (header fields, type,
// ID, payload size), typed records expanded (Hs carriers and references, WSC credential with SSID, auth and
// encryption names and the network key, P2P attributes, URI expanded, AAR package, the printer record with
// state, instruction, PWT and SVWT). Tokens and keys ARE shown: this is for inspecting tag content
// (`tapbench ndef decode`); the library itself never logs.
#pragma once

#include <string>

#include "protocol/ndef/record.hpp"

namespace tapbench::ndef {

// Every line ends with '\n'. A typed record that fails its typed decoder is shown with
// "invalid <kind>: offset N: reason" and its payload in hex, never dropped.
std::string describe(const Message& message);
std::string describe_record(const Record& record, std::size_t index);

}  // namespace tapbench::ndef
