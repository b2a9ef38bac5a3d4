#include "media/media.h"

#include <vips/vips.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

namespace civicgrid::media {
namespace {

using core::Error;

constexpr std::string_view kContentField = "content";

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Image = std::unique_ptr<VipsImage, Unref>;

struct AreaUnref {
  void operator()(VipsArrayDouble* array) const { vips_area_unref(VIPS_AREA(array)); }
};

struct GFree {
  void operator()(void* p) const { g_free(p); }
};

// libvips reports through a process-wide error buffer; its English text is
// for developers, the caller gets a Chinese message.
Error Undecodable(MediaKind kind) {
  vips_error_clear();
  return Error::Invalid(std::string(kContentField),
                        "文件内容无法解码为 " + std::string(ContentTypeOf(kind)) + "，可能已损坏");
}

core::Result<Image> Load(std::string_view bytes, MediaKind kind, VipsAccess access) {
  void* data = const_cast<char*>(bytes.data());  // libvips does not write to it
  VipsImage* out = nullptr;
  int rc = -1;
  switch (kind) {
    case MediaKind::kJpeg:
      rc = vips_jpegload_buffer(data, bytes.size(), &out, "access", access, "fail_on",
                                VIPS_FAIL_ON_ERROR, nullptr);
      break;
    case MediaKind::kPng:
      rc = vips_pngload_buffer(data, bytes.size(), &out, "access", access, "fail_on",
                               VIPS_FAIL_ON_ERROR, nullptr);
      break;
    case MediaKind::kWebp:
      rc = vips_webpload_buffer(data, bytes.size(), &out, "access", access, "fail_on",
                                VIPS_FAIL_ON_ERROR, nullptr);
      break;
    case MediaKind::kMp4:
      break;
  }
  if (rc != 0) return Undecodable(kind);
  return Image(out);
}

int Orientation(VipsImage* image) {
  int orientation = 1;
  if (vips_image_get_typeof(image, VIPS_META_ORIENTATION) == 0) return 1;
  if (vips_image_get_int(image, VIPS_META_ORIENTATION, &orientation) != 0) {
    vips_error_clear();
    return 1;
  }
  return orientation;
}

// Applies `op` (which sets its output on success) and replaces `image` with
// the result; keeps `image` when `op` fails and `optional` is set.
template <typename Op>
core::Status Apply(Image& image, Op op, bool optional, MediaKind kind) {
  VipsImage* out = nullptr;
  if (op(image.get(), &out) != 0) {
    if (!optional) return Undecodable(kind);
    vips_error_clear();
    return {};
  }
  image.reset(out);
  return {};
}

core::Result<std::string> Save(VipsImage* image, MediaKind kind, int quality) {
  void* buffer = nullptr;
  size_t length = 0;
  int rc = -1;
  switch (kind) {
    case MediaKind::kJpeg:
      rc = vips_jpegsave_buffer(image, &buffer, &length, "strip", TRUE, "Q", quality,
                                "optimize_coding", TRUE, nullptr);
      break;
    case MediaKind::kPng:
      rc = vips_pngsave_buffer(image, &buffer, &length, "strip", TRUE, nullptr);
      break;
    case MediaKind::kWebp:
      rc = vips_webpsave_buffer(image, &buffer, &length, "strip", TRUE, "Q", quality, nullptr);
      break;
    case MediaKind::kMp4:
      break;
  }
  std::unique_ptr<void, GFree> owned(buffer);
  // Pixels decode while saving, so a truncated or corrupt file fails here.
  if (rc != 0) return Undecodable(kind);
  return std::string(static_cast<const char*>(buffer), length);
}

core::Result<Normalized> NormalizeImage(std::string_view bytes, MediaKind kind,
                                        const NormalizeOptions& options) {
  CG_TRY(Initialize());
  CG_ASSIGN_OR_RETURN(Image image, Load(bytes, kind, VIPS_ACCESS_SEQUENTIAL));
  int64_t pixels = int64_t{vips_image_get_width(image.get())} * vips_image_get_height(image.get());
  if (pixels > options.max_pixels) {
    return Error::Invalid(std::string(kContentField),
                          "图片像素过多（最多 " + std::to_string(options.max_pixels) + " 像素）");
  }
  bool has_icc = vips_image_get_typeof(image.get(), VIPS_META_ICC_NAME) != 0;
  if (Orientation(image.get()) > 1) {
    // Turning by 90° reads columns: that needs random access.
    CG_ASSIGN_OR_RETURN(image, Load(bytes, kind, VIPS_ACCESS_RANDOM));
    CG_TRY(Apply(
        image, [](VipsImage* in, VipsImage** out) { return vips_autorot(in, out, nullptr); }, false,
        kind));
  }
  if (has_icc) {
    // The profile is about to be stripped: bake it into the pixels first.
    int depth = vips_image_get_format(image.get()) == VIPS_FORMAT_USHORT ? 16 : 8;
    CG_TRY(Apply(
        image,
        [depth](VipsImage* in, VipsImage** out) {
          return vips_icc_transform(in, out, "srgb", "embedded", TRUE, "depth", depth, nullptr);
        },
        true, kind));
  }
  Normalized result;
  result.kind = kind;
  result.width = vips_image_get_width(image.get());
  result.height = vips_image_get_height(image.get());
  CG_ASSIGN_OR_RETURN(result.bytes, Save(image.get(), kind, options.quality));
  return result;
}

}  // namespace

// libvips keeps process-wide state (type system, thread pool), so it is
// initialised once here rather than injected; a function-local static is
// initialised thread-safely.
core::Status Initialize() {
  static const bool kReady = [] {
    if (VIPS_INIT("civicgrid") != 0) return false;
    // Only loaders fuzzed and maintained by libvips itself (never ImageMagick,
    // PDF or SVG modules), whatever a buffer claims to be.
    vips_block_untrusted_set(TRUE);
    // Cached operations would pin upload buffers in memory between requests.
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    // Handlers already run on several server threads; one worker each.
    vips_concurrency_set(1);
    // A damaged upload is refused with a clear error; libvips' own warnings
    // about it ("not enough data") would only clutter the server's stderr.
    g_log_set_handler(
        "VIPS", G_LOG_LEVEL_WARNING, [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {},
        nullptr);
    return true;
  }();
  if (!kReady) return Error::Internal("图片处理库初始化失败");
  return {};
}

void ReleaseThread() { vips_thread_shutdown(); }

std::string_view ContentTypeOf(MediaKind kind) {
  switch (kind) {
    case MediaKind::kJpeg:
      return "image/jpeg";
    case MediaKind::kPng:
      return "image/png";
    case MediaKind::kWebp:
      return "image/webp";
    case MediaKind::kMp4:
      return "video/mp4";
  }
  return "application/octet-stream";
}

std::string_view ExtensionOf(MediaKind kind) {
  switch (kind) {
    case MediaKind::kJpeg:
      return "jpg";
    case MediaKind::kPng:
      return "png";
    case MediaKind::kWebp:
      return "webp";
    case MediaKind::kMp4:
      return "mp4";
  }
  return "bin";
}

bool IsImage(MediaKind kind) { return kind != MediaKind::kMp4; }

std::optional<MediaKind> Sniff(std::string_view bytes) {
  auto starts = [bytes](std::string_view magic) { return bytes.substr(0, magic.size()) == magic; };
  if (starts("\xFF\xD8\xFF")) return MediaKind::kJpeg;
  if (starts("\x89PNG\r\n\x1A\n")) return MediaKind::kPng;
  if (starts("RIFF") && bytes.size() >= 12 && bytes.substr(8, 4) == "WEBP") return MediaKind::kWebp;
  if (LooksLikeMp4(bytes)) return MediaKind::kMp4;
  return std::nullopt;
}

std::string BareContentType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  std::string out(type);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<MediaKind> KindForContentType(std::string_view content_type) {
  std::string type = BareContentType(content_type);
  if (type == "image/jpeg" || type == "image/jpg" || type == "image/pjpeg") return MediaKind::kJpeg;
  if (type == "image/png") return MediaKind::kPng;
  if (type == "image/webp") return MediaKind::kWebp;
  if (type == "video/mp4") return MediaKind::kMp4;
  return std::nullopt;
}

core::Result<Normalized> Normalize(std::string_view bytes, MediaKind kind,
                                   const NormalizeOptions& options) {
  if (kind == MediaKind::kMp4) return StripMp4(bytes);
  return NormalizeImage(bytes, kind, options);
}

core::Result<Thumbnail> MakeThumbnail(std::string_view image_bytes,
                                      const ThumbnailOptions& options) {
  CG_TRY(Initialize());
  std::optional<MediaKind> kind = Sniff(image_bytes);
  if (!kind || !IsImage(*kind)) {
    return Error::Invalid(std::string(kContentField), "只有图片可以生成缩略图");
  }
  VipsImage* out = nullptr;
  if (vips_thumbnail_buffer(const_cast<char*>(image_bytes.data()), image_bytes.size(), &out,
                            options.size, "height", options.size, "size", VIPS_SIZE_DOWN, "fail_on",
                            VIPS_FAIL_ON_ERROR, nullptr) != 0) {
    return Undecodable(*kind);
  }
  Image image(out);
  VipsInterpretation target =
      vips_image_get_bands(image.get()) <= 2 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
  if (vips_image_get_interpretation(image.get()) != target) {
    CG_TRY(Apply(
        image,
        [target](VipsImage* in, VipsImage** o) { return vips_colourspace(in, o, target, nullptr); },
        false, *kind));
  }
  if (vips_image_hasalpha(image.get())) {
    std::unique_ptr<VipsArrayDouble, AreaUnref> white(vips_array_double_newv(1, 255.0));
    CG_TRY(Apply(
        image,
        [&white](VipsImage* in, VipsImage** o) {
          return vips_flatten(in, o, "background", white.get(), nullptr);
        },
        false, *kind));
  }
  Thumbnail thumbnail;
  thumbnail.width = vips_image_get_width(image.get());
  thumbnail.height = vips_image_get_height(image.get());
  CG_ASSIGN_OR_RETURN(thumbnail.jpeg, Save(image.get(), MediaKind::kJpeg, options.quality));
  return thumbnail;
}

}  // namespace civicgrid::media
