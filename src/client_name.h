// The fleet view (reader guarantee 12): each handle names its connections so the writer can
// list the readers with CLIENT LIST on the primary and its replicas.
//
//   command connection     omega:<service>:<host>:<pid>:v<version>:<STATE>, renamed after
//                          every install and state change
//   subscriber connection  omega:<service>:<host>:<pid>:sub, named once, before SUBSCRIBE
//
// The live name is on the command connection because a subscribed connection may run nothing
// but (UN)SUBSCRIBE and PING under RESP2 (hiredis 0.14 has no RESP3). Names hold no spaces or
// colons of their own: other characters become '_'. Naming is best effort: a Redis user
// without client|setname still reads.
#pragma once

#include <cstdint>
#include <string>

#include "reader.h"

namespace omega {

class ClientNamer {
 public:
  // service: the option, or "" for the program's name.
  explicit ClientNamer(const std::string& service);
  std::string subscriber_name() const { return prefix_ + ":sub"; }
  std::string reader_name(int64_t version, ReaderState state) const;

 private:
  std::string prefix_;  // omega:<service>:<host>:<pid>
};

}  // namespace omega
