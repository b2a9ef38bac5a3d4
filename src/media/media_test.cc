#include "media/media.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "media/testing/test_media.h"

namespace civicgrid::media {
namespace {

using testing::Inspect;

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

TEST(SniffTest, NamesTheKindFromTheBytesAlone) {
  struct Case {
    const char* name;
    std::string bytes;
    std::optional<MediaKind> kind;
  };
  std::string qt = testing::TestMp4(16, 16);
  qt.replace(8, 4, "qt  ");
  qt.replace(16, 16, "qt  qt  qt  qt  ");  // QuickTime only, no MP4 brand
  const Case cases[] = {
      {"jpeg", testing::TestJpeg(8, 8), MediaKind::kJpeg},
      {"png", testing::TestPng(8, 8), MediaKind::kPng},
      {"webp", testing::TestWebp(8, 8), MediaKind::kWebp},
      {"mp4", testing::TestMp4(16, 16), MediaKind::kMp4},
      {"text", "这不是图片, just text", std::nullopt},
      {"empty", "", std::nullopt},
      {"two jpeg bytes", "\xFF\xD8", std::nullopt},
      {"riff wave", std::string("RIFF\x10\0\0\0WAVEfmt ", 16), std::nullopt},
      {"quicktime", qt, std::nullopt},
      {"gif", std::string("GIF89a\x01\0\x01\0", 10), std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Sniff(c.bytes), c.kind) << c.name;
  }
}

TEST(SniffTest, ContentTypesMapToKinds) {
  EXPECT_EQ(KindForContentType("image/jpeg"), MediaKind::kJpeg);
  EXPECT_EQ(KindForContentType("IMAGE/JPG"), MediaKind::kJpeg);
  EXPECT_EQ(KindForContentType(" image/png ; charset=binary"), MediaKind::kPng);
  EXPECT_EQ(KindForContentType("image/webp"), MediaKind::kWebp);
  EXPECT_EQ(KindForContentType("video/mp4"), MediaKind::kMp4);
  EXPECT_EQ(KindForContentType("text/plain"), std::nullopt);
  EXPECT_EQ(KindForContentType(""), std::nullopt);
  EXPECT_EQ(ContentTypeOf(MediaKind::kWebp), "image/webp");
  EXPECT_EQ(ExtensionOf(MediaKind::kMp4), "mp4");
}

TEST(SniffTest, BareContentTypeDropsParametersBlanksAndCase) {
  EXPECT_EQ(BareContentType(" Image/JPEG ; q=1"), "image/jpeg");
  EXPECT_EQ(BareContentType("\tvideo/MP4\t"), "video/mp4");
  EXPECT_EQ(BareContentType("text/plain"), "text/plain");
  EXPECT_EQ(BareContentType("; charset=utf-8"), "");
  EXPECT_EQ(BareContentType(""), "");
}

TEST(NormalizeTest, JpegLosesExifAndGpsAndIsTurnedUpright) {
  testing::ExifSpec spec;
  spec.orientation = 6;  // stored sideways: display turned 90° clockwise
  std::string input = testing::WithExif(testing::TestJpeg(64, 32), spec);
  auto before = Inspect(input);
  ASSERT_TRUE(before.HasFieldStartingWith("exif-ifd3-GPSLatitude")) << "test image has no GPS";
  ASSERT_TRUE(Contains(input, spec.make));

  auto normalized = Normalize(input, MediaKind::kJpeg);
  ASSERT_TRUE(normalized.ok()) << normalized.error().message;
  EXPECT_EQ(normalized->kind, MediaKind::kJpeg);
  EXPECT_EQ(normalized->width, 32);
  EXPECT_EQ(normalized->height, 64);
  EXPECT_FALSE(Contains(normalized->bytes, std::string("Exif\0\0", 6)));
  EXPECT_FALSE(Contains(normalized->bytes, "\xFF\xE1"));  // no APP1 segment at all
  EXPECT_FALSE(Contains(normalized->bytes, spec.make));
  auto after = Inspect(normalized->bytes);
  EXPECT_FALSE(after.HasFieldStartingWith("exif-"));
  EXPECT_FALSE(after.HasFieldStartingWith("orientation"));
  EXPECT_EQ(after.width, 32);
  EXPECT_EQ(after.height, 64);
  EXPECT_EQ(Sniff(normalized->bytes), MediaKind::kJpeg);
}

TEST(NormalizeTest, IsDeterministicSoEqualUploadsHashEqual) {
  std::string input = testing::WithExif(testing::TestJpeg(40, 30));
  auto a = Normalize(input, MediaKind::kJpeg);
  auto b = Normalize(input, MediaKind::kJpeg);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->bytes, b->bytes);
}

TEST(NormalizeTest, PngLosesTextChunksAndKeepsAlpha) {
  std::string input =
      testing::WithPngText(testing::TestPng(30, 20, true), "Comment", "住址:某小区");
  ASSERT_TRUE(Inspect(input).HasFieldStartingWith("png-comment"));
  auto normalized = Normalize(input, MediaKind::kPng);
  ASSERT_TRUE(normalized.ok()) << normalized.error().message;
  EXPECT_EQ(normalized->width, 30);
  EXPECT_EQ(normalized->height, 20);
  EXPECT_FALSE(Contains(normalized->bytes, "某小区"));
  auto after = Inspect(normalized->bytes);
  EXPECT_FALSE(after.HasFieldStartingWith("png-comment"));
  EXPECT_EQ(Sniff(normalized->bytes), MediaKind::kPng);
}

TEST(NormalizeTest, WebpIsReencodedAsWebp) {
  auto normalized = Normalize(testing::TestWebp(50, 40), MediaKind::kWebp);
  ASSERT_TRUE(normalized.ok()) << normalized.error().message;
  EXPECT_EQ(Sniff(normalized->bytes), MediaKind::kWebp);
  EXPECT_EQ(normalized->width, 50);
  EXPECT_EQ(normalized->height, 40);
}

TEST(NormalizeTest, RefusesWhatDoesNotDecodeNamingContent) {
  std::string jpeg = testing::TestJpeg(64, 64);
  struct Case {
    const char* name;
    std::string bytes;
    MediaKind kind;
  };
  const Case cases[] = {
      {"jpeg magic then junk", std::string("\xFF\xD8\xFF\xE0") + std::string(200, 'x'),
       MediaKind::kJpeg},
      {"truncated jpeg", jpeg.substr(0, jpeg.size() / 2), MediaKind::kJpeg},
      {"png magic only", "\x89PNG\r\n\x1A\n", MediaKind::kPng},
      {"webp header only", std::string("RIFF\x04\0\0\0WEBP", 12), MediaKind::kWebp},
  };
  for (const Case& c : cases) {
    auto normalized = Normalize(c.bytes, c.kind);
    ASSERT_FALSE(normalized.ok()) << c.name;
    EXPECT_EQ(normalized.error().code, core::ErrorCode::kInvalid) << c.name;
    EXPECT_EQ(normalized.error().field, "content") << c.name;
  }
}

TEST(NormalizeTest, RefusesImagesWithTooManyPixels) {
  NormalizeOptions options;
  options.max_pixels = 5000;
  auto normalized = Normalize(testing::TestPng(100, 100), MediaKind::kPng, options);
  ASSERT_FALSE(normalized.ok());
  EXPECT_EQ(normalized.error().field, "content");
  EXPECT_TRUE(Normalize(testing::TestPng(50, 100), MediaKind::kPng, options).ok());
}

TEST(ThumbnailTest, FitsTheBoxKeepsTheAspectAndNeverEnlarges) {
  struct Case {
    const char* name;
    std::string image;
    int64_t width, height;
  };
  const Case cases[] = {
      {"landscape jpeg", testing::TestJpeg(800, 400), 320, 160},
      {"portrait png", testing::TestPng(300, 600), 160, 320},
      {"png with alpha", testing::TestPng(640, 640, true), 320, 320},
      {"webp", testing::TestWebp(1000, 500), 320, 160},
      {"small stays small", testing::TestJpeg(100, 50), 100, 50},
  };
  for (const Case& c : cases) {
    auto thumb = MakeThumbnail(c.image);
    ASSERT_TRUE(thumb.ok()) << c.name << ": " << thumb.error().message;
    EXPECT_EQ(Sniff(thumb->jpeg), MediaKind::kJpeg) << c.name;
    EXPECT_EQ(thumb->width, c.width) << c.name;
    EXPECT_EQ(thumb->height, c.height) << c.name;
    auto info = Inspect(thumb->jpeg);
    EXPECT_EQ(info.width, c.width) << c.name;
    EXPECT_EQ(info.height, c.height) << c.name;
    EXPECT_FALSE(info.HasFieldStartingWith("exif-")) << c.name;
  }
}

TEST(ThumbnailTest, RefusesVideoAndJunk) {
  EXPECT_FALSE(MakeThumbnail(testing::TestMp4(16, 16)).ok());
  EXPECT_FALSE(MakeThumbnail("not an image").ok());
}

TEST(Mp4Test, LocationMakeXmpAndTimesAreNeutralisedInPlace) {
  std::string input = testing::TestMp4(640, 360);
  ASSERT_TRUE(Contains(input, testing::kMp4Location));
  auto stripped = Normalize(input, MediaKind::kMp4);
  ASSERT_TRUE(stripped.ok()) << stripped.error().message;
  const std::string& out = stripped->bytes;
  EXPECT_EQ(out.size(), input.size());
  EXPECT_FALSE(Contains(out, testing::kMp4Location));
  EXPECT_FALSE(Contains(out, "\xA9xyz"));
  EXPECT_FALSE(Contains(out, testing::kMp4Make));
  EXPECT_FALSE(Contains(out, "GPSLatitude"));
  EXPECT_FALSE(Contains(out, testing::kMp4Time));
  EXPECT_EQ(stripped->width, 640);
  EXPECT_EQ(stripped->height, 360);
  // The file type, the track structure and the samples are untouched.
  EXPECT_EQ(out.substr(0, 32), input.substr(0, 32));
  EXPECT_TRUE(Contains(out, "mdatcivicgrid-test-sample-data"));
  EXPECT_TRUE(Contains(out, "trak"));
  EXPECT_TRUE(Contains(out, "free"));
  // Stripping again finds nothing more to do.
  auto again = StripMp4(out);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bytes, out);
}

TEST(Mp4Test, RefusesBrokenBoxStructure) {
  std::string good = testing::TestMp4(64, 64);
  std::string oversized = good;
  oversized[32] = '\x7F';  // moov's size now runs past the end of the file
  std::string no_moov = good.substr(0, 32) + std::string("\0\0\0\x10mdat12345678", 16);
  for (const std::string& bad : {oversized, no_moov, good.substr(0, good.size() - 3)}) {
    auto stripped = StripMp4(bad);
    ASSERT_FALSE(stripped.ok());
    EXPECT_EQ(stripped.error().field, "content");
  }
}

// A box inside a box, a million deep, fits in an 8 MB upload: the rewriter
// must refuse it rather than recurse once per level (a stack overflow that
// took the server down).
TEST(Mp4Test, RefusesBoxesNestedDeeperThanAnMp4Has) {
  const std::string ftyp = testing::TestMp4(64, 64).substr(0, 32);
  for (const size_t depth : {size_t{9}, size_t{1'000'000}}) {
    std::string nested = ftyp;
    for (size_t level = 0; level < depth; ++level) {
      const auto size = static_cast<uint32_t>(8 * (depth - level));
      for (int shift = 24; shift >= 0; shift -= 8) {
        nested.push_back(static_cast<char>((size >> shift) & 0xFF));
      }
      nested += level % 2 == 0 ? "moov" : "trak";
    }
    auto stripped = StripMp4(nested);
    ASSERT_FALSE(stripped.ok()) << depth;
    EXPECT_EQ(stripped.error().field, "content");
  }
}

}  // namespace
}  // namespace civicgrid::media
