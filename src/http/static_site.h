// StaticSite: the built web pages (web/dist), read into memory once at start
// and answered from there.
//
// Layout of the directory (what `vite build` writes):
//   index.html                 the landing page, served at /
//   <entry>/index.html         one single-page app per entry (console, h5,
//                              screen): /<entry>/ and every /<entry>/... path
//                              that is not a file get this page (SPA fallback);
//                              /<entry> answers 301 to /<entry>/
//   assets/*                   content-hashed files: cached for a year, immutable
//   X.gz, X.br                 precompressed twins of X, sent in its place when
//                              the client accepts gzip or brotli (brotli first)
// Every answer carries an ETag (per encoding) and honours If-None-Match with
// 304; HTML is sent with Cache-Control: no-cache and the Content-Security-Policy
// (no inline script; img-src allows the map tile host when one is set). A path
// with a "." or ".." segment is refused; anything that is not a file or an
// entry answers the API's JSON not_found, so /api/... never turns into a page.
//
// Files are small (a few MB in all) and answered on the I/O thread: no disk,
// no database, no queue behind database work.
//
// Thread-safety: immutable after Load(); Serve() may be called from any number
// of threads.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace civicgrid::http {

struct StaticSiteOptions {
  // The directory to read (e.g. "web/dist"); it must hold index.html.
  std::string dir;
  // Extra source for the CSP's img-src, e.g. "https://*.tile.example.org"
  // (see TileSource()); empty: images from this server, data: and blob: only.
  std::string img_source;
};

class StaticSite {
 public:
  // Reads every regular file under options.dir (symbolic links leading outside
  // it are skipped). Fails with kInvalid (field "web") when the directory or
  // its index.html is missing or unreadable.
  static core::Result<std::unique_ptr<StaticSite>> Load(const StaticSiteOptions& options);

  // The answer to a GET or HEAD of `request.path`.
  Response Serve(const Request& request) const;

  size_t file_count() const { return files_.size(); }
  size_t total_bytes() const { return total_bytes_; }
  // The single-page apps found, e.g. {"console", "h5", "screen"}.
  const std::set<std::string>& entries() const { return entries_; }
  const std::string& content_security_policy() const { return csp_; }

 private:
  struct Variant {
    std::string body;
    std::string etag;  // quoted, e.g. "\"5f3a…-1234-br\""
  };
  struct File {
    std::string content_type;
    bool html = false;
    bool immutable = false;  // under /assets/
    Variant identity;
    std::optional<Variant> gzip;
    std::optional<Variant> brotli;
  };

  StaticSite() = default;
  core::Status AddFile(const std::string& url_path, std::string bytes);
  Response ServeFile(const File& file, const Request& request) const;

  std::map<std::string, File, std::less<>> files_;  // by URL path, "/assets/app-1a2b.js"
  std::set<std::string> entries_;
  std::string csp_;
  size_t total_bytes_ = 0;
};

// Makes `site` (borrowed; it must outlive the router) answer GET and HEAD
// requests that match no route, on the I/O thread.
void RegisterStaticSite(Router& router, const StaticSite& site);

// The Content-Type for a file name by its extension (html, js, css, svg, png,
// jpg, webp, gif, ico, woff2, woff, json, webmanifest, map, txt, wasm);
// application/octet-stream for any other.
std::string_view ContentTypeFor(std::string_view file_name);

// Whether an Accept-Encoding header accepts `coding` ("br", "gzip") with a
// non-zero quality, by name or through "*".
bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding);

// The CSP source for a map tile URL template such as
// "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png": its scheme and host,
// a templated leading label turned into "*" ("https://*.tile.openstreetmap.org").
// Empty for an empty template; kInvalid (field "tile_url") when it is not an
// http(s) URL with a plain host.
core::Result<std::string> TileSource(std::string_view tile_url);

}  // namespace civicgrid::http
