#include "fork_guard.h"

#include <pthread.h>

#include <mutex>
#include <set>

#include "reader.h"

namespace omega {
namespace {

std::mutex registry_mu;
std::set<Reader*>* registry = nullptr;  // never freed: readers may outlive static destructors

void before_fork() {
  registry_mu.lock();
  for (Reader* r : *registry) r->lock_for_fork();
}

void after_fork() {
  for (Reader* r : *registry) r->unlock_after_fork();
  registry_mu.unlock();
}

}  // namespace

void register_for_fork(Reader* reader) {
  static std::once_flag once;
  std::call_once(once, [] {
    registry = new std::set<Reader*>;
    pthread_atfork(&before_fork, &after_fork, &after_fork);
  });
  std::lock_guard<std::mutex> lock(registry_mu);
  registry->insert(reader);
}

void unregister_for_fork(Reader* reader) {
  std::lock_guard<std::mutex> lock(registry_mu);
  registry->erase(reader);
}

}  // namespace omega
