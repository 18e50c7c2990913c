// Arrays and maps (a list[...] or dict[str, ...] setting): typing each part with the schema of
// its items / additionalProperties, and the checks on the whole (minItems, maxItems,
// uniqueItems, propertyNames, minProperties, maxProperties). Each part is checked exactly as a
// scalar setting of that schema would be. Order is kept: items as given, map keys as given.
#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "model/schema_field.h"

namespace omega::settingsd::schema_internal {
namespace {

std::string index_path(int i) { return "[" + std::to_string(i) + "]"; }

// A map key in a path; inside a secret the key is not shown either (it is part of the value).
std::string key_path(const char* key, bool quiet) { return quiet ? "[a key]" : "[" + quote_for_message(key) + "]"; }

// Canonical text for uniqueItems: object members sorted by key, so {"a":1,"b":2} and
// {"b":2,"a":1} are the same item, as JSON Schema says.
void append_canonical(std::string& out, const cJSON* v) {
  if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) {
    out += json_print(v);
    return;
  }
  if (cJSON_IsArray(v)) {
    out += '[';
    for (const cJSON* c = v->child; c; c = c->next) {
      if (c != v->child) out += ',';
      append_canonical(out, c);
    }
    out += ']';
    return;
  }
  std::vector<const cJSON*> members;
  for (const cJSON* c = v->child; c; c = c->next) members.push_back(c);
  std::sort(members.begin(), members.end(),
            [](const cJSON* a, const cJSON* b) { return std::strcmp(a->string, b->string) < 0; });
  out += '{';
  for (const cJSON* c : members) {
    if (c != members.front()) out += ',';
    JsonPtr key(cJSON_CreateString(c->string));
    out += json_print(key.get()) + ':';
    append_canonical(out, c);
  }
  out += '}';
}

std::string count(size_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

void check_array(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems) {
  if (!cJSON_IsArray(v)) return problems->push_back("must be an array");
  size_t n = static_cast<size_t>(cJSON_GetArraySize(v));
  if (f.min_items && n < *f.min_items) problems->push_back("must have at least " + count(*f.min_items, "item"));
  if (f.max_items && n > *f.max_items) problems->push_back("must have at most " + count(*f.max_items, "item"));
  std::set<std::string> seen;
  int i = 0;
  for (const cJSON* item = v->child; item; item = item->next, ++i) {
    if (f.items) {
      std::vector<std::string> part;
      check_constraints(*f.items, item, quiet, &part);
      append_at(index_path(i), std::move(part), problems);
    }
    if (f.unique_items) {
      std::string canonical;
      append_canonical(canonical, item);
      if (!seen.insert(std::move(canonical)).second) {
        problems->push_back(index_path(i) + ": repeats an earlier item (the items must be unique)");
      }
    }
  }
}

void check_map(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems) {
  if (!cJSON_IsObject(v)) return problems->push_back("must be an object");
  size_t n = static_cast<size_t>(cJSON_GetArraySize(v));
  if (f.min_properties && n < *f.min_properties) {
    problems->push_back("must have at least " + count(*f.min_properties, "key"));
  }
  if (f.max_properties && n > *f.max_properties) {
    problems->push_back("must have at most " + count(*f.max_properties, "key"));
  }
  for (const cJSON* member = v->child; member; member = member->next) {
    std::string path = key_path(member->string, quiet);
    if (f.key_names) {
      JsonPtr key(cJSON_CreateString(member->string));
      std::vector<std::string> part;
      check_constraints(*f.key_names, key.get(), quiet, &part);
      for (std::string& m : part) m = "the key " + m;
      append_at(path, std::move(part), problems);
    }
    if (f.values) {
      std::vector<std::string> part;
      check_constraints(*f.values, member, quiet, &part);
      append_at(path, std::move(part), problems);
    }
  }
}

}  // namespace

void append_at(const std::string& path, std::vector<std::string>&& part, std::vector<std::string>* problems) {
  for (std::string& m : part) problems->push_back(path + (!m.empty() && m[0] == '[' ? "" : ": ") + m);
}

cJSON* coerce_container(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems) {
  bool array = f.type == Type::kArray;
  if (array ? !cJSON_IsArray(v) : !cJSON_IsObject(v)) {
    problems->push_back(std::string("must be ") + type_name(f.type));
    return nullptr;
  }
  const FieldSpec* part_spec = array ? f.items.get() : f.values.get();
  JsonPtr out(array ? cJSON_CreateArray() : cJSON_CreateObject());
  bool ok = true;
  int i = 0;
  for (const cJSON* part = v->child; part; part = part->next, ++i) {
    std::vector<std::string> part_problems;
    cJSON* typed = part_spec ? coerce_json(*part_spec, part, quiet, &part_problems) : cJSON_Duplicate(part, true);
    if (!typed) {
      ok = false;
      append_at(array ? index_path(i) : key_path(part->string, quiet), std::move(part_problems), problems);
      continue;
    }
    if (array)
      cJSON_AddItemToArray(out.get(), typed);
    else
      cJSON_AddItemToObject(out.get(), part->string, typed);
  }
  return ok ? out.release() : nullptr;
}

void check_container(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems) {
  if (f.type == Type::kArray)
    check_array(f, v, quiet, problems);
  else
    check_map(f, v, quiet, problems);
}

}  // namespace omega::settingsd::schema_internal
