// Sealed secrets on the reader's side (reader guarantee 14, docs/wire.md): turns what the writer
// published into the snapshot that reads see.
//
// With a seal key file, every sealed value is opened here, once per install, so a read costs
// what it always did; a value that does not open rejects the whole snapshot (the last good one
// stays). Without one, sealed values are installed marked (Entry::sealed) and every read of one
// fails with OMEGA_E_SEALED: never the ciphertext as if it were the value.
//
// Used by the watcher thread (Reader::offer) and by Reader::open before the watcher starts (the
// last-known-good file): never by two threads at once.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "sealing.h"
#include "snapshot.h"

namespace omega {

class Unsealer {
 public:
  // key_path "": no seal key.
  explicit Unsealer(std::string key_path) : path_(std::move(key_path)) {}

  // Reads the key file, if any. Throws Error(OMEGA_E_INVALID_ARG) naming the file, what is
  // wrong with it and the fix.
  void load();

  // raw: the omega:config bytes as published; seal_key_id: from its meta. Throws
  // Error(OMEGA_E_BAD_SNAPSHOT) naming the setting and why its sealed value does not open (never
  // a value), or what Snapshot::parse says.
  std::shared_ptr<const Snapshot> snapshot(std::string raw, int64_t version, std::string epoch,
                                           std::string seal_key_id);

 private:
  // The key named id; the key file is read again once when it does not list it (the writer may
  // have moved to a key added since: rotation). nullptr and *why when there is none.
  const seal::Key* key_named(const std::string& id, std::string* why);

  std::string path_;
  seal::Keyring keys_;
};

}  // namespace omega
