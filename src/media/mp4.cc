// MP4 (ISO base media file) metadata neutralisation: see media.h for what is
// and is not removed. The file keeps its length and every offset in it (the
// sample tables point into 'mdat' by absolute offset), so boxes are rewritten
// in place rather than cut out.
#include <array>
#include <cstdint>
#include <vector>

#include "media/media.h"

namespace civicgrid::media {
namespace {

using core::Error;

constexpr std::string_view kContentField = "content";
// Containers walked (moov, trak, mdia) nest three deep in a real file. The walk
// recurses once per level, and a box inside a box costs 8 bytes, so without a
// bound an upload of a few MB would overflow the stack.
constexpr int kMaxContainerDepth = 8;
// Adobe XMP packets in ISO files live in a 'uuid' box with this user type.
constexpr std::string_view kXmpUuid =
    "\xBE\x7A\xCF\xCB\x97\xA9\x42\xE8\x9C\x71\x99\x94\x91\xE3\xAF\xAC";
// Brands of the MP4 family (ISO/IEC 14496-12/14 and the common profiles).
constexpr std::array<std::string_view, 12> kMp4Brands = {
    "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "mmp4", "dash"};

uint64_t BigEndian(std::string_view bytes, size_t at, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

struct Box {
  size_t start = 0;
  size_t size_header = 8;  // 8, or 16 with a 64-bit size
  size_t header = 8;       // size_header, plus 16 for a 'uuid' user type
  size_t end = 0;
  std::string_view type;
  size_t payload() const { return start + header; }
};

Error Malformed() {
  return Error::Invalid(std::string(kContentField), "文件不是有效的 MP4 视频（结构损坏）");
}

core::Result<std::vector<Box>> Children(std::string_view data, size_t begin, size_t end) {
  std::vector<Box> boxes;
  size_t at = begin;
  while (at < end) {
    if (end - at < 8) return Malformed();
    Box box;
    box.start = at;
    uint64_t size = BigEndian(data, at, 4);
    if (size == 1) {
      if (end - at < 16) return Malformed();
      size = BigEndian(data, at + 8, 8);
      box.size_header = 16;
    } else if (size == 0) {
      size = end - at;  // to the end of the enclosing box
    }
    box.type = data.substr(at + 4, 4);
    box.header = box.size_header + (box.type == "uuid" ? 16 : 0);
    if (size < box.header || size > end - at) return Malformed();
    box.end = at + static_cast<size_t>(size);
    boxes.push_back(box);
    at = box.end;
  }
  return boxes;
}

// The box stays where it is, as a 'free' box of the same size whose content
// is zeros: players skip it, and nothing of what it held is left in the file.
void Neutralize(std::string& out, const Box& box) {
  out.replace(box.start + 4, 4, "free");
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(box.start + box.size_header),
            out.begin() + static_cast<std::ptrdiff_t>(box.end), '\0');
}

bool IsMetadata(std::string_view data, const Box& box) {
  if (box.type == "udta" || box.type == "meta") return true;
  return box.type == "uuid" && data.substr(box.start + box.size_header, 16) == kXmpUuid;
}

// mvhd, tkhd and mdhd open with version/flags and then the creation and
// modification times: 32-bit each in version 0, 64-bit in version 1.
core::Status ZeroTimes(std::string& out, const Box& box) {
  size_t width = out[box.payload()] == 1 ? 8 : 4;
  size_t times = box.payload() + 4;
  if (times + 2 * width > box.end) return Malformed();
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(times),
            out.begin() + static_cast<std::ptrdiff_t>(times + 2 * width), '\0');
  return {};
}

// Width and height (16.16 fixed point) sit after the matrix in tkhd.
void ReadTrackSize(std::string_view data, const Box& box, Normalized& result) {
  size_t offset = box.payload() + (data[box.payload()] == 1 ? 88 : 76);
  if (result.width != 0 || offset + 8 > box.end) return;
  int64_t width = static_cast<int64_t>(BigEndian(data, offset, 4) >> 16);
  int64_t height = static_cast<int64_t>(BigEndian(data, offset + 4, 4) >> 16);
  if (width > 0 && height > 0) {
    result.width = width;
    result.height = height;
  }
}

core::Status Walk(std::string_view data, size_t begin, size_t end, int depth, Normalized& result) {
  if (depth > kMaxContainerDepth) return Malformed();
  CG_ASSIGN_OR_RETURN(std::vector<Box> boxes, Children(data, begin, end));
  for (const Box& box : boxes) {
    if (IsMetadata(data, box)) {
      Neutralize(result.bytes, box);
    } else if (box.type == "mvhd" || box.type == "tkhd" || box.type == "mdhd") {
      if (box.payload() >= box.end) return Malformed();
      CG_TRY(ZeroTimes(result.bytes, box));
      if (box.type == "tkhd") ReadTrackSize(data, box, result);
    } else if (box.type == "moov" || box.type == "trak" || box.type == "mdia") {
      CG_TRY(Walk(data, box.payload(), box.end, depth + 1, result));
    }
  }
  return {};
}

}  // namespace

bool LooksLikeMp4(std::string_view bytes) {
  if (bytes.size() < 16 || bytes.substr(4, 4) != "ftyp") return false;
  uint64_t size = BigEndian(bytes, 0, 4);
  if (size < 16 || size > bytes.size()) return false;
  for (size_t at = 8; at + 4 <= size; at += 4) {
    if (at == 12) continue;  // minor version, not a brand
    for (std::string_view brand : kMp4Brands) {
      if (bytes.substr(at, 4) == brand) return true;
    }
  }
  return false;
}

core::Result<Normalized> StripMp4(std::string_view bytes) {
  if (!LooksLikeMp4(bytes)) return Malformed();
  Normalized result;
  result.kind = MediaKind::kMp4;
  result.bytes = std::string(bytes);
  CG_ASSIGN_OR_RETURN(std::vector<Box> top, Children(bytes, 0, bytes.size()));
  bool has_moov = false;
  for (const Box& box : top) has_moov = has_moov || box.type == "moov";
  if (!has_moov) return Malformed();
  CG_TRY(Walk(bytes, 0, bytes.size(), 0, result));
  return result;
}

}  // namespace civicgrid::media
