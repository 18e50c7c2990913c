// omega-model-check: drives the model from the command line, for the Python tests that compare
// it with pydantic-settings and python-dotenv.
//   omega-model-check SCHEMA                 -> one line per key: KEY<TAB>secret|plain
//   omega-model-check SCHEMA ENV             -> the validated snapshot as JSON on stdout
//   omega-model-check SCHEMA --value KEY JSON -> the .env text for a PATCH value
//   omega-model-check --env-values ENV       -> the parsed .env as a JSON object in file order
//                                               (null for `KEY` without '='), no schema
//   omega-model-check --env-render ENV JSON  -> the .env text after applying JSON's updates
//                                               ({"KEY": "value" | null}), as render() writes it
// Problems go to stderr, one per line; the exit status is 1 on invalid input, 2 on misuse.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "model/env_file.h"
#include "model/json_tree.h"
#include "model/schema.h"

using namespace omega::settingsd;

static bool read_file(const char* path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

static bool parse_env_file(const char* path, EnvFile* env) {
  std::string text;
  if (!read_file(path, &text)) {
    std::cerr << "cannot read " << path << "\n";
    return false;
  }
  std::vector<EnvError> errors;
  if (EnvFile::parse(text, env, &errors)) return true;
  for (const EnvError& e : errors) std::cerr << path << ":" << e.line << ": " << e.message << "\n";
  return false;
}

static int print_env_values(const char* path) {
  EnvFile env;
  if (!parse_env_file(path, &env)) return 1;
  JsonPtr object(cJSON_CreateObject());
  for (const EnvEntry& e : env.entries()) {
    cJSON_AddItemToObject(object.get(), e.key.c_str(),
                          e.value ? cJSON_CreateString(e.value->c_str()) : cJSON_CreateNull());
  }
  std::cout << json_print(object.get()) << "\n";
  return 0;
}

static int print_env_render(const char* path, const char* updates_json) {
  EnvFile env;
  if (!parse_env_file(path, &env)) return 1;
  std::string error;
  JsonPtr updates(parse_strict_json(updates_json, kDefaultJsonMaxDepth, &error));
  if (!updates || !cJSON_IsObject(updates.get())) {
    std::cerr << "updates: " << (updates ? "not a JSON object" : error) << "\n";
    return 2;
  }
  std::map<std::string, std::optional<std::string>> changes;
  const cJSON* item;
  cJSON_ArrayForEach(item, updates.get()) {
    if (cJSON_IsNull(item)) {
      changes[item->string] = std::nullopt;
      continue;
    }
    if (!cJSON_IsString(item)) {
      std::cerr << item->string << ": not a string or null\n";
      return 2;
    }
    std::string why;
    if (!EnvFile::writable(item->valuestring, &why)) {
      std::cerr << item->string << ": the value " << why << "\n";
      return 1;
    }
    changes[item->string] = std::string(item->valuestring);
  }
  std::cout << env.render(changes);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--env-values") return print_env_values(argv[2]);
  if (argc == 4 && std::string(argv[1]) == "--env-render") return print_env_render(argv[2], argv[3]);
  if (argc < 2) {
    std::cerr << "usage: omega-model-check SCHEMA [ENV | --value KEY JSON]\n";
    return 2;
  }
  std::string schema_text;
  if (!read_file(argv[1], &schema_text)) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 2;
  }
  Schema schema;
  std::string error;
  if (!Schema::parse(schema_text, &schema, &error)) {
    std::cerr << error << "\n";
    return 1;
  }
  if (argc == 2) {
    for (const std::string& key : schema.keys()) {
      std::cout << key << '\t' << (schema.is_secret(key) ? "secret" : "plain") << '\n';
    }
    return 0;
  }
  if (argc == 5 && std::string(argv[2]) == "--value") {
    cJSON* value = parse_strict_json(argv[4], kDefaultJsonMaxDepth, &error);
    if (!value) {
      std::cerr << error << "\n";
      return 1;
    }
    std::string text;
    bool ok = schema.value_to_env_text(argv[3], value, &text, &error);
    cJSON_Delete(value);
    if (!ok) {
      std::cerr << argv[3] << ": " << error << "\n";
      return 1;
    }
    std::cout << text << "\n";
    return 0;
  }
  if (argc != 3) {
    std::cerr << "usage: omega-model-check SCHEMA [ENV | --value KEY JSON]\n";
    return 2;
  }
  std::string env_text;
  if (!read_file(argv[2], &env_text)) {
    std::cerr << "cannot read " << argv[2] << "\n";
    return 2;
  }
  EnvFile env;
  std::vector<EnvError> env_errors;
  if (!EnvFile::parse(env_text, &env, &env_errors)) {
    for (const EnvError& e : env_errors) {
      std::cerr << argv[2] << ":" << e.line << ": " << e.message << "\n";
    }
    return 1;
  }
  std::vector<FieldError> errors;
  cJSON* snapshot = schema.validate_env(env.values(), &errors);
  if (!snapshot) {
    for (const FieldError& e : errors) std::cerr << e.key << ": " << e.message << "\n";
    return 1;
  }
  std::cout << json_print(snapshot) << "\n";  // the bytes the daemon publishes
  cJSON_Delete(snapshot);
  return 0;
}
