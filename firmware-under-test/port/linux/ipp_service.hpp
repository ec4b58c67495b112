// printerd's IPP side: an IPP Everywhere printer on PAPPL. PWG raster, JPEG and PNG in; every page charged
// through the PrintAuthority before it is marked and written to the state directory by the PageStore;
// supplies (marker levels, marker-supply-low) from the authority's ink model; token auth on every printing
// and administrative operation (Bearer, or HTTP Basic with the token as password); router hand-over through
// Set-Printer-Attributes printer-wifi-ssid / printer-wifi-password (PAPPL's Wi-Fi callbacks).
#pragma once

#include <pappl/pappl.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "firmware-under-test/port/linux/api_handler.hpp"
#include "firmware-under-test/port/linux/page_store.hpp"
#include "firmware-under-test/port/linux/print_authority.hpp"

namespace tapbench::firmware::port {

struct IppServiceOptions {
  std::string listen_host = "127.0.0.1";  // address or host name PAPPL listens on
  int port = 8631;                        // 0: PAPPL picks a free port (see IppService::port())
  std::filesystem::path state_dir;        // spool/, output/ and (by default) printerd.log live here
  std::string log_file;                   // "" = state_dir/printerd.log, "-" = stderr
  pappl_loglevel_t log_level = PAPPL_LOGLEVEL_INFO;
  std::string printer_name = "tapbench printer";
  int max_active_jobs = 8;  // queued + processing; PAPPL answers server-error-busy beyond it
  // TLS (ipps://). PAPPL demands it before authentication from any non-loopback client (426 Upgrade
  // Required), so the Wi-Fi Direct side needs it; on a loopback-only listener it is offered for nothing and
  // PAPPL 1.3.1 then advertises uri-security-supported 'none,tls' for one ipp:// URI (inconsistent).
  enum class Tls : std::uint8_t { automatic, on, off };
  Tls tls = Tls::automatic;  // automatic: off when listen_host is a loopback address, else on
};

// true for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

// "debug", "info", "warn", "error", "fatal"; false if unknown.
bool parse_log_level(const std::string& text, pappl_loglevel_t& level);

// The token a request carries: "Bearer TOKEN", or the password of "Basic base64(user:TOKEN)".
// Returns false (token empty) if the header is absent or malformed; `user` is the Basic user name.
bool token_from_authorization(const std::string& header, std::string& token, std::string& user);

class IppService {
 public:
  IppService(IppServiceOptions options, PrintAuthority& authority);
  ~IppService();
  IppService(const IppService&) = delete;
  IppService& operator=(const IppService&) = delete;

  // Serve the JSON control API (docs/PRINTERD-API.md) on the same port. Before start(); `api` outlives the
  // service.
  void set_api(ApiHandler* api) { api_ = api; }

  // Creates the PAPPL system, binds the listener and creates the printer. false + error on failure.
  bool start(std::string& error);
  // The bound port (after start()).
  int port() const;
  // ipp://HOST:PORT/ipp/print
  std::string printer_uri() const;
  // Serves until SIGTERM/SIGINT or shutdown().
  void run();
  void shutdown();

  // Internal: PAPPL's C callbacks reach the service through these.
  struct Callbacks;

 private:
  void refresh_supplies();

  IppServiceOptions options_;
  PrintAuthority& authority_;
  ApiHandler* api_ = nullptr;
  std::unique_ptr<PageStore> pages_;
  pappl_system_t* system_ = nullptr;
  pappl_printer_t* printer_ = nullptr;
};

}  // namespace tapbench::firmware::port
