// Bearer-token and HMAC-signature checks (see auth.h for the wire format).
#include "http/auth.h"

#include <cctype>
#include <cstdlib>

#include <sodium.h>

#include "atomic_file.h"
#include "digest.h"

namespace omega::settingsd {
namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace((unsigned char)s[a])) ++a;
  while (b > a && std::isspace((unsigned char)s[b - 1])) --b;
  return s.substr(a, b - a);
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!std::isalnum((unsigned char)c) && c != '_' && c != '-' && c != '.' && c != '@') return false;
  return true;
}

AuthResult deny(const std::string& message, const std::string& code = "unauthorized") {
  AuthResult r;
  r.code = code;
  r.message = message;
  return r;
}

}  // namespace

void Auth::digest(const std::string& secret, unsigned char out[32]) const {
  crypto_generichash(out, 32, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), compare_key_,
                     sizeof compare_key_);
}

void Auth::add(const std::string& name, const std::string& secret) {
  if (!compare_key_ready_) {
    randombytes_buf(compare_key_, sizeof compare_key_);
    compare_key_ready_ = true;
  }
  Credential c;
  c.name = name;
  c.secret = secret;
  digest(secret, c.digest);
  creds_.push_back(std::move(c));
}

bool Auth::load_file(const std::string& path, std::vector<std::string>* errors) {
  std::string text, err;
  if (!fs::read_file(path, &text, &err, 1 << 20)) {
    errors->push_back("--admin-token-file: " + err);
    return false;
  }
  size_t before = errors->size();
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = trim(text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::string where = path + ":" + std::to_string(line_no);
    std::string name = "token-" + std::to_string(line_no), secret = line;
    size_t colon = line.find(':');
    if (colon != std::string::npos && valid_name(line.substr(0, colon))) {
      name = line.substr(0, colon);
      secret = line.substr(colon + 1);
    }
    if (secret.size() < kMinSecretBytes) {
      errors->push_back(where + ": admin credential is shorter than 32 bytes (use e.g. `openssl rand -hex 32`)");
      continue;
    }
    for (const auto& c : creds_)
      if (c.name == name) errors->push_back(where + ": duplicate credential name '" + name + "'");
    add(name, secret);
  }
  if (creds_.empty() && errors->size() == before)
    errors->push_back("--admin-token-file " + path + " holds no credential; there are no default credentials");
  return errors->size() == before;
}

std::vector<std::string> Auth::names() const {
  std::vector<std::string> out;
  for (const auto& c : creds_) out.push_back(c.name);
  return out;
}

AuthResult Auth::check(const std::string& method, const std::string& path, const std::string& authorization,
                       const std::string& body, int64_t now_unix) {
  if (authorization.empty())
    return deny("this endpoint needs an admin credential: Authorization: Bearer <token> or OMEGA-HMAC-SHA256");
  size_t sp = authorization.find(' ');
  std::string scheme = authorization.substr(0, sp);
  std::string rest = sp == std::string::npos ? "" : trim(authorization.substr(sp + 1));
  for (auto& ch : scheme) ch = char(std::tolower((unsigned char)ch));
  if (scheme == "bearer") return check_bearer(rest);
  if (scheme == "omega-hmac-sha256") return check_hmac(rest, method, path, body, now_unix);
  return deny("unsupported Authorization scheme; use Bearer or OMEGA-HMAC-SHA256");
}

AuthResult Auth::check_bearer(const std::string& token) {
  // Compare fixed-size keyed digests so neither the content nor the length leaks by timing;
  // every credential is compared, with no early exit.
  unsigned char d[32];
  digest(token, d);
  int match = -1;
  for (size_t i = 0; i < creds_.size(); ++i)
    if (sodium_memcmp(d, creds_[i].digest, sizeof d) == 0) match = int(i);
  if (match < 0) return deny("invalid admin token");
  AuthResult r;
  r.ok = true;
  r.actor = creds_[size_t(match)].name;
  return r;
}

std::string Auth::sign(const std::string& secret, const std::string& method, const std::string& path,
                       const std::string& ts, const std::string& nonce, const std::string& body) {
  std::string msg = method + "\n" + path + "\n" + ts + "\n" + nonce + "\n" + sha256_hex(body);
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&st, mac);
  return to_hex(mac, sizeof mac);
}

AuthResult Auth::check_hmac(const std::string& params, const std::string& method, const std::string& path,
                            const std::string& body, int64_t now) {
  std::map<std::string, std::string> p;
  size_t pos = 0;
  while (pos <= params.size()) {
    size_t comma = params.find(',', pos);
    std::string item = trim(params.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    size_t eq = item.find('=');
    if (eq != std::string::npos) p[trim(item.substr(0, eq))] = trim(item.substr(eq + 1));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  for (const char* k : {"key", "ts", "nonce", "sig"})
    if (p[k].empty())
      return deny(std::string("OMEGA-HMAC-SHA256 needs key=, ts=, nonce= and sig= (missing ") + k + ")");
  const std::string& nonce = p["nonce"];
  if (nonce.size() < 16 || nonce.size() > 128) return deny("nonce must be 16 to 128 characters");
  char* end = nullptr;
  long long ts = std::strtoll(p["ts"].c_str(), &end, 10);
  if (*end || p["ts"].size() > 12) return deny("ts must be unix seconds");
  if (ts < now - kWindowSeconds || ts > now + kWindowSeconds)
    return deny("signature timestamp is outside the +-300 s window (expired or clock skew)");
  if (ts < started_at_) return deny("signature timestamp is earlier than the daemon's start; sign the request again");
  const Credential* cred = nullptr;
  for (const auto& c : creds_)
    if (c.name == p["key"]) cred = &c;
  std::string expected = sign(cred ? cred->secret : std::string(64, 'x'), method, path, p["ts"], nonce, body);
  const std::string& given = p["sig"];
  bool same = given.size() == expected.size() && sodium_memcmp(given.data(), expected.data(), expected.size()) == 0;
  if (!cred || !same) return deny("invalid request signature");
  {
    std::lock_guard<std::mutex> lock(nonce_mu_);
    for (auto it = nonces_.begin(); it != nonces_.end();) it = it->second < now ? nonces_.erase(it) : std::next(it);
    std::string id = cred->name + "\n" + nonce;
    if (nonces_.count(id)) return deny("this nonce was already used (replayed request)", "replayed_request");
    if (nonces_.size() >= kMaxNonces)
      return deny("too many signed requests in the window; retry shortly", "rate_limited");
    nonces_[id] = ts + kWindowSeconds;
  }
  AuthResult r;
  r.ok = true;
  r.actor = cred->name;
  return r;
}

}  // namespace omega::settingsd
