// --validate-with: a team's own validator has the last word on what JSON Schema cannot say
// (an HttpUrl accepts only http and https, a model's validators). The contract (docs/daemon.md):
//
//   the command runs as /bin/sh -c COMMAND with the candidate snapshot on stdin: the exact bytes
//   that would go to omega:config, secrets included (it is the team's trusted code);
//   exit 0                 accepts;
//   exit 126 or 127        the shell could not run it: no verdict;
//   exit 129 to 192        the shell reporting the command killed by a signal: no verdict;
//   any other exit         refuses; stdout should be a JSON list of pydantic-style errors
//                          [{"type","loc","msg",...}] (ValidationError.errors()), which become
//                          the details ({"key": loc[0], "message": msg, "type", "loc"}); "input"
//                          and anything else is dropped, and secret values are masked in what is
//                          kept; other output gives one detail that quotes nothing;
//   a signal, the deadline, or a failure to start: no verdict (nothing changes either way).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <cjson/cJSON.h>

#include "model/schema.h"
#include "model/validated_env.h"

namespace omega::settingsd {

struct ValidatorVerdict {
  enum class Kind { kAccepted, kRefused, kUnavailable };
  Kind kind = Kind::kAccepted;
  std::string message;            // why, for kRefused and kUnavailable; never a value
  std::vector<Problem> problems;  // kRefused: the validator's errors, at least one

  bool accepted() const { return kind == Kind::kAccepted; }
};

class ExternalValidator {
 public:
  // hidden_env: variables the command must not see (the daemon's own OMEGA_* options, which
  // can name its Redis password).
  ExternalValidator(std::string command, std::chrono::milliseconds timeout, std::vector<std::string> hidden_env);

  // Runs the command on one candidate: `typed` is the snapshot object (to find the secret values
  // to mask), `snapshot` its exact bytes. Blocks for at most the timeout (plus reaping).
  ValidatorVerdict check(const Schema& schema, const cJSON* typed, const std::string& snapshot) const;

 private:
  std::string command_;
  std::chrono::milliseconds timeout_;
  std::vector<std::string> hidden_env_;
};

}  // namespace omega::settingsd
