#include "unsealer.h"

#include "errors.h"

namespace omega {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void Unsealer::load() {
  if (path_.empty()) return;
  try {
    keys_ = seal::Keyring::load(path_);
  } catch (const seal::SealError& e) {
    throw Error(OMEGA_E_INVALID_ARG, std::string("seal_key_path: ") + e.what());
  }
}

const seal::Key* Unsealer::key_named(const std::string& id, std::string* why) {
  if (const seal::Key* key = keys_.find(id)) return key;
  std::string reread_problem;
  try {
    keys_ = seal::Keyring::load(path_);
    if (const seal::Key* key = keys_.find(id)) return key;
  } catch (const seal::SealError& e) {
    reread_problem = std::string("; reading it again failed: ") + e.what();
  }
  *why = "its secrets are sealed with key id '" + id + "', which seal key file " + path_ + " does not list (it lists " +
         keys_.ids() + "): add the writer's '" + id + "' line to it" + reread_problem;
  return nullptr;
}

std::shared_ptr<const Snapshot> Unsealer::snapshot(std::string raw, int64_t version, std::string epoch,
                                                   std::string seal_key_id) {
  // No key, or nothing that could be sealed: parse as published (sealed values get marked).
  if (path_.empty() || raw.find(seal::kReservedPrefix) == std::string::npos)
    return Snapshot::parse(std::move(raw), version, std::move(epoch), std::move(seal_key_id));
  std::string why;
  const seal::Key* key = nullptr;
  if (seal_key_id.empty())
    why = "it holds sealed values but its meta names no seal_key_id";
  else
    key = key_named(seal_key_id, &why);
  if (key == nullptr) {
    std::vector<std::string> sealed = seal::sealed_members(raw);
    if (sealed.empty()) return Snapshot::parse(std::move(raw), version, std::move(epoch), std::move(seal_key_id));
    throw Error(OMEGA_E_BAD_SNAPSHOT, why + " (sealed: " + join(sealed) + ")");
  }
  std::string opened;
  try {
    opened = seal::open_object(raw, *key);
  } catch (const seal::SealError& e) {
    throw Error(OMEGA_E_BAD_SNAPSHOT, e.what());
  }
  return Snapshot::parse(std::move(raw), version, std::move(epoch), std::move(seal_key_id), &opened);
}

}  // namespace omega
