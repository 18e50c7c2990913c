// What the opaque C handles hold (LevelDB c.cc style): C++ stays behind them.
#pragma once
#include <memory>

#include "reader.h"
#include "snapshot.h"

struct omega_cfg {
  std::unique_ptr<omega::Reader> rep;
};

struct omega_snapshot {
  std::shared_ptr<const omega::Snapshot> rep;
};
