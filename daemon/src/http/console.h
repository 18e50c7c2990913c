// GET /ui: the web console, static files embedded in the binary (console_assets.h), served
// with the headers a page that handles an admin token needs: a strict Content-Security-Policy
// (scripts, styles, images and requests only from this origin; no inline code, no framing),
// nosniff, no referrer, and revalidation against an ETag. The page itself needs no credential:
// it holds no data, and gets everything from the JSON API with the token the user types.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "http/console_assets.h"
#include "http/message.h"

namespace omega::settingsd {

// Every URL the console is served at, with its file: each embedded file at its own path, and
// the page (index.html) also at /ui and /ui/.
std::vector<std::pair<std::string, const ConsoleAsset*>> console_urls();

// 200 with the file, or 304 when If-None-Match names its ETag.
HttpResponse console_file(const ConsoleAsset& asset, const HttpRequest& req);

}  // namespace omega::settingsd
