#include "http/console.h"

#include <cstring>

namespace omega::settingsd {
namespace {

// No inline script or style anywhere in the console, so none is allowed: injected markup
// could not run even if a value slipped past the DOM code. connect-src 'self' keeps the
// token's requests on this origin; frame-ancestors stops clickjacking; the page posts no
// forms (fetch() sends JSON), so form-action is closed too.
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

}  // namespace

std::vector<std::pair<std::string, const ConsoleAsset*>> console_urls() {
  std::vector<std::pair<std::string, const ConsoleAsset*>> urls;
  for (size_t i = 0; i < kConsoleAssetCount; ++i) {
    const ConsoleAsset* a = &kConsoleAssets[i];
    urls.emplace_back(a->path, a);
    if (std::strcmp(a->path, "/ui/index.html") == 0) {
      urls.emplace_back("/ui", a);
      urls.emplace_back("/ui/", a);
    }
  }
  return urls;
}

HttpResponse console_file(const ConsoleAsset& asset, const HttpRequest& req) {
  HttpResponse r;
  r.headers = {
      {"Content-Security-Policy", kPolicy},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},  // for browsers that predate frame-ancestors
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      // Kept, but asked about on every load: after an upgrade the browser gets the new
      // console at once, and an unchanged file costs a 304.
      {"Cache-Control", "no-cache"},
      {"ETag", asset.etag},
  };
  if (if_none_match_hits(req.header("if-none-match"), asset.etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = asset.content_type;
  r.body.assign(reinterpret_cast<const char*>(asset.data), asset.size);
  return r;
}

}  // namespace omega::settingsd
