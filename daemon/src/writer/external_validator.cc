// The --validate-with contract (external_validator.h): runs the command, and turns its exit and
// output into a verdict whose details hold no input and no secret value.
#include "writer/external_validator.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <csignal>
#include <cstring>

#include "model/json_tree.h"
#include "model/redaction.h"
#include "service/child_process.h"
#include "service/log.h"

namespace omega::settingsd {
namespace {

constexpr size_t kMaxProblems = 100;
constexpr size_t kMaxMessage = 500;  // bytes of one msg kept

// Every secret value of the candidate as text (strings inside containers too), longest first,
// so a validator's message that repeats one is masked.
class SecretMask {
 public:
  SecretMask(const Schema& schema, const cJSON* typed) {
    for (const cJSON* item = typed ? typed->child : nullptr; item; item = item->next) {
      if (schema.is_secret(item->string)) collect(item);
    }
    std::sort(values_.begin(), values_.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  }

  std::string operator()(std::string text) const {
    for (const std::string& secret : values_) {
      for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 1)) {
        text.replace(at, secret.size(), kSecretMask);
      }
    }
    return text;
  }

 private:
  void collect(const cJSON* v) {
    if (cJSON_IsNull(v)) return;
    std::string text = cJSON_IsString(v) ? v->valuestring : json_print(v);
    if (!text.empty()) values_.push_back(std::move(text));
    for (const cJSON* part = (cJSON_IsArray(v) || cJSON_IsObject(v)) ? v->child : nullptr; part; part = part->next) {
      collect(part);
      if (cJSON_IsObject(v) && part->string[0]) values_.push_back(part->string);
    }
  }
  std::vector<std::string> values_;
};

// At most `max` bytes, cut on a character boundary.
std::string clip(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + "...";
}

// The schema's spelling of a validator's field name (pydantic may use a lower-case name for an
// UPPER_SNAKE key), or the name as given.
std::string schema_key(const Schema& schema, const std::string& name) {
  if (schema.has_key(name)) return name;
  for (const std::string& key : schema.keys()) {
    if (key.size() == name.size() && std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return a == std::toupper(static_cast<unsigned char>(b));
        })) {
      return key;
    }
  }
  return clip(name, 256);
}

// stdout as pydantic's ValidationError.errors(): a non-empty list of objects with a string
// "msg", a "loc" of names and indexes, a string "type". False if it is anything else.
bool read_errors(const std::string& out, const Schema& schema, const SecretMask& mask, std::vector<Problem>* problems) {
  JsonPtr doc(parse_strict_json(out, 16, nullptr));
  if (!doc || !cJSON_IsArray(doc.get()) || !doc->child) return false;
  for (const cJSON* e = doc->child; e; e = e->next) {
    if (!cJSON_IsObject(e)) return false;
    const cJSON* msg = cJSON_GetObjectItemCaseSensitive(e, "msg");
    const cJSON* loc = cJSON_GetObjectItemCaseSensitive(e, "loc");
    const cJSON* type = cJSON_GetObjectItemCaseSensitive(e, "type");
    if (!cJSON_IsString(msg) || (loc && !cJSON_IsArray(loc)) || (type && !cJSON_IsString(type))) return false;
    if (problems->size() == kMaxProblems) {
      problems->push_back({"", "the validator reported more errors than are shown"});
      return true;
    }
    Problem p;
    JsonPtr kept_loc(cJSON_CreateArray());
    std::string path;
    for (const cJSON* part = loc ? loc->child : nullptr; part; part = part->next) {
      bool first = part == loc->child;
      if (cJSON_IsString(part)) {
        std::string name = first ? schema_key(schema, mask(part->valuestring)) : clip(mask(part->valuestring), 256);
        if (first)
          p.key = name;
        else
          path += "[" + json_print(JsonPtr(cJSON_CreateString(name.c_str())).get()) + "]";
        cJSON_AddItemToArray(kept_loc.get(), cJSON_CreateString(name.c_str()));
      } else if (cJSON_IsNumber(part) && std::floor(part->valuedouble) == part->valuedouble &&
                 std::fabs(part->valuedouble) <= 9007199254740991.0) {
        if (!first) path += "[" + json_number_text(part->valuedouble) + "]";
        cJSON_AddItemToArray(kept_loc.get(), cJSON_CreateNumber(part->valuedouble));
      } else {
        return false;
      }
    }
    p.message = (path.empty() ? "" : path + ": ") + clip(mask(msg->valuestring), kMaxMessage);
    if (type) p.type = clip(type->valuestring, 64);
    p.loc_json = json_print(kept_loc.get());
    problems->push_back(std::move(p));
  }
  return true;
}

std::string signal_name(int sig) {
  const char* name = sigabbrev_np(sig);
  return name ? std::string("SIG") + name : std::to_string(sig);
}

ValidatorVerdict unavailable(const std::string& why) {
  log_warn("validator gave no verdict: " + why);
  return {ValidatorVerdict::Kind::kUnavailable,
          "the validator (--validate-with) gave no verdict: " + why + "; nothing was changed",
          {}};
}

}  // namespace

ExternalValidator::ExternalValidator(std::string command, std::chrono::milliseconds timeout,
                                     std::vector<std::string> hidden_env)
    : command_(std::move(command)), timeout_(timeout), hidden_env_(std::move(hidden_env)) {}

ValidatorVerdict ExternalValidator::check(const Schema& schema, const cJSON* typed, const std::string& snapshot) const {
  ChildSpec spec;
  spec.command = command_;
  spec.input = snapshot;
  spec.timeout = timeout_;
  spec.hidden_env = hidden_env_;
  ChildResult run = run_child(spec);
  switch (run.outcome) {
    case ChildResult::Outcome::kNotStarted: return unavailable("it could not be started (" + run.error + ")");
    case ChildResult::Outcome::kTimedOut:
      return unavailable("it did not finish within " + std::to_string(timeout_.count()) +
                         " ms (--validate-timeout-ms) and was killed");
    case ChildResult::Outcome::kSignaled: return unavailable("it was killed by " + signal_name(run.signal));
    case ChildResult::Outcome::kExited: break;
  }
  if (run.exit_code == 0) return {};
  // /bin/sh does not exec the command it runs: a validator killed by signal N shows as the
  // shell's exit status 128 + N. That is a crash too, not a refusal.
  if (run.exit_code > 128 && run.exit_code <= 128 + 64) {
    return unavailable("it was killed by " + signal_name(run.exit_code - 128) + " (exit status " +
                       std::to_string(run.exit_code) + ")");
  }
  if (run.exit_code == 126 || run.exit_code == 127) {
    return unavailable(std::string("the shell could not run it (exit status ") + std::to_string(run.exit_code) +
                       (run.exit_code == 127 ? ": command not found)" : ": not executable)"));
  }
  ValidatorVerdict refused{ValidatorVerdict::Kind::kRefused,
                           "the validator (--validate-with) refused the settings; nothing was changed",
                           {}};
  SecretMask mask(schema, typed);
  if (run.out_truncated || !read_errors(run.out, schema, mask, &refused.problems)) {
    // Its output is not the contract's: say so without quoting it (it may hold a value).
    refused.problems = {{"", "the validator refused the settings (exit status " + std::to_string(run.exit_code) +
                                 ") without a JSON list of errors on stdout; run it by hand to see why"}};
  }
  std::string keys;
  for (const Problem& p : refused.problems) keys += (keys.empty() ? "" : ",") + (p.key.empty() ? "-" : p.key);
  log_info("validator refused the candidate (exit status " + std::to_string(run.exit_code) + "): " + keys);
  return refused;
}

}  // namespace omega::settingsd
