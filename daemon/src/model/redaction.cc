#include "model/redaction.h"

#include <cctype>

namespace omega::settingsd {
namespace {

bool is_scheme_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'; }

// Masks the password of one URL whose "://" is at `sep`; returns where to continue.
size_t mask_one(std::string& s, size_t sep) {
  size_t start = sep + 3;
  size_t end = s.find_first_of("/?# \t\r\n\"'", start);  // the authority ends here
  if (end == std::string::npos) end = s.size();
  size_t at = s.rfind('@', end == 0 ? 0 : end - 1);
  if (at == std::string::npos || at < start) return end;
  size_t colon = s.find(':', start);
  size_t from = colon != std::string::npos && colon < at ? colon + 1 : start;  // the password, or all of it
  if (from == at) return end;                                                  // "user:@host": nothing to hide
  s.replace(from, at - from, kSecretMask);
  return from + std::string(kSecretMask).size() + 1;
}

void mask_in_place(cJSON* v) {
  if (cJSON_IsString(v)) {
    std::string masked = mask_url_credentials(v->valuestring);
    if (masked != v->valuestring) cJSON_SetValuestring(v, masked.c_str());
    return;
  }
  for (cJSON* child = v->child; child; child = child->next) mask_in_place(child);
}

}  // namespace

std::string mask_url_credentials(std::string_view text) {
  std::string s(text);
  size_t pos = 0;
  while ((pos = s.find("://", pos)) != std::string::npos) {
    bool has_scheme = pos > 0 && std::isalpha(static_cast<unsigned char>(s[pos - 1])) != 0;
    size_t b = pos;
    while (b > 0 && is_scheme_char(s[b - 1])) --b;
    pos = has_scheme && std::isalpha(static_cast<unsigned char>(s[b])) ? mask_one(s, pos) : pos + 3;
  }
  return s;
}

cJSON* masked_urls(const cJSON* v) {
  cJSON* copy = cJSON_Duplicate(v, true);
  mask_in_place(copy);
  return copy;
}

std::string masked_json(const Schema& schema, const cJSON* typed) {
  JsonPtr copy(masked_urls(typed));
  for (cJSON* it = copy->child; it;) {
    cJSON* next = it->next;  // taken first: the replacement frees `it`
    if (schema.is_secret(it->string) && !cJSON_IsNull(it)) {
      std::string name = it->string;
      cJSON_ReplaceItemInObjectCaseSensitive(copy.get(), name.c_str(), cJSON_CreateString(kSecretMask));
    }
    it = next;
  }
  return json_print(copy.get());
}

}  // namespace omega::settingsd
