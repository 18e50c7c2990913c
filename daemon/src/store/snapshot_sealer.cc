#include "store/snapshot_sealer.h"

namespace omega::settingsd {

SnapshotSealer::SnapshotSealer(seal::Keyring keys, std::function<bool(std::string_view)> is_secret)
    : keys_(std::move(keys)), is_secret_(std::move(is_secret)) {}

std::string SnapshotSealer::seal(const std::string& plain) {
  last_ = seal::seal_object(plain, is_secret_, keys_.sealing_key(), last_);
  return last_;
}

std::optional<std::string> SnapshotSealer::open(const std::string& published, const std::string& key_id) const {
  if (published.find(seal::kReservedPrefix) == std::string::npos) return published;
  const seal::Key* key = keys_.find(key_id);
  try {
    if (key) return seal::open_object(published, *key);
    if (seal::sealed_members(published).empty()) return published;
  } catch (const seal::SealError&) {
  }
  return std::nullopt;
}

bool SnapshotSealer::is_sealing_of(const std::string& published, const std::string& key_id, const std::string& plain) {
  if (key_id != this->key_id()) return false;
  try {
    if (seal::seal_object(plain, is_secret_, keys_.sealing_key(), published) != published) return false;
  } catch (const seal::SealError&) {
    return false;
  }
  last_ = published;
  return true;
}

}  // namespace omega::settingsd
