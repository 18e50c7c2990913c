// The snapshot the propagation and reload-CPU benchmarks publish: `keys` string settings of
// about 53 bytes each (200 keys ~ 10 KB), keys in order as omega-settingsd writes them; one
// setting differs from round to round.
#pragma once
#include <cstdio>
#include <string>

inline std::string snapshot_json(int keys, int round) {
  std::string json = "{";
  for (int i = 0; i < keys; ++i) {
    char item[96];
    std::snprintf(item, sizeof item, "%s\"SETTING_KEY_%05d\":\"value-%05d-abcdefghijklmnop-%d\"", i ? "," : "", i, i,
                  i == round % keys ? round : 0);
    json += item;
  }
  return json + "}";
}
