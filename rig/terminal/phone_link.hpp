// How the phone's printer connections reach the printer when they must cross its radio (`phone-traffic:
// radio`, docs/BENCH.md): the network namespace they are made from (the phone's, in the radio lab) and a
// check, before each connection, that the phone is on the printer's Wi-Fi Direct group — rejoining it (a
// tap for the credentials, then the join) when the group went away, as a phone whose printer dropped the
// group (after a router hand-over, a restart) taps again. PrinterApiClient and IppClient take one; none
// (null) = connections from the rig's own namespace, as before.
#pragma once

#include <string>

#include "rig/terminal/reply.hpp"

namespace tapbench::rig::terminal {

class PhoneLink {
 public:
  virtual ~PhoneLink() = default;
  // /run/netns/NAME the connections are made from.
  virtual std::string netns() const = 0;
  // Makes sure the phone is on the printer's group within `timeout`; TerminalTransportError saying why not.
  virtual void ensure(ms timeout) = 0;
  // A connection over the link could not be made although ensure() found the phone on the group (the
  // printer restarted its group and the phone's daemon reassociated without a new lease): the next ensure()
  // joins anew. The clients then retry the connection once (nothing was sent).
  virtual void lost() = 0;
};

}  // namespace tapbench::rig::terminal
