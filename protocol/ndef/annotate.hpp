// Byte-by-byte annotated hex dump of an NDEF message: one line per field, "hex bytes | meaning", nested
// payloads (Hs local records, WSC attributes inside the Credential, printer TLVs) indented. This is how
// docs/PROTOCOL.md shows every message (a unit test regenerates the doc's blocks from encode() output), and
// what `tapbench ndef decode` can print for a byte-level view. Shows tokens and keys like describe().
#pragma once

#include <string>

#include "protocol/ndef/result.hpp"

namespace tapbench::ndef {

// Fails with the decoder's error when `message` is not a valid NDEF message (DecodeOptions defaults).
// Typed payloads that fail their own decoder are dumped as plain payload bytes.
Result<std::string> annotate(ByteView message);

}  // namespace tapbench::ndef
