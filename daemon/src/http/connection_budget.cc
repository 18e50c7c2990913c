#include "http/connection_budget.h"

namespace omega::settingsd {

bool ConnectionBudget::may_open(const std::string& address, bool loopback) const {
  if (open_ >= hard_limit()) return false;
  if (loopback) return true;
  auto it = by_address_.find(address);
  return it == by_address_.end() || it->second < per_address_;
}

void ConnectionBudget::opened(const std::string& address, bool loopback) {
  ++open_;
  if (!loopback) ++by_address_[address];
}

void ConnectionBudget::closed(const std::string& address, bool loopback) {
  --open_;
  if (!loopback && --by_address_[address] <= 0) by_address_.erase(address);
}

}  // namespace omega::settingsd
