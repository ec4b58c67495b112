#include <doctest/doctest.h>

#include "drivers/usb/reader_table.hpp"
#include "drivers/usb/usb_error.hpp"

using namespace tapbench::usb;

TEST_CASE("The default reader table knows the PN533 family and the ACR122U family") {
  const auto table = ReaderTable::defaults();
  struct Row {
    const char* id;
    LibnfcDriver driver;
  };
  for (const Row& row :
       {Row{"04cc:2533", LibnfcDriver::kPn53xUsb}, Row{"04e6:5591", LibnfcDriver::kPn53xUsb},
        Row{"054c:02e1", LibnfcDriver::kPn53xUsb}, Row{"072f:2200", LibnfcDriver::kAcr122Usb},
        Row{"072f:90cc", LibnfcDriver::kAcr122Usb}}) {
    CAPTURE(row.id);
    const auto found = table.find(parse_usb_id(row.id));
    REQUIRE(found);
    CHECK(found->driver == row.driver);
  }
  CHECK(table.entries().size() == 5);
  CHECK(table.find({0x046d, 0xc31c}) == std::nullopt);  // a keyboard
}

TEST_CASE("Config entries extend the table and may rename a known reader") {
  auto table = ReaderTable::defaults();
  table.add_entries(
      {"1fd3:0608 pn53x_usb ASK LoGO", "072f:2200 acr122_usb Bench A reader", "04cc:0531 pn53x_usb"});
  CHECK(table.entries().size() == 7);
  CHECK(table.find({0x1fd3, 0x0608})->kind == "ASK LoGO");
  CHECK(table.find({0x072f, 0x2200})->kind == "Bench A reader");
  CHECK(table.find({0x04cc, 0x0531})->kind == "04cc:0531");  // kind defaults to the id
}

TEST_CASE("A bad config entry names itself and says what was expected") {
  ReaderTable table;
  for (const char* bad : {"", "1fd3:0608", "1fd3-0608 pn53x_usb", "1fd3:0608 pcsc Reader"}) {
    CAPTURE(bad);
    try {
      table.add_entries({bad});
      FAIL("accepted");
    } catch (const UsbError& e) {
      CHECK(e.code() == UsbErrc::kBadArgument);
      CHECK(std::string(e.what()).find(std::string("'") + bad + "'") != std::string::npos);
    }
  }
  CHECK(table.entries().empty());
}
