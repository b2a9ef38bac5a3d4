// Test support: small images and videos made on the spot, so no test depends
// on a binary fixture file.
//
// Images come from libvips (a gradient, so encoders have something to do);
// WithExif() splices a hand-built EXIF APP1 segment (make, orientation and a
// GPS IFD with latitude and longitude) into a JPEG; TestMp4() builds an
// ISO-BMFF file with a ©xyz location, a ©mak make, an XMP packet with GPS
// and a video track of the given size. Inspection helpers read images back
// through libvips. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace civicgrid::media::testing {

// Distinct `shade` values give distinct files of the same size.
std::string TestJpeg(int width, int height, int shade = 128);
std::string TestPng(int width, int height, bool alpha = false, int shade = 128);
std::string TestWebp(int width, int height, int shade = 128);

// What WithExif writes; the make is a marker a test can search the bytes for.
struct ExifSpec {
  int orientation = 1;
  double latitude = 39.4419;    // north
  double longitude = 116.2987;  // east
  std::string make = "CivicgridTestCam";
};
std::string WithExif(std::string_view jpeg, const ExifSpec& spec = {});

// A PNG with a tEXt chunk (keyword, text) inserted after IHDR.
std::string WithPngText(std::string_view png, std::string_view keyword, std::string_view text);

// The location string TestMp4 puts in its ©xyz box, and its make marker.
inline constexpr std::string_view kMp4Location = "+39.4419+116.2987/";
inline constexpr std::string_view kMp4Make = "CivicgridTestCam";
// A creation time planted in mvhd/tkhd/mdhd (0xCAFEBABE).
inline constexpr std::string_view kMp4Time = "\xCA\xFE\xBA\xBE";
std::string TestMp4(int width, int height);

struct ImageInfo {
  int64_t width = 0;
  int64_t height = 0;
  std::string loader;               // "jpegload_buffer" …
  std::vector<std::string> fields;  // every metadata field libvips sees
  bool HasFieldStartingWith(std::string_view prefix) const;
};
// Throws std::runtime_error when the bytes are not an image.
ImageInfo Inspect(std::string_view image);

}  // namespace civicgrid::media::testing
