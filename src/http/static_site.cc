#include "http/static_site.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace civicgrid::http {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kAssetsPrefix = "/assets/";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kNoCache = "no-cache";

struct Extension {
  std::string_view ext;
  std::string_view type;
};
constexpr std::array<Extension, 19> kTypes{{
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"webp", "image/webp"},
    {"gif", "image/gif"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"json", "application/json; charset=utf-8"},
    {"webmanifest", "application/manifest+json"},
    {"map", "application/json; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"wasm", "application/wasm"},
    {"xml", "application/xml"},
}};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// FNV-1a, 64 bits: stable across runs, so ETags survive a restart.
std::string Fingerprint(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (size_t i = 0; i < out.size(); ++i) out[out.size() - 1 - i] = kHex[(hash >> (4 * i)) & 0xF];
  return out + "-" + std::to_string(bytes.size());
}

std::string EtagOf(std::string_view bytes, std::string_view suffix) {
  return "\"" + Fingerprint(bytes) + std::string(suffix) + "\"";
}

// True when If-None-Match lists `etag` (weak comparison) or is "*".
bool Matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    size_t comma = std::min(if_none_match.find(','), if_none_match.size());
    std::string_view tag = Trim(if_none_match.substr(0, comma));
    if_none_match.remove_prefix(std::min(comma + 1, if_none_match.size()));
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

// A path segment that could step out of the directory or is not a plain name.
bool BadSegment(std::string_view segment) {
  return segment == "." || segment == ".." ||
         segment.find_first_of(std::string_view("\\\0", 2)) != std::string_view::npos;
}

core::Result<std::string> ReadWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in) return core::Error::Invalid("web", "无法读取网页文件 " + path.string());
  return buffer.str();
}

// The files under `root` as (URL path, file path); links leading outside skipped.
core::Result<std::vector<std::pair<std::string, fs::path>>> ListFiles(const fs::path& root) {
  std::vector<std::pair<std::string, fs::path>> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    fs::path real = fs::weakly_canonical(it->path(), ec);
    auto [root_end, unused] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
    if (ec || root_end != root.end()) continue;  // a symbolic link out of the directory
    out.emplace_back("/" + fs::relative(it->path(), root, ec).generic_string(), it->path());
  }
  if (ec) return core::Error::Invalid("web", "无法读取网页目录 " + root.string());
  // Plain files before their .gz and .br twins, which attach to them.
  std::sort(out.begin(), out.end());
  return out;
}

Response NotFound() { return Response::FromError(core::Error::NotFound("请求的地址不存在")); }

}  // namespace

std::string_view ContentTypeFor(std::string_view file_name) {
  size_t dot = file_name.rfind('.');
  if (dot != std::string_view::npos && file_name.find('/', dot) == std::string_view::npos) {
    std::string ext = Lower(file_name.substr(dot + 1));
    for (const Extension& e : kTypes) {
      if (e.ext == ext) return e.type;
    }
  }
  return "application/octet-stream";
}

bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding) {
  while (!accept_encoding.empty()) {
    size_t comma = std::min(accept_encoding.find(','), accept_encoding.size());
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding.remove_prefix(std::min(comma + 1, accept_encoding.size()));
    size_t semicolon = std::min(item.find(';'), item.size());
    std::string name = Lower(Trim(item.substr(0, semicolon)));
    if (name != coding && name != "*") continue;
    std::string_view params = Trim(item.substr(semicolon));
    size_t q = params.find("q=");
    if (q == std::string_view::npos) return true;
    // q=0, q=0.0, q=0.000 refuse; anything else accepts.
    std::string_view value = Trim(params.substr(q + 2));
    return value.find_first_not_of("0.") != std::string_view::npos;
  }
  return false;
}

core::Result<std::string> TileSource(std::string_view tile_url) {
  if (tile_url.empty()) return std::string();
  auto invalid = [] {
    return core::Error::Invalid("tile_url", "地图瓦片地址应为 http(s)://主机/…{z}/{x}/{y}… 的模板");
  };
  size_t scheme_end = tile_url.find("://");
  if (scheme_end == std::string_view::npos) return invalid();
  std::string scheme = Lower(tile_url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return invalid();
  std::string_view rest = tile_url.substr(scheme_end + 3);
  std::string_view host = rest.substr(0, std::min(rest.find('/'), rest.size()));
  auto host_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == ':' ||
           c == '{' || c == '}';
  };
  if (host.empty() || !std::all_of(host.begin(), host.end(), host_char)) return invalid();
  size_t last_brace = host.rfind('}');
  if (last_brace != std::string_view::npos) {
    // "{s}.tile.example.org", "webrd0{1-4}.is.example.com": the templated
    // labels become one wildcard label.
    size_t dot = host.find('.', last_brace);
    if (dot == std::string_view::npos || host.find_first_of("{}", dot) != std::string_view::npos) {
      return invalid();
    }
    return scheme + "://*" + std::string(host.substr(dot));
  }
  return scheme + "://" + std::string(host);
}

core::Result<std::unique_ptr<StaticSite>> StaticSite::Load(const StaticSiteOptions& options) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::path(options.dir), ec);
  if (ec || !fs::is_regular_file(root / "index.html", ec)) {
    return core::Error::Invalid("web", "网页目录 " + options.dir + " 中没有 index.html");
  }
  std::unique_ptr<StaticSite> site(new StaticSite());
  CG_ASSIGN_OR_RETURN(auto files, ListFiles(root));
  for (const auto& [url_path, path] : files) {
    CG_ASSIGN_OR_RETURN(std::string bytes, ReadWhole(path));
    CG_TRY(site->AddFile(url_path, std::move(bytes)));
  }
  for (const auto& [url_path, file] : site->files_) {
    // "/console/index.html" makes "console" an entry.
    size_t slash = url_path.find('/', 1);
    if (slash != std::string::npos && url_path.substr(slash) == "/index.html" &&
        url_path.substr(0, slash + 1) != kAssetsPrefix) {
      site->entries_.insert(url_path.substr(1, slash - 1));
    }
  }
  site->csp_ =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
      "img-src 'self' data: blob:" +
      (options.img_source.empty() ? "" : " " + options.img_source) +
      "; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
      "frame-ancestors 'none'";
  return site;
}

core::Status StaticSite::AddFile(const std::string& url_path, std::string bytes) {
  total_bytes_ += bytes.size();
  for (std::string_view suffix : {".gz", ".br"}) {
    if (!EndsWith(url_path, suffix)) continue;
    auto plain = files_.find(std::string_view(url_path).substr(0, url_path.size() - 3));
    if (plain == files_.end()) break;  // no plain twin: served as a file of its own
    bool gzip = suffix == ".gz";
    Variant variant{std::move(bytes), {}};
    variant.etag = EtagOf(variant.body, gzip ? "-gz" : "-br");
    (gzip ? plain->second.gzip : plain->second.brotli) = std::move(variant);
    return core::Status();
  }
  File file;
  file.content_type = std::string(ContentTypeFor(url_path));
  file.html = EndsWith(url_path, ".html");
  file.immutable = url_path.starts_with(kAssetsPrefix);
  file.identity.etag = EtagOf(bytes, "");
  file.identity.body = std::move(bytes);
  files_.emplace(url_path, std::move(file));
  return core::Status();
}

Response StaticSite::Serve(const Request& request) const {
  std::string_view path = request.path;
  for (size_t start = 1; start <= path.size();) {
    size_t end = std::min(path.find('/', start), path.size());
    if (BadSegment(path.substr(start, end - start))) {
      return Response::FromError(core::Error::Invalid("path", "地址中不能含有 . 或 .. 段"), 400);
    }
    start = end + 1;
  }
  if (path == "/") path = "/index.html";
  if (auto found = files_.find(path); found != files_.end()) {
    return ServeFile(found->second, request);
  }
  size_t slash = std::min(path.find('/', 1), path.size());
  std::string_view entry = path.substr(1, slash - 1);
  if (path.size() > 1 && entries_.contains(std::string(entry))) {
    if (slash == path.size()) {  // "/console": the app's relative links need "/console/"
      Response moved = Response::Text(301, "");
      moved.AddHeader("Location", "/" + std::string(entry) + "/");
      return moved;
    }
    return ServeFile(files_.find("/" + std::string(entry) + "/index.html")->second, request);
  }
  return NotFound();
}

Response StaticSite::ServeFile(const File& file, const Request& request) const {
  std::string_view accept = request.Header("Accept-Encoding");
  const Variant* variant = &file.identity;
  std::string_view encoding;
  if (file.brotli && AcceptsEncoding(accept, "br")) {
    variant = &*file.brotli;
    encoding = "br";
  } else if (file.gzip && AcceptsEncoding(accept, "gzip")) {
    variant = &*file.gzip;
    encoding = "gzip";
  }
  Response response;
  response.content_type = file.content_type;
  response.AddHeader("ETag", variant->etag);
  response.AddHeader("Cache-Control", std::string(file.immutable ? kImmutable : kNoCache));
  response.AddHeader("Vary", "Accept-Encoding");
  response.AddHeader("X-Content-Type-Options", "nosniff");
  if (file.html) {
    response.AddHeader("Content-Security-Policy", csp_);
    response.AddHeader("Referrer-Policy", "same-origin");
  }
  if (Matches(request.Header("If-None-Match"), variant->etag)) {
    response.status = 304;
    return response;
  }
  if (!encoding.empty()) response.AddHeader("Content-Encoding", std::string(encoding));
  response.body = variant->body;
  return response;
}

void RegisterStaticSite(Router& router, const StaticSite& site) {
  router.SetFallback([&site](Request& request) { return site.Serve(request); }, IoThreadRoute());
}

}  // namespace civicgrid::http
