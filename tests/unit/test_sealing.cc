// Sealed secrets (common/sealing.h): the format byte for byte as docs/wire.md states it, round
// trips that keep every other byte, refusals (altered, another key id, another key, another
// setting, malformed), key files, the meta field, and the writer's SnapshotSealer, whose reuse
// of unchanged sealed values keeps the reconciler from republishing for ever.
#include <criterion/criterion.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "json_reader.h"
#include "sealing.h"
#include "store/snapshot_sealer.h"
#include "wire_format.h"

namespace seal = omega::seal;

namespace {

void init_sodium() { cr_assert_geq(sodium_init(), 0); }

const char* const kKeyB64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";    // bytes 0..31
const char* const kOtherB64 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";  // bytes 32..63

seal::Keyring ring(const std::string& text) { return seal::Keyring::parse(text, "test keys"); }
seal::Key key(const char* id, const char* b64) { return ring(std::string(id) + ":" + b64 + "\n").sealing_key(); }

bool is_secret(std::string_view k) { return k == "SECRET_KEY" || k == "MONGO_URI" || k == "PORT_SECRET"; }

// Every JSON type, escapes, UTF-8, a null secret, nested values, odd spacing: the bytes a writer
// might publish.
const std::string kPlain =
    "{\"A_LIST\":[1, \"x\",{\"k\":null}],\"LOG_LEVEL\":\"INFO\",\"MONGO_URI\":\"mongodb://u:Mongo-PASS@h/\\u00e9\\n\","
    "\"NULL_SECRET\":null,\"PORT_SECRET\":8080, \"SECRET_KEY\" : \"s3cret-\\\"quoted\\\"-\xc3\xa9\",\"Z\":true}";

std::string member_text(const std::string& object, const std::string& name) {
  for (const auto& m : omega::json::parse_object(object))
    if (m.key == name) return m.text;
  cr_assert_fail("no member %s", name.c_str());
  return "";
}

std::string why_open_fails(const std::string& sealed, const std::string& setting, const seal::Key& k) {
  try {
    seal::open_value(sealed, setting, k);
  } catch (const seal::SealError& e) {
    return e.what();
  }
  cr_assert_fail("%s opened", sealed.c_str());
  return "";
}

std::string why_keys_fail(const std::string& text) {
  try {
    ring(text);
  } catch (const seal::SealError& e) {
    return e.what();
  }
  cr_assert_fail("accepted key file: %s", text.c_str());
  return "";
}

std::string b64(const std::string& bin) {
  std::string out(sodium_base64_ENCODED_LEN(bin.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bin.data()), bin.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();
  return out;
}

std::string unb64(const std::string& text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  cr_assert_eq(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                                 nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL),
               0);
  out.resize(len);
  return out;
}

}  // namespace

TestSuite(sealing, .init = init_sodium);
TestSuite(keyfile, .init = init_sodium);
TestSuite(sealer, .init = init_sodium);

// ---- the format -------------------------------------------------------------------------

Test(sealing, a_sealed_value_is_exactly_what_docs_wire_md_says) {
  seal::Key k = key("k1", kKeyB64);
  std::string sealed = seal::seal_value("\"hunter2\"", "SECRET_KEY", k);
  cr_assert_eq(sealed.rfind("omega:sealed:v1:", 0), 0u, "%s", sealed.c_str());
  std::string box = unb64(sealed.substr(16));
  cr_assert_eq(box.size(), 24 + 9 + 16, "nonce 24 + JSON text 9 + tag 16");
  // Opened with libsodium directly, from the documented parts: nonce, ciphertext, associated data.
  std::string ad = std::string("omega:sealed:v1") + '\0' + "k1" + '\0' + "SECRET_KEY";
  unsigned char plain[64];
  unsigned long long len = 0;
  const auto* nonce = reinterpret_cast<const unsigned char*>(box.data());
  cr_assert_eq(crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &len, nullptr, nonce + 24, box.size() - 24,
                                                          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
                                                          nonce, k.bytes.data()),
               0);
  cr_assert_eq(std::string(reinterpret_cast<char*>(plain), len), "\"hunter2\"");
}

Test(sealing, the_same_value_seals_differently_each_time_and_opens_each_time) {
  seal::Key k = key("k1", kKeyB64);
  std::string a = seal::seal_value("42", "PORT_SECRET", k), b = seal::seal_value("42", "PORT_SECRET", k);
  cr_assert_neq(a, b, "random nonces");
  cr_assert_eq(seal::open_value(a, "PORT_SECRET", k), "42");
  cr_assert_eq(seal::open_value(b, "PORT_SECRET", k), "42");
}

Test(sealing, a_snapshot_round_trips_byte_for_byte_and_holds_no_secret) {
  seal::Key k = key("k1", kKeyB64);
  std::string sealed = seal::seal_object(kPlain, is_secret, k);
  for (const char* secret : {"s3cret", "Mongo-PASS", "8080"})
    cr_assert(sealed.find(secret) == std::string::npos, "%s in %s", secret, sealed.c_str());
  for (const char* name : {"SECRET_KEY", "MONGO_URI", "PORT_SECRET"})
    cr_assert(seal::is_sealed(member_text(sealed, name)), "%s not sealed", name);
  cr_assert_eq(member_text(sealed, "LOG_LEVEL"), "INFO", "non-secrets stay in clear");
  cr_assert(sealed.find("\"NULL_SECRET\":null") != std::string::npos, "a null secret holds nothing to seal");
  cr_assert(sealed.find("\"A_LIST\":[1, \"x\",{\"k\":null}]") != std::string::npos, "other bytes kept");
  std::vector<std::string> names = seal::sealed_members(sealed);
  cr_assert_eq(names, (std::vector<std::string>{"MONGO_URI", "PORT_SECRET", "SECRET_KEY"}));
  cr_assert_eq(seal::open_object(sealed, k), kPlain);
}

Test(sealing, an_altered_value_does_not_open) {
  seal::Key k = key("k1", kKeyB64);
  std::string sealed = seal::seal_value("\"hunter2\"", "SECRET_KEY", k);
  std::string box = unb64(sealed.substr(16));
  for (size_t at : {size_t(0), size_t(24), box.size() - 1}) {  // nonce, ciphertext, tag
    std::string bad = box;
    bad[at] ^= 1;
    std::string why = why_open_fails("omega:sealed:v1:" + b64(bad), "SECRET_KEY", k);
    cr_assert(why.find("does not open with key 'k1'") != std::string::npos, "%s", why.c_str());
  }
}

Test(sealing, another_key_id_another_key_or_another_setting_does_not_open) {
  seal::Key k = key("k1", kKeyB64);
  std::string sealed = seal::seal_value("\"hunter2\"", "SECRET_KEY", k);
  // The key id is authenticated: the same bytes under another id do not open it.
  why_open_fails(sealed, "SECRET_KEY", key("k2", kKeyB64));
  why_open_fails(sealed, "SECRET_KEY", key("k1", kOtherB64));
  // So is the setting: a sealed value cannot be moved to another key (one that is logged, say).
  why_open_fails(sealed, "LOG_LEVEL", k);
  std::string moved = "{\"LOG_LEVEL\":\"" + sealed + "\",\"SECRET_KEY\":\"x\"}";
  try {
    seal::open_object(moved, k);
    cr_assert_fail("a sealed value moved to LOG_LEVEL opened");
  } catch (const seal::SealError& e) {
    cr_assert(std::string(e.what()).find("the sealed value of LOG_LEVEL does not open") != std::string::npos, "%s",
              e.what());
  }
}

Test(sealing, malformed_sealed_values_are_refused_with_a_reason) {
  seal::Key k = key("k1", kKeyB64);
  std::string good = seal::seal_value("1", "N", k);
  std::string body = good.substr(16);
  struct Case {
    std::string text, reason;
  } cases[] = {
      {"omega:sealed:v1:!!!!", "not valid base64"},
      {"omega:sealed:v1:" + body.substr(0, body.size() - 1), "not valid base64"},  // padding cut
      {"omega:sealed:v1:" + body + " ", "not valid base64"},
      {"omega:sealed:v1: " + body, "not valid base64"},
      {"omega:sealed:v1:" + b64(std::string(39, 'x')), "too short"},
      {"omega:sealed:v1:", "too short"},
      {"omega:sealed:v2:" + body, "format this library does not know"},
      {"omega:sealed:", "format this library does not know"},
      {"hunter2", "not a sealed value"},
  };
  for (const auto& c : cases) {
    std::string why = why_open_fails(c.text, "N", k);
    cr_assert(why.find(c.reason) != std::string::npos, "%s: %s", c.text.c_str(), why.c_str());
  }
  // Non-canonical base64 (padding bits set) is not the writer's output either: "1" seals to 41
  // bytes, so the last digit before the '=' carries two padding bits, zero when canonical.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  cr_assert_eq(body.back(), '=');
  std::string odd = body;
  size_t digit = alphabet.find(odd[odd.size() - 2]);
  cr_assert_eq(digit % 4, 0u);
  odd[odd.size() - 2] = alphabet[digit + 1];
  std::string why = why_open_fails("omega:sealed:v1:" + odd, "N", k);
  cr_assert(why.find("not valid base64") != std::string::npos, "%s", why.c_str());
}

Test(sealing, a_value_that_opens_to_something_not_json_rejects_the_snapshot) {
  seal::Key k = key("k1", kKeyB64);
  std::string snapshot = "{\"SECRET_KEY\":\"" + seal::seal_value("hunter2 not json", "SECRET_KEY", k) + "\"}";
  try {
    seal::open_object(snapshot, k);
    cr_assert_fail("opened");
  } catch (const seal::SealError& e) {
    std::string why = e.what();
    cr_assert(why.find("SECRET_KEY opens to something that is not one JSON value") != std::string::npos, "%s",
              why.c_str());
    cr_assert(why.find("hunter2") == std::string::npos, "the value is never in a message");
  }
}

Test(sealing, messages_never_hold_a_value_or_a_sealed_value) {
  seal::Key k = key("k1", kKeyB64);
  std::string sealed = seal::seal_object(kPlain, is_secret, k);
  std::string sealed_secret = member_text(sealed, "SECRET_KEY");
  std::vector<std::string> messages;
  for (const auto& other : {key("k1", kOtherB64), key("k9", kKeyB64)}) {
    try {
      seal::open_object(sealed, other);
    } catch (const seal::SealError& e) {
      messages.push_back(e.what());
    }
  }
  messages.push_back(why_open_fails(sealed_secret, "MONGO_URI", k));
  cr_assert_eq(messages.size(), 3u);
  for (const auto& m : messages) {
    cr_assert(m.find("s3cret") == std::string::npos && m.find("Mongo-PASS") == std::string::npos, "%s", m.c_str());
    cr_assert(m.find(sealed_secret.substr(16, 20)) == std::string::npos, "ciphertext in %s", m.c_str());
  }
}

Test(sealing, resealing_reuses_the_bytes_of_unchanged_secrets_under_the_same_key_only) {
  seal::Key k = key("k1", kKeyB64);
  std::string first = seal::seal_object(kPlain, is_secret, k);
  cr_assert_eq(seal::seal_object(kPlain, is_secret, k, first), first, "nothing changed: the same bytes");
  std::string changed_plain = kPlain;
  changed_plain.replace(changed_plain.find("8080"), 4, "9090");
  std::string second = seal::seal_object(changed_plain, is_secret, k, first);
  cr_assert_eq(member_text(second, "SECRET_KEY"), member_text(first, "SECRET_KEY"));
  cr_assert_neq(member_text(second, "PORT_SECRET"), member_text(first, "PORT_SECRET"), "the changed one is new");
  cr_assert_eq(seal::open_object(second, k), changed_plain);
  // Under another key nothing is reused: a rotation re-seals everything.
  seal::Key k2 = key("k2", kOtherB64);
  std::string rotated = seal::seal_object(kPlain, is_secret, k2, first);
  cr_assert_neq(member_text(rotated, "SECRET_KEY"), member_text(first, "SECRET_KEY"));
  cr_assert_eq(seal::open_object(rotated, k2), kPlain);
}

// ---- key files ----------------------------------------------------------------------------

Test(keyfile, the_first_key_seals_and_every_key_opens) {
  seal::Keyring keys = ring(std::string("# rotation: new key first\r\n\nk2:") + kOtherB64 + "\r\n  k1 : " + kKeyB64 +
                            "  \n# old keys below\n");
  cr_assert_eq(keys.sealing_key().id, "k2");
  cr_assert_not_null(keys.find("k1"));
  cr_assert_null(keys.find("k3"));
  cr_assert_eq(keys.ids(), "k2, k1");
  std::string sealed = seal::seal_value("1", "N", keys.sealing_key());
  cr_assert_eq(seal::open_value(sealed, "N", *keys.find("k2")), "1");
}

Test(keyfile, every_bad_line_is_named_and_no_key_material_is_echoed) {
  std::string short_key = b64(std::string(16, 'k'));
  std::string why = why_keys_fail("k1:" + short_key + "\nbad id!:" + std::string(kKeyB64) + "\nk3:not*base64\n" +
                                  "just-a-line\nk5:" + kKeyB64 + "\nk5:" + kOtherB64 + "\n");
  for (const char* part :
       {"line 1 (key 'k1'): the key is 16 bytes; a seal key is exactly 32", "line 2: the key id must be",
        "line 3 (key 'k3'): the key is not standard base64", "line 4: not `ID:KEY`",
        "line 6: key id 'k5' is listed twice", "openssl rand -base64 32", "test keys"})
    cr_assert(why.find(part) != std::string::npos, "missing \"%s\" in: %s", part, why.c_str());
  for (const std::string& material : {short_key, std::string(kKeyB64), std::string(kOtherB64)})
    cr_assert(why.find(material) == std::string::npos, "key material in: %s", why.c_str());
  cr_assert(why_keys_fail("# nothing\n\n").find("holds no key") != std::string::npos);
  cr_assert(why_keys_fail(std::string("k1:") + kKeyB64 + "AAAA").find("line 1 (key 'k1')") != std::string::npos);
}

namespace {

std::string write_key_file(const std::string& name, unsigned mode) {
  std::string dir = "/tmp/omega-unit-seal-" + std::to_string(getpid());
  mkdir(dir.c_str(), 0700);
  std::string path = dir + "/" + name;
  std::ofstream(path) << "k1:" << kKeyB64 << "\n";
  chmod(path.c_str(), mode);
  return path;
}

std::string why_load_fails(const std::string& path) {
  try {
    seal::Keyring::load(path);
  } catch (const seal::SealError& e) {
    return e.what();
  }
  cr_assert_fail("loaded %s", path.c_str());
  return "";
}

}  // namespace

Test(keyfile, a_file_others_can_read_is_refused_naming_the_file_and_the_fix) {
  for (unsigned mode : {0644u, 0640u, 0604u, 0620u}) {
    std::string path = write_key_file("open.keys", mode);
    std::string why = why_load_fails(path);
    cr_assert(why.find("seal key file " + path) != std::string::npos, "%s", why.c_str());
    cr_assert(why.find("group or others") != std::string::npos, "%s", why.c_str());
    cr_assert(why.find("chmod 600 " + path) != std::string::npos, "%s", why.c_str());
    unlink(path.c_str());
  }
  for (unsigned mode : {0600u, 0400u}) {
    std::string path = write_key_file("ok.keys", mode);
    cr_assert_eq(seal::Keyring::load(path).sealing_key().id, "k1");
    unlink(path.c_str());
  }
}

Test(keyfile, a_missing_file_or_a_directory_is_refused_naming_it) {
  std::string dir = "/tmp/omega-unit-seal-" + std::to_string(getpid());
  mkdir(dir.c_str(), 0700);
  std::string why = why_load_fails(dir + "/absent.keys");
  cr_assert(why.find("seal key file " + dir + "/absent.keys cannot be read: No such file") != std::string::npos, "%s",
            why.c_str());
  cr_assert(why_load_fails(dir).find("is not a regular file") != std::string::npos);
  rmdir(dir.c_str());
}

// ---- the meta field -------------------------------------------------------------------------

Test(sealing, meta_carries_the_seal_key_id_only_when_sealed) {
  std::string with = omega::wire::encode_meta(3, "e1", "ab", "t", "w", "k1");
  cr_assert(with.find(",\"seal_key_id\":\"k1\"}") != std::string::npos, "%s", with.c_str());
  cr_assert_eq(omega::wire::decode_meta(with).seal_key_id, "k1");
  std::string without = omega::wire::encode_meta(3, "e1", "ab", "t", "w");
  cr_assert(without.find("seal_key_id") == std::string::npos);
  cr_assert_eq(omega::wire::decode_meta(without).seal_key_id, "");
  for (const char* bad : {R"({"version":1,"seal_key_id":7})", R"({"version":1,"seal_key_id":""})"}) {
    try {
      omega::wire::decode_meta(bad);
      cr_assert_fail("accepted %s", bad);
    } catch (const omega::wire::MetaError&) {
    }
  }
}

// ---- the writer's sealer ---------------------------------------------------------------------

Test(sealer, recognises_its_own_sealing_and_nothing_else) {
  omega::settingsd::SnapshotSealer sealer(ring(std::string("k2:") + kOtherB64 + "\nk1:" + kKeyB64 + "\n"), is_secret);
  std::string published = sealer.seal(kPlain);
  cr_assert_eq(sealer.key_id(), "k2");
  cr_assert(sealer.is_sealing_of(published, "k2", kPlain), "what it published: no republish");
  cr_assert_eq(sealer.seal(kPlain), published, "a republication is byte-identical");
  cr_assert_not(sealer.is_sealing_of(kPlain, "", kPlain), "secrets in clear: reseal");
  cr_assert_not(sealer.is_sealing_of(published, "k1", kPlain), "meta names another key");
  // Sealed with the old key (before a rotation): opens, but is not what this writer publishes.
  std::string old = seal::seal_object(kPlain, is_secret, ring(std::string("k1:") + kKeyB64).sealing_key());
  cr_assert_eq(*sealer.open(old, "k1"), kPlain);
  cr_assert_not(sealer.is_sealing_of(old, "k1", kPlain));
  // A key id the file does not list, or altered bytes: cannot be read.
  cr_assert_not(sealer.open(published, "k9").has_value());
  std::string altered = published;
  altered[altered.find("omega:sealed:v1:") + 20] ^= 1;
  cr_assert_not(sealer.open(altered, "k2").has_value());
  cr_assert_eq(*sealer.open(kPlain, ""), kPlain, "nothing sealed: itself");
}
