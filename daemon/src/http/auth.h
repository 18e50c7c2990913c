// Admin authentication: bearer tokens and HMAC-SHA256 request signatures (libsodium).
//
// Credentials come only from --admin-token-file: one `token` or `name:token` per line
// (`#` comments and blank lines allowed); `name` becomes the audited actor. Every secret
// must be at least 32 bytes: the daemon refuses to start otherwise, and with none at all.
//
// Bearer: `Authorization: Bearer <token>`, compared in constant time against every token.
// HMAC:   `Authorization: OMEGA-HMAC-SHA256 key=<name>,ts=<unix seconds>,nonce=<16-128 chars>,sig=<hex>`
//         sig = hex(HMAC-SHA256(token, METHOD "\n" PATH "\n" ts "\n" nonce "\n" hex(SHA256(body))))
//         accepted within +-300 s of the daemon's clock; a nonce is accepted once in that
//         window (remembered per key, at most kMaxNonces entries). Nonces live in memory
//         only, so a ts earlier than the daemon's start is refused: a request signed before a
//         restart cannot be replayed after it.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace omega::settingsd {

struct AuthResult {
  bool ok = false;
  std::string actor;    // the credential's name when ok
  std::string code;     // stable error code when not ok: unauthorized | replayed_request
  std::string message;  // never contains a token
};

class Auth {
 public:
  static constexpr size_t kMinSecretBytes = 32;
  static constexpr int64_t kWindowSeconds = 300;
  static constexpr size_t kMaxNonces = 100000;

  // Loads credentials. False + every problem in *errors (line numbers, never secrets).
  bool load_file(const std::string& path, std::vector<std::string>* errors);
  // For --dev: one freshly generated credential.
  void add(const std::string& name, const std::string& secret);

  AuthResult check(const std::string& method, const std::string& path, const std::string& authorization,
                   const std::string& body, int64_t now_unix);

  size_t credential_count() const { return creds_.size(); }
  // Credential names (for the forbidden-key list and logs; never the secrets).
  std::vector<std::string> names() const;

  // The signature a client must send (used by tests and omegactl-like clients).
  static std::string sign(const std::string& secret, const std::string& method, const std::string& path,
                          const std::string& ts, const std::string& nonce, const std::string& body);

 private:
  struct Credential {
    std::string name;
    std::string secret;
    unsigned char digest[32];  // keyed hash of the secret for constant-time comparison
  };
  AuthResult check_bearer(const std::string& token);
  AuthResult check_hmac(const std::string& params, const std::string& method, const std::string& path,
                        const std::string& body, int64_t now);
  void digest(const std::string& secret, unsigned char out[32]) const;

  std::vector<Credential> creds_;
  int64_t started_at_ = int64_t(std::time(nullptr));  // no ts before this: nonces were lost
  unsigned char compare_key_[32] = {};
  bool compare_key_ready_ = false;
  std::mutex nonce_mu_;
  std::map<std::string, int64_t> nonces_;  // name + "\n" + nonce -> expiry (unix seconds)
};

}  // namespace omega::settingsd
