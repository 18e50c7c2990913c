#include "reader.h"

#include <algorithm>
#include <cstring>

#include <unistd.h>

#include "errors.h"
#include "fork_guard.h"
#include "lkg_file.h"
#include "watcher.h"

namespace omega {

Reader::Reader(Options options)
    : options_(std::move(options)), owner_pid_(getpid()), cache_(Snapshot::empty()), unsealer_(options_.seal_key_path) {
  register_for_fork(this);
}

Reader::~Reader() {
  close();
  unregister_for_fork(this);
}

void Reader::lock_for_fork() {
  mu_.lock();
  cache_.lock_for_fork();
  callbacks_.lock_for_fork();
}

void Reader::unlock_after_fork() {
  callbacks_.unlock_after_fork();
  cache_.unlock_after_fork();
  mu_.unlock();
}

void Reader::open() {
  unsealer_.load();  // a bad key file fails the open: nothing half-configured
  std::string lkg_problem;
  if (!options_.lkg_path.empty()) {
    try {
      if (auto snap = read_lkg(options_.lkg_path, options_.max_bytes, unsealer_)) {
        cache_.publish(snap);
        std::lock_guard<std::mutex> lock(mu_);
        from_lkg_ = true;
      }
    } catch (const Error& e) {
      lkg_problem = e.what();
    }
  }
  watcher_ = std::make_unique<Watcher>(*this);
  watcher_->start();

  std::unique_lock<std::mutex> lock(mu_);
  first_attempt_cv_.wait(lock, [&] { return first_attempt_done_; });
  if (first_attempt_ok_) return;
  if (from_lkg_) {
    note_error(OMEGA_E_UNAVAILABLE, first_attempt_error_ + "; serving last-known-good version " +
                                        std::to_string(cache_.load()->version()) + " from " + options_.lkg_path);
    return;
  }
  std::string why = first_attempt_error_;
  lock.unlock();
  close();
  if (!lkg_problem.empty())
    why += "; " + lkg_problem;
  else if (!options_.lkg_path.empty())
    why += "; no last-known-good file at " + options_.lkg_path + " yet";
  throw Error(OMEGA_E_UNAVAILABLE, why);
}

void Reader::close() {
  if (!watcher_) return;
  if (getpid() == owner_pid_) {
    watcher_->stop();
    watcher_.reset();
  } else {
    // Inherited through fork(): the watcher thread does not exist here and its eventfd and
    // sockets are the parent's. Leave them alone (the small Watcher object is leaked on
    // purpose: destroying its std::thread would abort) and free only what is ours.
    (void)watcher_.release();
  }
  callbacks_.destroy_all();
}

void Reader::note_error(int code, const std::string& message) {
  last_error_code_ = code;
  last_error_ = message;
}

std::vector<std::string> Reader::missing_in(const Snapshot& s) const {
  std::vector<std::string> missing;
  for (const auto& k : required_) {
    const Entry* e = s.find(k.c_str());
    if (e == nullptr || e->type == ValueType::kNull) missing.push_back(k);
  }
  return missing;
}

static std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void Reader::require(const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);  // offer() checks and installs under mu_ too
  auto snap = cache_.load();
  std::vector<std::string> missing;
  for (const auto& k : keys) {
    const Entry* e = snap->find(k.c_str());
    if ((e == nullptr || e->type == ValueType::kNull) && std::find(missing.begin(), missing.end(), k) == missing.end())
      missing.push_back(k);
  }
  // Only a require that succeeded is remembered: a failed one (a probe for an absent key)
  // must not make every later snapshot unacceptable.
  if (!missing.empty())
    throw Error(OMEGA_E_MISSING_KEYS,
                "missing required settings (version " + std::to_string(snap->version()) + "): " + join(missing));
  for (const auto& k : keys) {
    bool known = std::any_of(required_.begin(), required_.end(),
                             [&](const std::string& r) { return strcasecmp(r.c_str(), k.c_str()) == 0; });
    if (!known) required_.push_back(k);
  }
}

ReaderStatus Reader::status() const {
  auto snap = cache_.load();
  ReaderStatus out;
  std::lock_guard<std::mutex> lock(mu_);
  out.ms_since_sync =
      ever_synced_ ? std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_sync_).count() : -1;
  out.last_error_code = last_error_code_;
  out.last_error = last_error_;
  // Freshness follows from the age of the last successful sync, whatever stopped it (Redis
  // down, a partition, a watcher that is gone): the watcher syncs at least once per poll
  // interval, each sync bounded by the command timeout.
  const auto fresh_for = options_.poll_interval + options_.command_timeout;
  bool too_old = out.ms_since_sync > fresh_for.count();
  if (rejecting_) {
    out.state = ReaderState::kError;
  } else if (!connected_ || from_lkg_ || redis_behind_ || too_old || (redis_empty_ && snap->version() > 0)) {
    out.state = ReaderState::kStale;
    if (too_old && connected_ && !from_lkg_)
      out.last_error = "no successful sync with Redis for " + std::to_string(out.ms_since_sync) + " ms (more than " +
                       std::to_string(fresh_for.count()) + " ms: poll interval + command timeout)";
  } else {
    out.state = ReaderState::kReady;
  }
  out.version = snap->version();
  out.epoch = snap->epoch();
  out.reloads = reloads_;
  out.rejected = rejected_;
  return out;
}

void Reader::reject(const Published& p, const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  reject_locked(p, why);
}

void Reader::reject_locked(const Published& p, const std::string& why) {
  rejecting_ = true;
  rejected_fingerprint_ = p.fingerprint;
  rejected_raw_ = p.raw;
  ++rejected_;
  note_error(OMEGA_E_BAD_SNAPSHOT, "rejected snapshot" + (p.version ? " version " + std::to_string(p.version) : "") +
                                       ": " + why + "; keeping version " + std::to_string(cache_.load()->version()));
}

void Reader::offer(const Published& p) {
  auto current = cache_.load();
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_sync_ = Clock::now();
    ever_synced_ = true;
    if (rejecting_ && p.fingerprint == rejected_fingerprint_ && p.raw == rejected_raw_) return;  // already judged
    redis_empty_ = p.empty;
    if (p.empty) {
      rejecting_ = false;
      if (current->version() > 0)
        note_error(OMEGA_E_BAD_SNAPSHOT, "Redis holds no snapshot; serving version " +
                                             std::to_string(current->version()) + " until the writer re-seeds");
      return;
    }
  }
  if (!p.error.empty()) return reject(p, p.error);
  bool same_epoch = !p.epoch.empty() && p.epoch == current->epoch();
  bool nothing_new = p.epoch == current->epoch() && p.version == current->version();
  if (nothing_new || (same_epoch && p.version < current->version())) {
    // The same version, or an older one within a writer's epoch (a lagging replica, or
    // Redis restored from an old dump): keep ours, but say so. Without epochs (a plain
    // writer) a different version always wins: after Redis lost its data such a writer
    // restarts at 1.
    std::lock_guard<std::mutex> lock(mu_);
    rejecting_ = false;
    from_lkg_ = false;
    redis_behind_ = !nothing_new;
    if (redis_behind_)
      note_error(OMEGA_E_BAD_SNAPSHOT, "Redis holds version " + std::to_string(p.version) +
                                           ", older than the applied version " + std::to_string(current->version()) +
                                           " of the same epoch (a lagging replica, or Redis restored from an old "
                                           "dump); keeping version " +
                                           std::to_string(current->version()));
    return;
  }
  std::shared_ptr<const Snapshot> next;
  try {
    next = unsealer_.snapshot(p.raw, p.version, p.epoch, p.seal_key_id);
  } catch (const Error& e) {
    return reject(p, e.what());
  }
  std::vector<std::string> changed = next->changed_since(*current);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto missing = missing_in(*next);
    if (!missing.empty()) return reject_locked(p, "lacks required settings " + join(missing));
    cache_.publish(next);
    rejecting_ = false;
    from_lkg_ = false;
    redis_behind_ = false;
    ++reloads_;
  }
  if (!options_.lkg_path.empty()) {
    try {
      write_lkg(options_.lkg_path, *next);
    } catch (const Error& e) {
      std::lock_guard<std::mutex> lock(mu_);
      note_error(e.code(), e.what());
    }
  }
  callbacks_.run_all(ReloadEvent{next->version(), changed, next});
}

void Reader::on_connected() {
  std::lock_guard<std::mutex> lock(mu_);
  connected_ = true;
}

void Reader::on_synced() {
  std::lock_guard<std::mutex> lock(mu_);
  last_sync_ = Clock::now();
  ever_synced_ = true;
}

void Reader::on_disconnected(const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  connected_ = false;
  note_error(OMEGA_E_UNAVAILABLE, why);
}

void Reader::on_first_attempt(bool ok, const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (first_attempt_done_) return;
    first_attempt_done_ = true;
    first_attempt_ok_ = ok;
    first_attempt_error_ = why;
  }
  first_attempt_cv_.notify_all();
}

}  // namespace omega
