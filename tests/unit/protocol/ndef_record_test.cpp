// NDEF framing: canonical encoding, round trips, chunk reassembly, and every rejection with its offset,
// code and reason.
#include <doctest/doctest.h>

#include <string>

#include "protocol/ndef/record.hpp"

using namespace tapbench::ndef;

namespace {

Bytes hex(std::string_view text) {
  auto b = from_hex(text);
  REQUIRE(b.ok());
  return *b;
}

Error reject(std::string_view text, const DecodeOptions& options = {}) {
  auto m = decode_message(hex(text), options);
  REQUIRE_FALSE(m.ok());
  return m.error();
}

void check_reject(std::string_view text, ErrorCode code, std::size_t offset, std::string_view reason_part,
                  const DecodeOptions& options = {}) {
  CAPTURE(text);
  const Error e = reject(text, options);
  CHECK(error_code_name(e.code) == std::string(error_code_name(code)));
  CHECK(e.offset == offset);
  CAPTURE(e.reason);
  CHECK(e.reason.find(reason_part) != std::string::npos);
}

}  // namespace

TEST_CASE("a one-record message decodes with every field and re-encodes to the same bytes") {
  // MB ME SR IL, TNF well-known, type "U", ID "id", payload 03 "a.b"
  const Bytes bytes = hex("d9 01 04 02 55 6964 03 612e62");
  auto m = decode_message(bytes);
  REQUIRE(m.ok());
  REQUIRE(m->records.size() == 1);
  const Record& r = m->records[0];
  CHECK(r.tnf == Tnf::well_known);
  CHECK(r.type_string() == "U");
  CHECK(r.id_string() == "id");
  CHECK(r.payload == Bytes{0x03, 'a', '.', 'b'});
  CHECK(r.payload_offset == 7);
  auto again = encode_message(*m);
  REQUIRE(again.ok());
  CHECK(*again == bytes);
}

TEST_CASE("encoder: SR below 256 bytes, 4-byte length from 256, IL only with an ID, MB first, ME last") {
  Message m;
  m.records.push_back(make_record(Tnf::media, "a/b", Bytes(255, 0xAA)));
  m.records.push_back(make_record(Tnf::external, "x.y:z", Bytes(256, 0xBB), "7"));
  m.records.push_back(make_record(Tnf::unknown, "", Bytes{1, 2}));
  auto bytes = encode_message(m);
  REQUIRE(bytes.ok());
  const Bytes& b = *bytes;
  // record 1: MB SR TNF 2, type 3, payload 255
  CHECK(b[0] == 0x92);
  CHECK(b[1] == 3);
  CHECK(b[2] == 255);
  const std::size_t r2 = 3 + 3 + 255;
  // record 2: IL, long form (no SR), TNF 4
  CHECK(b[r2] == 0x0C);
  CHECK(b[r2 + 1] == 5);
  CHECK(to_hex(ByteView(b).subspan(r2 + 2, 4)) == "00000100");
  CHECK(b[r2 + 6] == 1);  // ID length
  const std::size_t r3 = r2 + 7 + 5 + 1 + 256;
  CHECK(b[r3] == 0x55);  // ME SR TNF unknown
  CHECK(b.size() == r3 + 3 + 2);
  auto back = decode_message(b);
  REQUIRE(back.ok());
  CHECK(*back == m);
}

TEST_CASE("the empty NDEF message (one empty record) round-trips") {
  auto m = decode_message(hex("d00000"));
  REQUIRE(m.ok());
  REQUIRE(m->records.size() == 1);
  CHECK(m->records[0].tnf == Tnf::empty);
  CHECK(to_hex(*encode_message(*m)) == "d00000");
}

TEST_CASE("non-canonical input (long form for a short payload) decodes; re-encoding is canonical") {
  auto m = decode_message(hex("c1 01 00000001 55 00"));
  REQUIRE(m.ok());
  CHECK(m->records[0].payload == Bytes{0x00});
  CHECK(to_hex(*encode_message(*m)) ==
        "d1010155"
        "00");
}

TEST_CASE("truncated headers are rejected where the missing byte would be") {
  check_reject("", ErrorCode::empty_input, 0, "empty input");
  check_reject("d1", ErrorCode::truncated_header, 0, "type length missing");
  check_reject("d1 01", ErrorCode::truncated_header, 2, "1-byte payload length (SR set) missing");
  check_reject("c1 01 00 00", ErrorCode::truncated_header, 2, "needs 4 bytes, 2 left");
  check_reject("d9 01 01", ErrorCode::truncated_header, 3, "ID length (IL set) missing");
}

TEST_CASE("lengths running past the end are rejected at their length field") {
  check_reject("d1 05 00 55", ErrorCode::length_past_end, 1,
               "type length 5 runs past end of input (1 byte(s)");
  check_reject("d9 01 00 04 55 61", ErrorCode::length_past_end, 3, "ID length 4 runs past end");
  check_reject("d1 01 05 55 00", ErrorCode::length_past_end, 2,
               "payload length 5 runs past end of input (1 byte(s) left after type and ID)");
}

TEST_CASE("an oversized 32-bit payload length is refused without overflow") {
  check_reject("c1 01 ffffffff 55 00", ErrorCode::length_past_end, 2,
               "payload length 4294967295 runs past end");
  // Type, ID and payload lengths all at their maximum on a tiny input.
  check_reject("c9 ff ffffffff ff", ErrorCode::length_past_end, 1, "type length 255");
  DecodeOptions small;
  small.max_payload = 2;
  check_reject("d1 01 03 55 616263", ErrorCode::length_overflow, 2, "exceeds the limit of 2 bytes", small);
}

TEST_CASE("SR / IL flags that do not match the layout are caught") {
  // Short record written without SR: the 1-byte length and following bytes are read as a 4-byte length.
  check_reject("c1 01 03 55 616263", ErrorCode::length_past_end, 2,
               "payload length 55927138 runs past end of input (0 byte(s) left");
  // Long record written with SR: the first length byte (0) is taken as the length, the rest is trailing.
  check_reject("d1 01 00000003 55 616263", ErrorCode::trailing_data, 4, "6 byte(s) after the record with ME");
  // IL set without an ID length: the type byte is read as the ID length.
  check_reject("d9 01 03 55 616263", ErrorCode::length_past_end, 3, "ID length 85 runs past end");
}

TEST_CASE("MB / ME rules") {
  check_reject("51 01 00 55", ErrorCode::missing_message_begin, 0, "first record lacks MB");
  check_reject("91 01 00 55 d1 01 00 55", ErrorCode::unexpected_message_begin, 4,
               "MB (message begin) set on record 2");
  check_reject("91 01 00 55", ErrorCode::missing_message_end, 4,
               "after 1 record(s) without a record carrying ME");
  check_reject("91 01 00 55 11 01 00 55", ErrorCode::missing_message_end, 8, "after 2 record(s)");
  check_reject("d1 01 00 55 00", ErrorCode::trailing_data, 4, "1 byte(s) after the record with ME");
  check_reject("d1 01 00 55 51 01 00 55", ErrorCode::trailing_data, 4, "4 byte(s) after");
}

TEST_CASE("TNF rules") {
  check_reject("d7 00 00", ErrorCode::reserved_tnf, 0, "TNF reserved (0x07)");
  check_reject("d0 01 00 55", ErrorCode::tnf_field_rule, 0,
               "TNF empty (0x00) requires type, ID and payload lengths 0 (got 1, 0, 0)");
  check_reject("d0 00 01 00", ErrorCode::tnf_field_rule, 0, "(got 0, 0, 1)");
  check_reject("d8 00 00 01 41", ErrorCode::tnf_field_rule, 0, "(got 0, 1, 0)");
  check_reject("d5 01 00 55", ErrorCode::tnf_field_rule, 0,
               "TNF unknown (0x05) requires type length 0 (got 1)");
  check_reject("d1 00 00", ErrorCode::type_missing, 0, "TNF well-known (0x01) with type length 0");
  check_reject("d4 00 00", ErrorCode::type_missing, 0, "TNF external (0x04)");
  check_reject("d6 00 00", ErrorCode::unexpected_unchanged, 0,
               "TNF unchanged (0x06) outside a chunked record");
  check_reject("91 01 00 55 56 00 00", ErrorCode::unexpected_unchanged, 4, "outside a chunked record");
}

TEST_CASE("chunked records are reassembled per NFC Forum rules") {
  // first chunk: MB CF SR well-known "U" payload 03 61; middle: CF SR unchanged "62 63"; last: ME SR "64"
  const Bytes bytes = hex("b1 01 02 55 0361  36 00 02 6263  56 00 01 64");
  auto m = decode_message(bytes);
  REQUIRE(m.ok());
  REQUIRE(m->records.size() == 1);
  CHECK(m->records[0].type_string() == "U");
  CHECK(m->records[0].payload == Bytes{0x03, 'a', 'b', 'c', 'd'});
  CHECK(m->records[0].payload_offset == 4);
  // Re-encoding gives the canonical unchunked record.
  CHECK(to_hex(*encode_message(*m)) ==
        "d1010555"
        "0361626364");

  SUBCASE("a chunked record followed by another record") {
    auto two = decode_message(hex("b1 01 01 55 03  16 00 01 61  51 01 01 55 04"));
    REQUIRE(two.ok());
    REQUIRE(two->records.size() == 2);
    CHECK(two->records[0].payload == Bytes{0x03, 'a'});
    CHECK(two->records[1].payload == Bytes{0x04});
  }
  SUBCASE("the ID travels on the first chunk") {
    auto with_id = decode_message(hex("b9 01 01 01 55 41 03  56 00 01 61"));
    REQUIRE(with_id.ok());
    CHECK(with_id->records[0].id_string() == "A");
  }
}

TEST_CASE("chunked records can be refused") {
  DecodeOptions refuse;
  refuse.chunks = ChunkPolicy::refuse;
  check_reject("b1 01 02 55 0361  56 00 01 64", ErrorCode::chunk_refused, 0,
               "chunked record (CF set) refused", refuse);
  // Unchunked input is unaffected.
  CHECK(decode_message(hex("d1 01 01 55 00"), refuse).ok());
}

TEST_CASE("malformed chunk sequences are rejected with offset and reason") {
  check_reject("b1 01 01 55 03  51 00 01 61", ErrorCode::chunk_malformed, 5,
               "has TNF well-known (0x01), must be unchanged (0x06)");
  check_reject("b1 01 01 55 03  56 01 01 55 61", ErrorCode::chunk_malformed, 5, "type length 1, must be 0");
  check_reject("b1 01 01 55 03  5e 00 01 00 61", ErrorCode::chunk_malformed, 5, "IL set, must carry no ID");
  check_reject("f1 01 01 55 03", ErrorCode::chunk_malformed, 0, "ME (message end) set on a chunk with CF");
  check_reject("b1 01 01 55 03  76 00 01 61", ErrorCode::chunk_malformed, 5,
               "ME (message end) set on a middle chunk");
  check_reject("b1 01 01 55 03  36 00 01 61", ErrorCode::chunk_malformed, 9,
               "input ends inside the chunked record started at offset 0");
  check_reject("b1 01 01 55 03  b6 00 01 61", ErrorCode::unexpected_message_begin, 5, "set on record 2");
  check_reject("b0 00 00  56 00 00", ErrorCode::chunk_malformed, 0, "chunked record with TNF empty");
  DecodeOptions small;
  small.max_payload = 3;
  check_reject("b1 01 02 55 0361  56 00 02 6263", ErrorCode::length_overflow, 8,
               "reassembled payload of the chunked record at offset 0 exceeds the limit of 3 bytes", small);
}

TEST_CASE("base_offset shifts every reported offset (nested messages)") {
  DecodeOptions nested;
  nested.base_offset = 100;
  check_reject("d1 01 05 55 00", ErrorCode::length_past_end, 102, "payload length 5", nested);
  auto m = decode_message(hex("d1 01 01 55 00"), nested);
  REQUIRE(m.ok());
  CHECK(m->records[0].payload_offset == 104);
}

TEST_CASE("encoder refuses records that break the TNF rules") {
  auto refuse = [](Message m, ErrorCode code, std::string_view part) {
    auto r = encode_message(m);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == code);
    CAPTURE(r.error().reason);
    CHECK(r.error().reason.find(part) != std::string::npos);
  };
  refuse(Message{}, ErrorCode::invalid_record, "at least one record");
  refuse(Message{{make_record(Tnf::empty, "x", {})}}, ErrorCode::invalid_record, "record 1: TNF empty");
  refuse(Message{{make_record(Tnf::empty, "", {1})}}, ErrorCode::invalid_record, "TNF empty (0x00) with");
  refuse(Message{{make_record(Tnf::unknown, "x", {})}}, ErrorCode::invalid_record,
         "TNF unknown (0x05) with a type");
  refuse(Message{{make_record(Tnf::well_known, "U", {}), make_record(Tnf::media, "", {})}},
         ErrorCode::invalid_record, "record 2: TNF media (0x02) without a type");
  refuse(Message{{make_record(Tnf::unchanged, "", {})}}, ErrorCode::invalid_record, "TNF unchanged (0x06)");
  refuse(Message{{make_record(Tnf::reserved, "", {})}}, ErrorCode::invalid_record, "TNF reserved (0x07)");
  refuse(Message{{make_record(Tnf::media, std::string(256, 'a'), {})}}, ErrorCode::field_too_long,
         "type of 256 bytes");
  refuse(Message{{make_record(Tnf::media, "a/b", {}, std::string(256, 'i'))}}, ErrorCode::field_too_long,
         "ID of 256 bytes");
}

TEST_CASE("round trip: decode(encode(m)) == m for assorted messages") {
  for (std::size_t n : {0u, 1u, 200u, 255u, 256u, 1000u}) {
    Message m;
    m.records.push_back(make_record(Tnf::absolute_uri, "urn:x", Bytes(n, 0x11), "a"));
    m.records.push_back(make_record(Tnf::well_known, "T", Bytes(n / 2, 0x22)));
    auto bytes = encode_message(m);
    REQUIRE(bytes.ok());
    auto back = decode_message(*bytes);
    REQUIRE(back.ok());
    CHECK(*back == m);
    CHECK(*encode_message(*back) == *bytes);
  }
}

TEST_CASE("Error::to_string is what the CLI prints; hex helpers") {
  const Error e = reject("d1 01 05 55 00");
  CHECK(e.to_string() ==
        "offset 2: payload length 5 runs past end of input (1 byte(s) left after type and ID)");
  CHECK(std::string(error_code_name(e.code)) == "length_past_end");
  CHECK(to_hex(Bytes{0x00, 0xAB, 0x10}) == "00ab10");
  CHECK(*from_hex("00:AB 10\n") == Bytes{0x00, 0xAB, 0x10});
  auto odd = from_hex("abc");
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.error().to_string() == "offset 2: odd number of hex digits");
  auto bad = from_hex("zz");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().to_string() == "offset 0: not a hex digit: 'z'");
}
