// The web console's files (daemon/ui/), embedded in the binary. Their definitions are
// generated at build time by cmake/embed_console.cmake (console_assets.cc in the build tree),
// so the console needs nothing on disk and the page a browser gets is the one the daemon was
// built with.
#pragma once

#include <cstddef>

namespace omega::settingsd {

struct ConsoleAsset {
  const char* path;          // its URL: "/ui/" + its path under daemon/ui/
  const char* content_type;  // from its extension
  const unsigned char* data;
  size_t size;
  const char* etag;  // "\"<hex>\"": a prefix of the SHA-256 of its bytes
};

extern const ConsoleAsset kConsoleAssets[];
extern const size_t kConsoleAssetCount;

}  // namespace omega::settingsd
