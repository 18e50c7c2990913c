#include "model/json_tree.h"

#include <locale.h>
#include <stdlib.h>
#include <cmath>
#include <cstdio>

#include "json_reader.h"

namespace omega::settingsd {
namespace {

constexpr double kMaxExactInteger = 9007199254740991.0;  // 2^53 - 1

locale_t c_locale() {
  static const locale_t loc = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  return loc;
}

// cJSON's escaping, byte for byte, so outputs that never held a number keep their bytes.
void append_string(std::string& out, const char* s) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (const unsigned char* p = reinterpret_cast<const unsigned char*>(s ? s : ""); *p; ++p) {
    switch (*p) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (*p < 0x20) {
          out += "\\u00";
          out += kHex[*p >> 4];
          out += kHex[*p & 15];
        } else {
          out += static_cast<char>(*p);
        }
    }
  }
  out += '"';
}

void append_value(std::string& out, const cJSON* item) {
  if (cJSON_IsNull(item)) {
    out += "null";
  } else if (cJSON_IsFalse(item)) {
    out += "false";
  } else if (cJSON_IsTrue(item)) {
    out += "true";
  } else if (cJSON_IsNumber(item)) {
    // Non-finite numbers never pass the strict reader; cJSON prints them as null too.
    out += std::isfinite(item->valuedouble) ? json_number_text(item->valuedouble) : "null";
  } else if (cJSON_IsString(item)) {
    append_string(out, item->valuestring);
  } else if (cJSON_IsRaw(item)) {
    out += item->valuestring ? item->valuestring : "";
  } else if (cJSON_IsArray(item)) {
    out += '[';
    for (const cJSON* c = item->child; c; c = c->next) {
      if (c != item->child) out += ',';
      append_value(out, c);
    }
    out += ']';
  } else if (cJSON_IsObject(item)) {
    out += '{';
    for (const cJSON* c = item->child; c; c = c->next) {
      if (c != item->child) out += ',';
      append_string(out, c->string);
      out += ':';
      append_value(out, c);
    }
    out += '}';
  }
}

}  // namespace

cJSON* parse_strict_json(std::string_view text, int max_depth, std::string* error) {
  try {
    json::check(text, max_depth);
  } catch (const json::ParseError& e) {
    if (error) *error = e.what();
    return nullptr;
  }
  cJSON* tree = cJSON_ParseWithLength(text.data(), text.size());
  if (!tree && error) *error = "out of memory";
  return tree;
}

std::string json_print(const cJSON* item) {
  if (!item) return "";
  std::string out;
  append_value(out, item);
  return out;
}

std::string json_number_text(double d) {
  if (std::floor(d) == d && std::fabs(d) <= kMaxExactInteger) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    for (char* p = buf; *p; ++p) {
      if (*p == ',') *p = '.';  // a process locale must not leak into the text
    }
    if (strtod_l(buf, nullptr, c_locale()) == d) break;
  }
  return buf;
}

}  // namespace omega::settingsd
