// libFuzzer target: the MP4 metadata rewriter (media::StripMp4), which sees
// every uploaded video. Besides no crash, hang or out-of-bounds read:
//   - a refusal names the field "content", and anything Sniff() does not take
//     for an MP4 is refused;
//   - the rewritten file has exactly the input's length (offsets into 'mdat'
//     must stay valid), and its kind is MP4;
//   - it parses again, and rewriting it again changes nothing (idempotent);
//   - walked independently here, it holds no 'udta', 'meta' or XMP 'uuid' box
//     at the levels the rewriter promises (top, moov, trak, mdia), and the
//     creation/modification times of mvhd, tkhd and mdhd are zero;
//   - bytes outside those boxes and times are untouched: every byte that
//     differs from the input lies inside a box this walk neutralised or in a
//     time field.
// A broken property calls __builtin_trap() so the fuzzer reports the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "media/media.h"

namespace {

using civicgrid::media::MediaKind;

constexpr std::string_view kXmpUuid =
    "\xBE\x7A\xCF\xCB\x97\xA9\x42\xE8\x9C\x71\x99\x94\x91\xE3\xAF\xAC";

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

uint64_t BigEndian(std::string_view bytes, size_t at, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

// The byte ranges the rewriter may change, found by walking the rewritten file.
struct Allowed {
  std::vector<std::pair<size_t, size_t>> ranges;  // [begin, end)
  bool Contains(size_t at) const {
    for (const auto& [begin, end] : ranges) {
      if (at >= begin && at < end) {
        return true;
      }
    }
    return false;
  }
};

// Walks boxes in [begin, end) of the rewritten file `out` (whose structure the
// rewriter accepted, so sizes are consistent) and checks what must be gone.
void WalkStripped(std::string_view out, size_t begin, size_t end, int depth, Allowed& allowed) {
  Check(depth < 64);
  size_t at = begin;
  while (at < end) {
    Check(end - at >= 8);
    uint64_t size = BigEndian(out, at, 4);
    size_t size_header = 8;
    if (size == 1) {
      Check(end - at >= 16);
      size = BigEndian(out, at + 8, 8);
      size_header = 16;
    } else if (size == 0) {
      size = end - at;
    }
    Check(size >= size_header && size <= end - at);
    const std::string_view type = out.substr(at + 4, 4);
    const size_t box_end = at + static_cast<size_t>(size);
    const size_t payload = at + size_header + (type == "uuid" ? 16 : 0);
    Check(payload <= box_end);
    Check(type != "udta" && type != "meta");
    if (type == "uuid") {
      Check(out.substr(at + size_header, 16) != kXmpUuid);
    }
    if (type == "free") {
      // Possibly a neutralised box: its type and content may differ, its size may not.
      allowed.ranges.emplace_back(at + 4, box_end);
    } else if (type == "mvhd" || type == "tkhd" || type == "mdhd") {
      Check(payload < box_end);
      const size_t width = out[payload] == 1 ? 8 : 4;
      const size_t times = payload + 4;
      Check(times + 2 * width <= box_end);
      for (size_t i = times; i < times + 2 * width; ++i) {
        Check(out[i] == '\0');
      }
      allowed.ranges.emplace_back(times, times + 2 * width);
    } else if (type == "moov" || type == "trak" || type == "mdia") {
      WalkStripped(out, payload, box_end, depth + 1, allowed);
    }
    at = box_end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const bool looks_like_mp4 = civicgrid::media::LooksLikeMp4(bytes);
  const auto sniffed = civicgrid::media::Sniff(bytes);
  Check(!looks_like_mp4 || sniffed == MediaKind::kMp4);

  auto stripped = civicgrid::media::StripMp4(bytes);
  if (!stripped.ok()) {
    Check(stripped.error().field == "content");
    return 0;
  }
  Check(looks_like_mp4);
  Check(stripped->kind == MediaKind::kMp4);
  Check(stripped->bytes.size() == size);
  Check(stripped->width >= 0 && stripped->height >= 0);
  Check((stripped->width == 0) == (stripped->height == 0));

  Allowed allowed;
  WalkStripped(stripped->bytes, 0, size, 0, allowed);
  for (size_t i = 0; i < size; ++i) {
    Check(stripped->bytes[i] == bytes[i] || allowed.Contains(i));
  }

  auto again = civicgrid::media::StripMp4(stripped->bytes);
  Check(again.ok());
  Check(again->bytes == stripped->bytes);
  Check(again->width == stripped->width && again->height == stripped->height);
  return 0;
}
