#include "media/testing/test_media.h"

#include <vips/vips.h>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "media/media.h"

namespace civicgrid::media::testing {
namespace {

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Image = std::unique_ptr<VipsImage, Unref>;

void Ensure() {
  if (!Initialize().ok()) throw std::runtime_error("libvips did not initialise");
}

void Fail(const char* what) {
  std::string message = std::string(what) + ": " + vips_error_buffer();
  vips_error_clear();
  throw std::runtime_error(message);
}

// Runs `op`, which sets an output image and returns 0 on success.
template <typename Op>
Image Run(const char* what, Op op) {
  VipsImage* out = nullptr;
  if (op(&out) != 0) Fail(what);
  return Image(out);
}

// A gradient of `bands` bands (the last one `shade` — or alpha when asked).
Image Gradient(int width, int height, int shade, bool alpha) {
  Ensure();
  Image xy = Run("xyz", [&](VipsImage** o) { return vips_xyz(o, width, height, nullptr); });
  Image wrapped = Run(
      "remainder", [&](VipsImage** o) { return vips_remainder_const1(xy.get(), o, 256, nullptr); });
  double extra[2] = {static_cast<double>(shade), 200.0};
  Image joined = Run("bandjoin", [&](VipsImage** o) {
    return vips_bandjoin_const(wrapped.get(), o, extra, alpha ? 2 : 1, nullptr);
  });
  Image bytes =
      Run("cast", [&](VipsImage** o) { return vips_cast_uchar(joined.get(), o, nullptr); });
  return Run("copy", [&](VipsImage** o) {
    return vips_copy(bytes.get(), o, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr);
  });
}

std::string Take(int rc, void* buffer, size_t length, const char* what) {
  if (rc != 0) Fail(what);
  std::string bytes(static_cast<const char*>(buffer), length);
  g_free(buffer);
  return bytes;
}

// Little-endian TIFF writer for the EXIF block.
class Tiff {
 public:
  void U16(uint32_t v) {
    for (int i = 0; i < 2; ++i) bytes_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  void Raw(std::string_view s) { bytes_.append(s); }
  // One 12-byte IFD entry with a value (or offset) of 4 bytes.
  void Entry(uint32_t tag, uint32_t type, uint32_t count, uint32_t value) {
    U16(tag);
    U16(type);
    U32(count);
    U32(value);
  }
  // An entry whose 1..4 value bytes are given inline, left-aligned.
  void InlineEntry(uint32_t tag, uint32_t type, uint32_t count, std::string_view value) {
    U16(tag);
    U16(type);
    U32(count);
    std::string padded(value);
    padded.resize(4, '\0');
    Raw(padded);
  }
  size_t size() const { return bytes_.size(); }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

constexpr uint32_t kByte = 1, kAscii = 2, kShort = 3, kLong = 4, kRational = 5;

void Dms(Tiff& tiff, double degrees) {
  double whole = std::floor(degrees);
  double minutes = std::floor((degrees - whole) * 60);
  double seconds = ((degrees - whole) * 60 - minutes) * 60;
  tiff.U32(static_cast<uint32_t>(whole));
  tiff.U32(1);
  tiff.U32(static_cast<uint32_t>(minutes));
  tiff.U32(1);
  tiff.U32(static_cast<uint32_t>(std::lround(seconds * 100)));
  tiff.U32(100);
}

std::string ExifTiff(const ExifSpec& spec) {
  // Layout: header (8), IFD0 with 3 entries (2 + 36 + 4 = 42) at 8, the GPS
  // IFD with 5 entries (2 + 60 + 4 = 66) at 50, then the make and the two
  // coordinate triples (24 bytes each).
  const uint32_t ifd0 = 8, gps_ifd = 50, make_at = 116;
  const uint32_t lat_at = make_at + static_cast<uint32_t>(spec.make.size()) + 1;
  const uint32_t lon_at = lat_at + 24;
  Tiff t;
  t.Raw("II");
  t.U16(42);
  t.U32(ifd0);
  t.U16(3);
  t.Entry(0x010F, kAscii, static_cast<uint32_t>(spec.make.size()) + 1, make_at);  // Make
  t.InlineEntry(0x0112, kShort, 1, std::string{static_cast<char>(spec.orientation), '\0'});
  t.Entry(0x8825, kLong, 1, gps_ifd);  // GPSInfo
  t.U32(0);
  t.U16(5);
  t.InlineEntry(0x0000, kByte, 4, std::string("\x02\x03\x00\x00", 4));  // GPSVersionID
  t.InlineEntry(0x0001, kAscii, 2, std::string("N\0", 2));
  t.Entry(0x0002, kRational, 3, lat_at);
  t.InlineEntry(0x0003, kAscii, 2, std::string("E\0", 2));
  t.Entry(0x0004, kRational, 3, lon_at);
  t.U32(0);
  if (t.size() != make_at) throw std::logic_error("EXIF layout");
  t.Raw(spec.make);
  t.Raw(std::string(1, '\0'));
  Dms(t, spec.latitude);
  Dms(t, spec.longitude);
  return t.bytes();
}

std::string U32BigEndian(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}

std::string Box(std::string_view type, std::string_view payload) {
  return U32BigEndian(static_cast<uint32_t>(8 + payload.size())) + std::string(type) +
         std::string(payload);
}

// A version-0 full box header, the planted times, then `rest`.
std::string TimedPayload(std::string_view rest) {
  return std::string(4, '\0') + std::string(kMp4Time) + std::string(kMp4Time) + std::string(rest);
}

}  // namespace

std::string TestJpeg(int width, int height, int shade) {
  Image image = Gradient(width, height, shade, false);
  void* buffer = nullptr;
  size_t length = 0;
  int rc = vips_jpegsave_buffer(image.get(), &buffer, &length, "strip", TRUE, nullptr);
  return Take(rc, buffer, length, "jpegsave");
}

std::string TestPng(int width, int height, bool alpha, int shade) {
  Image image = Gradient(width, height, shade, alpha);
  void* buffer = nullptr;
  size_t length = 0;
  int rc = vips_pngsave_buffer(image.get(), &buffer, &length, "strip", TRUE, nullptr);
  return Take(rc, buffer, length, "pngsave");
}

std::string TestWebp(int width, int height, int shade) {
  Image image = Gradient(width, height, shade, false);
  void* buffer = nullptr;
  size_t length = 0;
  int rc = vips_webpsave_buffer(image.get(), &buffer, &length, "strip", TRUE, nullptr);
  return Take(rc, buffer, length, "webpsave");
}

std::string WithExif(std::string_view jpeg, const ExifSpec& spec) {
  std::string payload = std::string("Exif\0\0", 6) + ExifTiff(spec);
  size_t length = payload.size() + 2;
  std::string app1 = "\xFF\xE1";
  app1.push_back(static_cast<char>(length >> 8));
  app1.push_back(static_cast<char>(length & 0xFF));
  app1 += payload;
  // Straight after SOI, where cameras put it.
  return std::string(jpeg.substr(0, 2)) + app1 + std::string(jpeg.substr(2));
}

std::string TestMp4(int width, int height) {
  std::string ftyp = Box("ftyp", "isom" + U32BigEndian(512) + "isomiso2avc1mp41");
  // mvhd v0: times, timescale, duration, rate, volume, reserved, matrix,
  // pre-defined, next track id.
  std::string mvhd =
      Box("mvhd", TimedPayload(U32BigEndian(1000) + U32BigEndian(1000) + U32BigEndian(0x00010000) +
                               "\x01" + std::string(1 + 10 + 36 + 24, '\0') + U32BigEndian(2)));
  // tkhd v0: times, track id, reserved, duration, reserved, layer, group,
  // volume, reserved, matrix, then width and height in 16.16.
  std::string tkhd = Box("tkhd", TimedPayload(U32BigEndian(1) + std::string(4, '\0') +
                                              U32BigEndian(1000) + std::string(8 + 8 + 36, '\0') +
                                              U32BigEndian(static_cast<uint32_t>(width) << 16) +
                                              U32BigEndian(static_cast<uint32_t>(height) << 16)));
  std::string mdhd =
      Box("mdhd", TimedPayload(U32BigEndian(1000) + U32BigEndian(1000) + std::string(4, '\0')));
  std::string trak = Box("trak", tkhd + Box("mdia", mdhd));
  std::string xyz = Box("\xA9xyz", std::string("\x00\x12\x15\xC7", 4) + std::string(kMp4Location));
  std::string mak = Box("\xA9mak", std::string("\x00\x10\x15\xC7", 4) + std::string(kMp4Make));
  std::string moov = Box("moov", mvhd + trak + Box("udta", xyz + mak));
  std::string xmp = Box("uuid",
                        "\xBE\x7A\xCF\xCB\x97\xA9\x42\xE8\x9C\x71\x99\x94\x91\xE3\xAF\xAC"
                        "<x:xmpmeta><exif:GPSLatitude>39,26.514N</exif:GPSLatitude></x:xmpmeta>");
  std::string mdat = Box("mdat", "civicgrid-test-sample-data");
  return ftyp + moov + xmp + mdat;
}

std::string WithPngText(std::string_view png, std::string_view keyword, std::string_view text) {
  std::string data = std::string(keyword) + std::string(1, '\0') + std::string(text);
  std::string typed = "tEXt" + data;
  uint32_t crc = 0xFFFFFFFFu;  // CRC-32 (ISO 3309) over type and data
  for (unsigned char c : typed) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  std::string chunk =
      U32BigEndian(static_cast<uint32_t>(data.size())) + typed + U32BigEndian(crc ^ 0xFFFFFFFFu);
  const size_t after_ihdr = 8 + 8 + 13 + 4;  // signature, IHDR header, data, CRC
  return std::string(png.substr(0, after_ihdr)) + chunk + std::string(png.substr(after_ihdr));
}

bool ImageInfo::HasFieldStartingWith(std::string_view prefix) const {
  for (const auto& f : fields) {
    if (f.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

ImageInfo Inspect(std::string_view bytes) {
  Ensure();
  Image image(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr));
  if (!image) Fail("load");
  ImageInfo info;
  info.width = vips_image_get_width(image.get());
  info.height = vips_image_get_height(image.get());
  const char* loader = nullptr;
  if (vips_image_get_string(image.get(), VIPS_META_LOADER, &loader) == 0) info.loader = loader;
  char** fields = vips_image_get_fields(image.get());
  for (char** f = fields; *f != nullptr; ++f) info.fields.emplace_back(*f);
  g_strfreev(fields);
  return info;
}

}  // namespace civicgrid::media::testing
