// --dev: a private redis-server on a free loopback port (killed with the daemon, even on
// SIGKILL via PR_SET_PDEATHSIG), a scratch directory with a copy of the bundled example
// .env, a fresh admin token, and a banner with the curl commands to try.
#pragma once

#include <sys/types.h>
#include <string>

#include "service/options.h"

namespace omega::settingsd {

struct DevSession {
  std::string dir;    // scratch directory
  std::string token;  // the fresh admin token ("" when the user gave a token file)
  pid_t redis_pid = -1;
};

// Fills in what the user did not give. False + *error.
bool dev_prepare(Options* opts, DevSession* dev, std::string* error);
void dev_print_banner(const Options& opts, const DevSession& dev, int port);
// Stops the private redis-server and removes the scratch directory.
void dev_shutdown(DevSession* dev);

}  // namespace omega::settingsd
