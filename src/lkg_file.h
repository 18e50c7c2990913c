// The last-known-good file: the last installed snapshot, so a process can
// start (STALE) while Redis is down.
#pragma once
#include <memory>
#include <string>

#include "snapshot.h"
#include "unsealer.h"

namespace omega {

// Atomically replaces path (temp file, fsync, rename, directory fsync), mode
// 0600: it may hold secrets. It holds the snapshot as published, so sealed
// secrets stay sealed in it (with their seal key id). Throws
// Error(OMEGA_E_INTERNAL) naming the failure.
void write_lkg(const std::string& path, const Snapshot& s);

// nullptr if the file does not exist; throws Error(OMEGA_E_BAD_SNAPSHOT) if
// it exists but is unreadable, corrupt, fails its checksum or holds a sealed
// value that does not open. Sealed values are opened (or marked) by unsealer.
std::shared_ptr<const Snapshot> read_lkg(const std::string& path, size_t max_bytes, Unsealer& unsealer);

}  // namespace omega
