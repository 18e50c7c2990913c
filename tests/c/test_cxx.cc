// test_cxx.cc — omega_config.hpp, the C++ API over the C ABI: typed reads with
// std::optional, every status code's exception, require and MissingKeys,
// pinned Snapshots with string_views and iteration, on_reload Subscriptions
// (unregistering on destruction, from inside the callback, after close), and
// callbacks that throw. Against a private redis-server, like the C suites.
#include <omega_config.hpp>

#include <unistd.h>

#include <fcntl.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "harness.h"
#include "th_test.h"

namespace {

// A private redis-server for one test (the child dies with the test process).
struct Redis {
  th_redis r{};
  Redis() { th_redis_start(&r, nullptr); }
  ~Redis() { th_redis_stop(&r); }
  Redis(const Redis&) = delete;
  Redis& operator=(const Redis&) = delete;
  void publish(const std::string& json, int64_t version) { th_publish(&r, json.c_str(), version); }
};

omega::Options fast_options(const Redis& redis) {
  omega::Options o;
  o.redis_url = redis.r.url;
  o.connect_timeout = std::chrono::milliseconds(500);
  o.command_timeout = std::chrono::milliseconds(500);
  o.poll_interval = std::chrono::milliseconds(200);
  o.heartbeat = std::chrono::milliseconds(200);
  o.reconnect_max = std::chrono::milliseconds(300);
  return o;
}

template <typename Pred>
bool wait_for(Pred pred, int timeout_ms = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool at_version(const omega::Config& cfg, int64_t v) {
  return wait_for([&] { return cfg.status().version == v; });
}

// Runs fn; returns the status of the omega::Error of class E it threw, or a
// description of what happened instead.
template <typename E, typename Fn>
std::string throws(Fn fn) {
  try {
    fn();
    return "nothing thrown";
  } catch (const E& e) {
    return std::string("E:") + std::to_string(e.status()) + ":" + e.what();
  } catch (const omega::Error& e) {
    return std::string("another class: ") + typeid(e).name() + " " + std::to_string(e.status()) + " " + e.what();
  } catch (const std::exception& e) {
    return std::string("not an omega::Error: ") + e.what();
  }
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

const char* const kSeed =
    "{\"NAME\":\"omega\",\"TIMEOUT\":30,\"RATIO\":0.5,\"DEBUG\":true,\"PORT\":\"8080\",\"NOTHING\":null,"
    "\"BIG\":5000000000,\"NEGATIVE\":-1,\"NESTED\":{\"a\":[1,2]}}";

}  // namespace

TestSuite(cxx);

/* ---- reads ------------------------------------------------------------------ */

Test(cxx, get_returns_typed_optionals) {
  Redis redis;
  redis.publish(kSeed, 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));

  cr_assert(cfg.get<std::string>("name") == std::string("omega"), "keys ignore ASCII case");
  cr_assert(cfg.get<std::int64_t>("TIMEOUT") == 30);
  cr_assert(cfg.get<int>("PORT") == 8080, "a string holding exactly a number converts");
  cr_assert(cfg.get<std::uint16_t>("PORT") == 8080);
  cr_assert(cfg.get<double>("RATIO") == 0.5);
  cr_assert(cfg.get<bool>("DEBUG") == true);
  cr_assert(cfg.get<std::int64_t>("BIG") == 5000000000LL);
  cr_assert(cfg.get<std::string>("NESTED") == std::string("{\"a\":[1,2]}"), "nested values as compact JSON");
  cr_assert(!cfg.get<std::string>("ABSENT").has_value(), "an absent key is nullopt, not an error");
  cr_assert(!cfg.get<std::string>("NOTHING").has_value(), "a null value is nullopt");
  cr_assert(!cfg.get<int>("ABSENT").has_value());
  cr_assert(cfg.get<int>("ABSENT").value_or(7) == 7);

  std::string r = throws<omega::TypeError>([&] { (void)cfg.get<int>("NAME"); });
  cr_assert(starts_with(r, "E:-4:"), "get<int>(\"NAME\"): %s", r.c_str());
  r = throws<omega::TypeError>([&] { (void)cfg.get<int>("BIG"); });
  cr_assert(starts_with(r, "E:-4:") && r.find("BIG") != std::string::npos, "5000000000 into int: %s", r.c_str());
  r = throws<omega::TypeError>([&] { (void)cfg.get<unsigned>("NEGATIVE"); });
  cr_assert(starts_with(r, "E:-4:"), "-1 into unsigned: %s", r.c_str());
  r = throws<omega::InvalidArgument>([&] { (void)cfg.get<std::string>(std::string("NA\0ME", 5)); });
  cr_assert(starts_with(r, "E:-1:"), "a key with a NUL byte: %s", r.c_str());
}

Test(cxx, get_string_of_any_length) {
  Redis redis;
  std::string big(100000, 'x');
  big[0] = 'a';
  big[big.size() - 1] = 'z';
  redis.publish("{\"SHORT\":\"s\",\"BIG\":\"" + big + "\"}", 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));
  cr_assert(cfg.get<std::string>("SHORT") == std::string("s"));
  std::optional<std::string> v = cfg.get<std::string>("BIG");
  cr_assert(v.has_value());
  cr_assert_eq(v->size(), big.size());
  cr_assert(*v == big);
}

/* ---- errors ----------------------------------------------------------------- */

Test(cxx, every_status_code_has_its_exception_class) {
  struct Case {
    int code;
    const std::type_info& type;
  };
  const Case cases[] = {
      {OMEGA_E_INVALID_ARG, typeid(omega::InvalidArgument)},
      {OMEGA_E_NOT_FOUND, typeid(omega::NotFound)},
      {OMEGA_E_BUFFER_TOO_SMALL, typeid(omega::BufferTooSmall)},
      {OMEGA_E_TYPE, typeid(omega::TypeError)},
      {OMEGA_E_MISSING_KEYS, typeid(omega::MissingKeys)},
      {OMEGA_E_UNAVAILABLE, typeid(omega::Unavailable)},
      {OMEGA_E_BAD_URL, typeid(omega::BadUrl)},
      {OMEGA_E_NOMEM, typeid(omega::OutOfMemory)},
      {OMEGA_E_INTERNAL, typeid(omega::InternalError)},
      {OMEGA_E_BAD_SNAPSHOT, typeid(omega::BadSnapshot)},
      {OMEGA_E_NO_SUCH_TOKEN, typeid(omega::NoSuchToken)},
      {OMEGA_E_SEALED, typeid(omega::Sealed)},
  };
  cr_assert_eq(sizeof cases / sizeof cases[0], 12u, "every code from -1 to -12");
  for (const Case& c : cases) {
    try {
      omega::throw_status(c.code, "detail");
      cr_assert_fail("throw_status(%d) returned", c.code);
    } catch (const std::runtime_error& base) {
      const auto* e = dynamic_cast<const omega::Error*>(&base);
      cr_assert_not_null(e, "code %d: not an omega::Error", c.code);
      cr_assert(typeid(*e) == c.type, "code %d threw %s, not %s", c.code, typeid(*e).name(), c.type.name());
      cr_assert_eq(e->status(), c.code);
      cr_assert_str_eq(e->what(), "detail");
      cr_assert_str_eq(e->status_text(), omega_strerror(c.code));
    }
    for (const Case& other : cases)
      if (other.code != c.code) cr_assert(other.type != c.type, "codes %d and %d share a class", c.code, other.code);
  }
  // A code this header does not know (a newer library's) is still an omega::Error.
  try {
    omega::throw_status(-99, "from the future");
  } catch (const omega::Error& e) {
    cr_assert(typeid(e) == typeid(omega::Error));
    cr_assert_eq(e.status(), -99);
  }
}

Test(cxx, failures_of_real_calls_throw_their_class) {
  omega::Options bad_url;
  bad_url.redis_url = "http://nowhere";
  std::string r = throws<omega::BadUrl>([&] { omega::Config::open(bad_url); });
  cr_assert(starts_with(r, "E:-7:"), "%s", r.c_str());

  // A port nobody listens on: a server started and stopped.
  std::string url;
  {
    Redis gone;
    url = gone.r.url;
  }
  omega::Options down;
  down.redis_url = url;
  down.connect_timeout = std::chrono::milliseconds(300);
  r = throws<omega::Unavailable>([&] { omega::Config::open(down); });
  cr_assert(starts_with(r, "E:-6:") && r.size() > 6, "%s", r.c_str());

  omega::Options negative;
  negative.poll_interval = std::chrono::milliseconds(-1);
  r = throws<omega::InvalidArgument>([&] { omega::Config::open(negative); });
  cr_assert(starts_with(r, "E:-1:") && r.find("poll_interval") != std::string::npos, "%s", r.c_str());

  omega::Options too_fast;
  too_fast.redis_url = url;
  too_fast.heartbeat = std::chrono::hours(2);  // over the library's one-hour cap
  r = throws<omega::InvalidArgument>([&] { omega::Config::open(too_fast); });
  cr_assert(starts_with(r, "E:-1:"), "%s", r.c_str());
}

Test(cxx, require_throws_missing_keys_naming_each) {
  Redis redis;
  redis.publish(kSeed, 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));
  cfg.require({"NAME", "timeout"});
  cfg.require(std::vector<std::string>{"PORT"});
  try {
    cfg.require({"NAME", "ALPHA", "NOTHING", "BETA", "ALPHA"});
    cr_assert_fail("require of absent keys returned");
  } catch (const omega::MissingKeys& e) {
    cr_assert_eq(e.status(), OMEGA_E_MISSING_KEYS);
    std::string what = e.what();
    for (const char* k : {"ALPHA", "BETA", "NOTHING"})
      cr_assert(what.find(k) != std::string::npos, "what() does not name %s: %s", k, e.what());
    cr_assert(what.find("NAME") == std::string::npos, "what() names a present key: %s", e.what());
    cr_assert_eq(e.keys().size(), 3u);
    cr_assert(e.keys() == (std::vector<std::string>{"ALPHA", "NOTHING", "BETA"}));
  }
  // the successful require is remembered: a snapshot without NAME is rejected
  redis.publish("{\"TIMEOUT\":1,\"PORT\":1}", 2);
  cr_assert(wait_for([&] { return cfg.status().state == omega::State::Error; }));
  cr_assert(cfg.get<std::string>("NAME") == std::string("omega"));
}

/* ---- snapshots -------------------------------------------------------------- */

Test(cxx, snapshot_pins_one_version) {
  Redis redis;
  redis.publish(kSeed, 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));
  omega::Snapshot snap = cfg.snapshot();
  std::string_view name = snap.get<std::string_view>("NAME").value();
  cr_assert(name == "omega");

  redis.publish("{\"NAME\":\"v2\"}", 2);
  cr_assert(at_version(cfg, 2));
  cr_assert(cfg.get<std::string>("NAME") == std::string("v2"));
  // the pinned version and its borrowed values are still there
  cr_assert_eq(snap.version(), 1);
  cr_assert(name == "omega");
  cr_assert(snap.get<std::int64_t>("timeout") == 30);
  cr_assert(snap.get<bool>("DEBUG") == true);
  cr_assert(snap.get<double>("RATIO") == 0.5);
  cr_assert(snap.get<std::string>("PORT") == std::string("8080"));
  cr_assert(!snap.get<std::string_view>("ABSENT").has_value());
  std::string r = throws<omega::TypeError>([&] { (void)snap.get<int>("NAME"); });
  cr_assert(starts_with(r, "E:-4:"), "%s", r.c_str());

  cr_assert(snap.type("NAME") == omega::ValueType::String);
  cr_assert(snap.type("TIMEOUT") == omega::ValueType::Int);
  cr_assert(snap.type("RATIO") == omega::ValueType::Double);
  cr_assert(snap.type("DEBUG") == omega::ValueType::Bool);
  cr_assert(snap.type("NOTHING") == omega::ValueType::Null);
  cr_assert(snap.type("NESTED") == omega::ValueType::Json);
  cr_assert(!snap.type("ABSENT").has_value());

  omega::Snapshot now = cfg.snapshot();
  cr_assert_eq(now.version(), 2);
  cr_assert_eq(now.size(), 1u);
}

Test(cxx, snapshot_iterates_in_key_order) {
  Redis redis;
  redis.publish(kSeed, 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));
  omega::Snapshot snap = cfg.snapshot();
  std::vector<std::string> keys;
  std::string port_value;
  omega::ValueType nothing_type = omega::ValueType::String;
  for (const omega::Entry& e : snap) {
    keys.emplace_back(e.key);
    if (e.key == "PORT") port_value = std::string(e.value);
    if (e.key == "NOTHING") nothing_type = e.type;
  }
  const std::vector<std::string> sorted{"BIG",     "DEBUG", "NAME",  "NEGATIVE", "NESTED",
                                        "NOTHING", "PORT",  "RATIO", "TIMEOUT"};
  cr_assert(keys == sorted, "iteration order");
  cr_assert_eq(snap.size(), sorted.size());
  cr_assert(port_value == "8080");
  cr_assert(nothing_type == omega::ValueType::Null, "null values are listed by iteration");
  cr_assert(snap.at(2).key == "NAME" && snap.at(2).value == "omega");
  std::string r = throws<omega::NotFound>([&] { (void)snap.at(snap.size()); });
  cr_assert(starts_with(r, "E:-2:"), "%s", r.c_str());

  // moved: the new owner reads, the old one is empty and says so
  omega::Snapshot moved = std::move(snap);
  cr_assert_eq(moved.version(), 1);
  cr_assert_eq(snap.version(), -1);  // NOLINT(bugprone-use-after-move): what a moved-from Snapshot says
  cr_assert_eq(snap.size(), 0u);
}

/* ---- reload callbacks ------------------------------------------------------- */

namespace {
// What callbacks saw, guarded: they run on the watcher thread.
struct Seen {
  std::mutex mu;
  int calls = 0;
  int64_t version = 0;
  int64_t snapshot_version = 0;
  std::vector<std::string> changed;
  std::string name;
  bool name_changed = false;
  std::thread::id thread;
  int count() {
    std::lock_guard<std::mutex> lock(mu);
    return calls;
  }
};
}  // namespace

Test(cxx, on_reload_delivers_version_changed_keys_and_snapshot) {
  Redis redis;
  redis.publish("{\"NAME\":\"omega\",\"KEEP\":1}", 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));
  Seen seen;
  omega::Subscription sub = cfg.on_reload([&seen](const omega::Reload& r) {
    std::lock_guard<std::mutex> lock(seen.mu);
    seen.calls++;
    seen.version = r.version;
    seen.snapshot_version = r.snapshot.version();
    seen.changed.clear();
    for (std::string_view k : r.changed_keys) seen.changed.emplace_back(k);
    seen.name = std::string(r.snapshot.get<std::string_view>("NAME").value_or("?"));
    seen.name_changed = r.changed("name");
    seen.thread = std::this_thread::get_id();
  });
  cr_assert(sub);
  cr_assert_neq(sub.token(), 0u);

  redis.publish("{\"NAME\":\"v2\",\"KEEP\":1,\"NEW\":true}", 2);
  cr_assert(wait_for([&] { return seen.count() == 1; }));
  std::lock_guard<std::mutex> lock(seen.mu);
  cr_assert_eq(seen.version, 2);
  cr_assert_eq(seen.snapshot_version, 2);
  cr_assert(seen.changed == (std::vector<std::string>{"NAME", "NEW"}), "changed keys, sorted");
  cr_assert(seen.name == "v2");
  cr_assert(seen.name_changed, "Reload::changed ignores ASCII case");
  cr_assert(seen.thread != std::this_thread::get_id(), "callbacks run on the watcher thread");
}

Test(cxx, destroying_the_subscription_unregisters_and_frees_the_callable) {
  Redis redis;
  redis.publish("{\"N\":1}", 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));
  std::atomic<int> calls{0};
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  {
    // a move-only callable: the library owns it from now on
    auto keep = std::make_unique<std::shared_ptr<int>>(std::move(alive));
    omega::Subscription sub = cfg.on_reload([&calls, keep = std::move(keep)](const omega::Reload&) { calls++; });
    redis.publish("{\"N\":2}", 2);
    cr_assert(wait_for([&] { return calls.load() == 1; }));
    cr_assert(!watch.expired());
  }
  cr_assert(watch.expired(), "the callable was destroyed when the Subscription was");
  redis.publish("{\"N\":3}", 3);
  cr_assert(at_version(cfg, 3));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  cr_assert_eq(calls.load(), 1, "a callback ran after its Subscription was destroyed");

  // reset() does the same, and an empty Subscription's reset is harmless
  omega::Subscription sub = cfg.on_reload([&calls](const omega::Reload&) { calls++; });
  omega::Subscription moved = std::move(sub);
  cr_assert(!sub);  // NOLINT(bugprone-use-after-move)
  sub.reset();
  moved.reset();
  cr_assert(!moved);
  redis.publish("{\"N\":4}", 4);
  cr_assert(at_version(cfg, 4));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  cr_assert_eq(calls.load(), 1);
}

Test(cxx, a_callback_may_drop_its_own_subscription) {
  Redis redis;
  redis.publish("{\"N\":1}", 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));
  std::mutex mu;
  omega::Subscription sub;
  int calls = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    sub = cfg.on_reload([&](const omega::Reload&) {
      std::lock_guard<std::mutex> inner(mu);
      calls++;
      sub.reset();  // inside the callback: never waits for itself
    });
  }
  redis.publish("{\"N\":2}", 2);
  cr_assert(wait_for([&] {
    std::lock_guard<std::mutex> lock(mu);
    return calls == 1 && !sub;
  }));
  redis.publish("{\"N\":3}", 3);
  cr_assert(at_version(cfg, 3));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard<std::mutex> lock(mu);
  cr_assert_eq(calls, 1);
}

Test(cxx, a_subscription_may_outlive_its_config) {
  Redis redis;
  redis.publish("{\"N\":1}", 1);
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  omega::Subscription sub;
  {
    omega::Config cfg = omega::Config::open(fast_options(redis));
    sub = cfg.on_reload([keep = std::move(alive)](const omega::Reload&) {});
    cr_assert(!watch.expired());
  }  // Config closed: it ran the callable's destructor
  cr_assert(watch.expired());
  cr_assert(sub);
  sub.reset();  // nothing left to unregister: no call into the freed handle (ASan would say)
  cr_assert(!sub);
}

Test(cxx, a_moved_or_closed_config_throws_invalid_argument) {
  Redis redis;
  redis.publish("{\"N\":1}", 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));
  omega::Config other = std::move(cfg);
  cr_assert(!cfg.is_open());  // NOLINT(bugprone-use-after-move)
  cr_assert(other.is_open());
  cr_assert(other.get<int>("N") == 1);
  std::string r = throws<omega::InvalidArgument>([&] { (void)cfg.get<int>("N"); });
  cr_assert(starts_with(r, "E:-1:"), "%s", r.c_str());
  other.close();
  other.close();
  r = throws<omega::InvalidArgument>([&] { (void)other.snapshot(); });
  cr_assert(starts_with(r, "E:-1:"), "%s", r.c_str());
}

Test(cxx, an_exception_from_a_callback_is_contained_and_reported) {
  Redis redis;
  redis.publish("{\"N\":1}", 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));

  std::string err_path = std::string(redis.r.dir) + "/stderr.txt";
  std::fflush(stderr);
  int saved = dup(2);
  int fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  cr_assert(fd >= 0);
  dup2(fd, 2);
  close(fd);

  std::atomic<int> calls{0};
  omega::Subscription sub = cfg.on_reload([&calls](const omega::Reload& r) {
    calls++;
    if (r.version == 2) throw std::runtime_error("boom at two");
  });
  redis.publish("{\"N\":2}", 2);
  cr_assert(wait_for([&] { return calls.load() == 1; }));
  redis.publish("{\"N\":3}", 3);
  bool again = wait_for([&] { return calls.load() == 2; });

  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  cr_assert(again, "the callback was not called again after it threw");
  char buf[1024] = {0};
  FILE* f = std::fopen(err_path.c_str(), "r");
  cr_assert_not_null(f);
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  cr_assert(std::strstr(buf, "version 2 threw: boom at two") != nullptr, "stderr: %s", buf);
}

/* ---- status ----------------------------------------------------------------- */

Test(cxx, status_says_state_version_and_counts) {
  Redis redis;
  redis.publish("{\"N\":1}", 1);
  omega::Config cfg = omega::Config::open(fast_options(redis));
  omega::Status st = cfg.status();
  cr_assert(st.state == omega::State::Ready);
  cr_assert_eq(st.version, 1);
  cr_assert(st.since_sync.has_value());
  cr_assert_eq(st.last_error_code, 0);
  cr_assert(st.last_error.empty());
  redis.publish("not json", 2);
  cr_assert(wait_for([&] { return cfg.status().state == omega::State::Error; }));
  st = cfg.status();
  cr_assert_eq(st.version, 1, "the last good version stays");
  cr_assert_eq(st.rejected, 1u);
  cr_assert_eq(st.last_error_code, OMEGA_E_BAD_SNAPSHOT);
  cr_assert(!st.last_error.empty());
  cr_assert_str_eq(omega::to_string(omega::State::Stale), "STALE");
  cr_assert_str_eq(omega::to_string(st.state), "ERROR");
}
