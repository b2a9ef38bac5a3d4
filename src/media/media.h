// Media: what an uploaded file really is, and a copy of it that is safe to
// keep and to show.
//
// Sniff() decides the kind from the first bytes (magic numbers), never from
// a declared Content-Type. Normalize() rewrites a file without the metadata
// that could identify a person or a place:
//   JPEG, PNG, WebP  decoded by libvips (only the loader of the sniffed kind
//                    runs), turned upright from the EXIF orientation,
//                    converted to sRGB when an ICC profile is embedded, and
//                    re-encoded with every metadata block stripped (EXIF with
//                    its GPS IFD, XMP, IPTC, ICC, text chunks). JPEG and WebP
//                    are re-encoded lossily (quality below), PNG losslessly;
//                    animations keep their first frame only.
//   MP4              rewritten in place, byte for byte the same length: every
//                    'udta' and 'meta' box under moov/trak (©xyz location,
//                    make, model, software, Apple's location keys) and every
//                    XMP 'uuid' box becomes a zero-filled 'free' box, and the
//                    creation/modification times of mvhd, tkhd and mdhd are
//                    zeroed. The media samples are untouched; timed metadata
//                    tracks (e.g. Apple 'mebx') are not removed. Containers
//                    nested more than 8 deep are refused as malformed.
// Thumbnail() makes a JPEG that fits in a square box.
//
// libvips is initialised once per process on first use (thread-safe), with
// untrusted loaders blocked, the operation cache off and one worker thread
// per operation. All functions are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace civicgrid::media {

enum class MediaKind { kJpeg, kPng, kWebp, kMp4 };

// Initialises libvips (once; later calls are free). Every function below calls
// it; call it early to fail at start-up rather than on the first upload.
core::Status Initialize();
// Frees libvips' per-thread buffers; call before a thread that used the
// functions below exits (worker pools).
void ReleaseThread();

// "image/jpeg", "image/png", "image/webp", "video/mp4".
std::string_view ContentTypeOf(MediaKind kind);
// "jpg", "png", "webp", "mp4".
std::string_view ExtensionOf(MediaKind kind);
bool IsImage(MediaKind kind);

// The kind the bytes are, from their magic numbers; empty for anything else.
std::optional<MediaKind> Sniff(std::string_view bytes);

// The media type of a Content-Type value, lower-case, without parameters and
// surrounding blanks: " Image/JPEG ; q=1" → "image/jpeg".
std::string BareContentType(std::string_view content_type);
// The kind a Content-Type names ("image/jpeg; q=1", "IMAGE/JPG" …); empty
// for any other type.
std::optional<MediaKind> KindForContentType(std::string_view content_type);

struct NormalizeOptions {
  // Largest image accepted, in pixels (width × height): a small file can
  // decode to gigabytes.
  int64_t max_pixels = 64'000'000;
  // Quality of re-encoded JPEG and WebP images, 1..100.
  int quality = 90;
};

struct Normalized {
  MediaKind kind = MediaKind::kJpeg;
  std::string bytes;  // the stripped file
  int64_t width = 0;  // pixels; for MP4 the first track with a size, 0 if none
  int64_t height = 0;
};

// The stripped copy of `bytes`, which Sniff() found to be `kind`. Invalid
// (field "content") when the file does not decode or is larger than
// max_pixels.
core::Result<Normalized> Normalize(std::string_view bytes, MediaKind kind,
                                   const NormalizeOptions& options = {});

struct ThumbnailOptions {
  // The thumbnail fits in a box this many pixels square (never enlarged).
  int size = 320;
  int quality = 80;
};

struct Thumbnail {
  std::string jpeg;  // without metadata; transparency flattened on white
  int64_t width = 0;
  int64_t height = 0;
};

// A JPEG thumbnail of an image (JPEG, PNG or WebP bytes).
core::Result<Thumbnail> MakeThumbnail(std::string_view image, const ThumbnailOptions& options = {});

// The MP4 parts of Sniff() and Normalize(), exposed for tests.
bool LooksLikeMp4(std::string_view bytes);
core::Result<Normalized> StripMp4(std::string_view bytes);

}  // namespace civicgrid::media
