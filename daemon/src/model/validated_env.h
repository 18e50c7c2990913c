// A .env file together with the snapshot it validates to: what the writer holds, and what
// every mutation builds before it touches anything.
#pragma once

#include <string>
#include <vector>

#include "model/env_file.h"
#include "model/json_tree.h"
#include "model/schema.h"

namespace omega::settingsd {

// One problem with a .env: the setting's key ("" for the file or a line) and a message that
// never holds a value. An external validator's problems (--validate-with) also keep its
// error's type and loc (pydantic's shape), loc as compact JSON.
struct Problem {
  std::string key;
  std::string message;
  std::string type = {};
  std::string loc_json = {};
};

struct ValidatedEnv {
  std::string text;      // the .env bytes
  EnvFile env;           // parsed
  JsonPtr typed;         // the validated snapshot object (keys sorted)
  std::string snapshot;  // its exact JSON bytes: what goes to omega:config
};

// Parses and validates .env text. label names the file in line-level problems. False with
// every problem (line numbers for syntax, key names for schema errors).
bool validate_env_text(const Schema& schema, std::string text, const std::string& label, ValidatedEnv* out,
                       std::vector<Problem>* problems);
// Reads path first.
bool load_validated_env(const Schema& schema, const std::string& path, ValidatedEnv* out,
                        std::vector<Problem>* problems);
// "KEY: message", or just the message for file-level problems (startup and --check).
std::vector<std::string> describe(const std::vector<Problem>& problems);

// Keys whose typed values differ between two snapshot objects (added, removed or modified),
// sorted. before may be null (everything is new).
std::vector<std::string> changed_keys(const cJSON* before, const cJSON* after);

}  // namespace omega::settingsd
