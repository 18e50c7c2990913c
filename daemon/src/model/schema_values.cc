// Typing and checking one value against its FieldSpec: .env text coercion ("30" -> 30), JSON
// values (PATCH bodies, parts of arrays and maps) and every scalar constraint of the subset;
// arrays and maps are in schema_containers.cc. Messages never carry a secret value.
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "model/json_tree.h"
#include "model/redaction.h"
#include "model/schema_field.h"
#include "sealing.h"
#include "utf8.h"

namespace omega::settingsd::schema_internal {
namespace {

// libstdc++'s std::regex matches by recursion: about 1 KB of stack per input character for a
// pattern like ^(a|b)*$ (4096 characters crash a 2 MB thread stack). Short inputs run on the
// caller's stack; longer ones on a thread with a stack sized for the longest input allowed;
// longer still are refused.
constexpr size_t kInlinePatternInput = 128;
constexpr size_t kMaxPatternInput = 4096;
constexpr size_t kPatternStackBytes = 64u << 20;  // reserved, touched only as deep as needed

enum class PatternResult { kMatch, kNoMatch, kUnchecked };

struct PatternJob {
  const std::regex* re;
  std::string_view text;
  PatternResult result;
};

void* run_pattern_job(void* arg) {
  auto* job = static_cast<PatternJob*>(arg);
  try {
    job->result = std::regex_search(job->text.begin(), job->text.end(), *job->re) ? PatternResult::kMatch
                                                                                  : PatternResult::kNoMatch;
  } catch (const std::exception&) {  // regex_error (complexity/stack) or bad_alloc
    job->result = PatternResult::kUnchecked;
  }
  return nullptr;
}

PatternResult pattern_search(const std::regex& re, std::string_view text) {
  PatternJob job{&re, text, PatternResult::kUnchecked};
  if (text.size() <= kInlinePatternInput) {
    run_pattern_job(&job);
    return job.result;
  }
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return PatternResult::kUnchecked;
  pthread_t thread;
  bool started = pthread_attr_setstacksize(&attr, kPatternStackBytes) == 0 &&
                 pthread_create(&thread, &attr, run_pattern_job, &job) == 0;
  pthread_attr_destroy(&attr);
  if (!started) return PatternResult::kUnchecked;
  pthread_join(thread, nullptr);
  return job.result;
}

locale_t c_locale() {
  static const locale_t loc = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  return loc;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool json_scalar_equal(const cJSON* a, const cJSON* b) {
  if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) return a->valuedouble == b->valuedouble;
  if (cJSON_IsString(a) && cJSON_IsString(b)) {
    return std::strcmp(a->valuestring, b->valuestring) == 0;
  }
  if (cJSON_IsBool(a) && cJSON_IsBool(b)) return cJSON_IsTrue(a) == cJSON_IsTrue(b);
  return cJSON_IsNull(a) && cJSON_IsNull(b);
}

std::string echo(bool quiet, std::string_view text) { return quiet ? "" : " (got " + quote_for_message(text) + ")"; }
std::string echo(bool quiet, const cJSON* v) { return quiet ? "" : " (got " + describe_json(v) + ")"; }

// Strict text-to-number readers: the whole text must be the number.
bool parse_integer_text(std::string_view s, double* out) {
  size_t i = 0;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) i = 1;
  if (i == s.size() || s.size() - i > 20) return false;
  for (size_t k = i; k < s.size(); ++k) {
    if (s[k] < '0' || s[k] > '9') return false;
  }
  *out = strtod_l(std::string(s).c_str(), nullptr, c_locale());
  return true;
}

bool parse_number_text(std::string_view s, double* out) {
  size_t i = 0;
  auto digits = [&] {
    size_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++n;
    return n;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t mantissa = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  if (i != s.size()) return false;
  *out = strtod_l(std::string(s).c_str(), nullptr, c_locale());
  return std::isfinite(*out);
}

bool parse_boolean_text(std::string_view s, bool* out) {
  static const char* const kTrue[] = {"true", "1", "yes", "on", "t", "y"};
  static const char* const kFalse[] = {"false", "0", "no", "off", "f", "n"};
  for (const char* t : kTrue) {
    if (ascii_iequal(s, t)) return *out = true, true;
  }
  for (const char* t : kFalse) {
    if (ascii_iequal(s, t)) return *out = false, true;
  }
  return false;
}

// A string enum also accepts a case-insensitive spelling of exactly one member ("debug" for
// "DEBUG"), and yields that member, so readers always see the canonical spelling.
void canonicalize_enum(const FieldSpec& f, std::string* s) {
  const cJSON* match = nullptr;
  for (const JsonPtr& c : f.choices) {
    if (!cJSON_IsString(c.get())) continue;
    if (*s == c->valuestring) return;
    if (ascii_iequal(*s, c->valuestring)) {
      if (match) return;  // ambiguous: leave it to the exact check
      match = c.get();
    }
  }
  if (match) *s = match->valuestring;
}

bool is_uri(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size()) return false;
  if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
  for (size_t i = 0; i < colon; ++i) {
    char c = s[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '.' || c == '-')) {
      return false;
    }
  }
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7F) return false;
  }
  return true;
}

// pydantic's multiple_of: exact for integers; for floats within 1e-9 of the nearest multiple
// (pydantic-core's float validator: |d - round(d / m) * m| <= 1e-9), so 0.3 is a multiple of
// 0.1 although fmod(0.3, 0.1) is not 0.
bool is_multiple(const FieldSpec& f, double d) {
  double m = *f.multiple_of;
  if (f.type == Type::kInteger && std::floor(m) == m) return std::fmod(d, m) == 0;
  return std::fabs(d - std::round(d / m) * m) <= 1e-9;
}

void check_string(const FieldSpec& f, std::string_view s, bool quiet, std::vector<std::string>* problems) {
  if (!is_valid_utf8(s)) return problems->push_back("is not valid UTF-8");
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return problems->push_back("contains a control character");
    }
  }
  // Readers take any value with this prefix for a sealed secret (docs/wire.md): published in
  // clear it would be unreadable, and would make readers with a seal key reject the snapshot.
  if (seal::is_sealed(s)) {
    problems->push_back("must not begin with \"" + std::string(seal::kReservedPrefix) +
                        "\": readers take such a value for a sealed secret");
  }
  size_t len = utf8_length(s);
  if (f.min_length && len < *f.min_length) {
    problems->push_back("must be at least " + std::to_string(*f.min_length) + " characters long");
  }
  if (f.max_length && len > *f.max_length) {
    problems->push_back("must be at most " + std::to_string(*f.max_length) + " characters long");
  }
  if (f.pattern) {
    PatternResult r = s.size() > kMaxPatternInput ? PatternResult::kUnchecked : pattern_search(*f.pattern, s);
    if (r == PatternResult::kUnchecked) {
      problems->push_back(
          "could not be checked against its pattern (too long or too "
          "complex; at most 4096 bytes)");
    } else if (r == PatternResult::kNoMatch) {
      problems->push_back("must match the pattern " + f.pattern_text + echo(quiet, s));
    }
  }
  if ((f.format == "uri" || f.format == "multi-host-uri") && !is_uri(s)) {
    problems->push_back("must be a URI like scheme://host" + echo(quiet, s));
  }
}

void check_number(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems) {
  if (!cJSON_IsNumber(v) || !std::isfinite(v->valuedouble)) {
    return problems->push_back(f.type == Type::kInteger ? "must be a finite integer" : "must be a finite number");
  }
  double d = v->valuedouble;
  if (f.type == Type::kInteger) {
    if (std::floor(d) != d) return problems->push_back("must be an integer" + echo(quiet, v));
    if (std::fabs(d) > kMaxExactInteger) return problems->push_back("must be between -(2^53-1) and 2^53-1");
  }
  if (f.minimum && d < *f.minimum) problems->push_back("must be >= " + format_number(*f.minimum) + echo(quiet, v));
  if (f.maximum && d > *f.maximum) problems->push_back("must be <= " + format_number(*f.maximum) + echo(quiet, v));
  if (f.exclusive_minimum && d <= *f.exclusive_minimum) {
    problems->push_back("must be > " + format_number(*f.exclusive_minimum) + echo(quiet, v));
  }
  if (f.exclusive_maximum && d >= *f.exclusive_maximum) {
    problems->push_back("must be < " + format_number(*f.exclusive_maximum) + echo(quiet, v));
  }
  if (f.multiple_of && !is_multiple(f, d)) {
    problems->push_back("must be a multiple of " + format_number(*f.multiple_of) + echo(quiet, v));
  }
}

}  // namespace

// With its article, for messages: "must be an integer".
const char* type_name(Type t) {
  switch (t) {
    case Type::kString: return "a string";
    case Type::kInteger: return "an integer";
    case Type::kNumber: return "a number";
    case Type::kBoolean: return "a boolean";
    case Type::kArray: return "an array";
    case Type::kObject: return "an object";
    case Type::kAny: return "any value";
  }
  return "?";
}

// Shortest decimal text that reads back as exactly `d` (d is finite).
std::string format_number(double d) { return json_number_text(d); }

// Non-secret values are echoed in messages (short, printable, URL credentials masked),
// secrets never.
std::string quote_for_message(std::string_view raw) {
  const std::string text = mask_url_credentials(raw);
  std::string out = "\"";
  size_t shown = 0;
  for (unsigned char c : text) {
    if (shown == 40) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
    ++shown;
  }
  out += "\"";
  return out;
}

std::string describe_json(const cJSON* v) {
  if (cJSON_IsString(v)) return quote_for_message(v->valuestring);
  if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? "true" : "false";
  if (cJSON_IsNull(v)) return "null";
  if (cJSON_IsNumber(v)) return format_number(v->valuedouble);
  if (cJSON_IsArray(v)) return "an array";
  if (cJSON_IsObject(v)) return "an object";
  return "?";
}

// Checks a typed value against every constraint; appends one message per failed constraint.
void check_constraints(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems) {
  if (cJSON_IsNull(v)) {
    if (!f.nullable) problems->push_back("must not be null");
    return;
  }
  switch (f.type) {
    case Type::kAny: return;
    case Type::kArray:
    case Type::kObject: return check_container(f, v, quiet, problems);
    case Type::kString:
      if (!cJSON_IsString(v)) return problems->push_back("must be a string");
      check_string(f, v->valuestring, quiet, problems);
      break;
    case Type::kBoolean:
      if (!cJSON_IsBool(v)) return problems->push_back("must be a boolean");
      break;
    case Type::kInteger:
    case Type::kNumber: check_number(f, v, quiet, problems); break;
  }
  if (!f.choices.empty()) {
    bool found = std::any_of(f.choices.begin(), f.choices.end(),
                             [&](const JsonPtr& c) { return json_scalar_equal(c.get(), v); });
    if (!found) {
      std::string list;
      for (const JsonPtr& c : f.choices) {
        list += (list.empty() ? "" : ", ") + describe_json(c.get());
      }
      problems->push_back((f.is_const ? "must be " : "must be one of ") + list + echo(quiet, v));
    }
  }
}

// .env text -> typed JSON value for `f` (before constraint checks). nullptr + *problems if the
// text is not of the field's type.
cJSON* coerce_text(const FieldSpec& f, std::string_view text, bool quiet, std::vector<std::string>* problems) {
  if (text.find('\0') != std::string_view::npos) return problems->push_back("contains a NUL byte"), nullptr;
  if (f.is_container()) {
    // pydantic-settings json.loads() the text of a list or dict field; so does the writer,
    // strictly (no NaN, no duplicate keys).
    std::string error;
    JsonPtr parsed(parse_strict_json(text, kDefaultJsonMaxDepth, &error));
    if (!parsed) {
      problems->push_back(std::string("must be ") + type_name(f.type) + " written as JSON text (" + error + ")");
      return nullptr;
    }
    return coerce_json(f, parsed.get(), quiet, problems);
  }
  if (f.nullable && text.empty() && f.type != Type::kString) return cJSON_CreateNull();
  switch (f.type) {
    case Type::kString: {
      std::string s(text);
      canonicalize_enum(f, &s);
      return cJSON_CreateString(s.c_str());
    }
    case Type::kInteger: {
      double d;
      if (!parse_integer_text(text, &d)) return problems->push_back("must be an integer" + echo(quiet, text)), nullptr;
      return cJSON_CreateNumber(d);
    }
    case Type::kNumber: {
      double d;
      if (!parse_number_text(text, &d)) {
        return problems->push_back("must be a finite number" + echo(quiet, text)), nullptr;
      }
      return cJSON_CreateNumber(d);
    }
    case Type::kBoolean: {
      bool b;
      if (!parse_boolean_text(text, &b)) {
        return problems->push_back("must be a boolean (true/false, 1/0, yes/no, on/off)" + echo(quiet, text)), nullptr;
      }
      return cJSON_CreateBool(b);
    }
    default: break;
  }
  problems->push_back(std::string("must be ") + type_name(f.type));
  return nullptr;
}

cJSON* coerce_json(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems) {
  if (cJSON_IsNull(v)) {
    if (!f.nullable) return problems->push_back("must not be null"), nullptr;
    return cJSON_CreateNull();
  }
  switch (f.type) {
    case Type::kAny: return cJSON_Duplicate(v, true);
    case Type::kArray:
    case Type::kObject: return coerce_container(f, v, quiet, problems);
    case Type::kString:
      if (cJSON_IsString(v)) return coerce_text(f, v->valuestring, quiet, problems);
      break;
    case Type::kInteger:
    case Type::kNumber:
      if (cJSON_IsNumber(v)) return cJSON_CreateNumber(v->valuedouble);
      // "" is never a number here: only a whole .env value may be empty to mean null.
      if (cJSON_IsString(v) && v->valuestring[0]) return coerce_text(f, v->valuestring, quiet, problems);
      break;
    case Type::kBoolean:
      if (cJSON_IsBool(v)) return cJSON_CreateBool(cJSON_IsTrue(v));
      if (cJSON_IsString(v) && v->valuestring[0]) return coerce_text(f, v->valuestring, quiet, problems);
      break;
  }
  problems->push_back(std::string("must be ") + type_name(f.type));
  return nullptr;
}

}  // namespace omega::settingsd::schema_internal
