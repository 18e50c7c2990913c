// The snapshot as Redis gets it when sealing is on (--seal-key-file, docs/daemon.md): every
// schema secret sealed with the key file's first key (the format: common/sealing.h), every other
// byte as the writer's state has it. The .env, the history and the audit log keep what they keep
// without sealing; only what leaves for Redis is sealed.
//
// Sealing draws a random nonce, so sealing the same settings twice gives different bytes. A
// secret that did not change therefore keeps the sealed bytes it was last sealed or seen with:
// a republished version is byte-identical, readers without the key see a change only where there
// is one, and "does Redis hold what this writer would publish?" stays a byte comparison (the
// reconciler, writer/seeding.cc).
//
// Not thread-safe: the writer calls it under its lock.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sealing.h"

namespace omega::settingsd {

class SnapshotSealer {
 public:
  SnapshotSealer(seal::Keyring keys, std::function<bool(std::string_view)> is_secret);

  const seal::Keyring& keys() const { return keys_; }
  // The id of the key that seals (the meta's seal_key_id).
  const std::string& key_id() const { return keys_.sealing_key().id; }

  // Plain snapshot bytes -> the bytes for omega:config.
  std::string seal(const std::string& plain);

  // What a published snapshot says in clear, opened with the key its meta names (any key of the
  // file); itself when it holds nothing sealed; nullopt when it cannot be opened (a key id the
  // file does not list, altered bytes).
  std::optional<std::string> open(const std::string& published, const std::string& key_id) const;

  // True when published is exactly what seal(plain) gives now: sealed with the sealing key, every
  // secret sealed. Its sealed values are then reused by the next seal().
  bool is_sealing_of(const std::string& published, const std::string& key_id, const std::string& plain);

 private:
  seal::Keyring keys_;
  std::function<bool(std::string_view)> is_secret_;
  std::string last_;  // the last sealed snapshot made or recognised: its sealed values are reused
};

}  // namespace omega::settingsd
