// Attachments over real HTTP, on both backends: photos and videos uploaded as
// raw bodies come back without EXIF/GPS, the type is judged by the bytes,
// size limits answer 413, thumbnails fit 320 px, and nobody but the uploader
// (or whoever sees a linked ticket) reads an attachment.
#include <boost/json.hpp>

#include <filesystem>

#include "api_harness.h"
#include "core/crypto.h"
#include "media/testing/test_media.h"

namespace civicgrid::tests {
namespace {

namespace mt = media::testing;

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

class AttachmentsApiTest : public ApiTest {
 protected:
  http::ClientResponse Upload(const std::string& user, const std::string& bytes,
                              const std::string& content_type) {
    return As(user).Send("POST", "/api/v1/attachments", bytes, {{"Content-Type", content_type}});
  }
  // Uploads and returns the attachment's JSON, failing the test unless 201.
  boost::json::object MustUpload(const std::string& user, const std::string& bytes,
                                 const std::string& content_type) {
    auto response = Upload(user, bytes, content_type);
    EXPECT_EQ(response.status, 201u) << response.body;
    if (response.status != 201u) return {};
    return response.Json().as_object();
  }
  static std::string Url(const boost::json::object& a) {
    return std::string(a.at("url").as_string());
  }
  size_t FilesStored() const {
    std::filesystem::path dir = std::filesystem::path(dir_) / "attachments";
    if (!std::filesystem::exists(dir)) return 0;
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      n += e.is_regular_file() ? 1 : 0;
    }
    return n;
  }
  // A second resident account, for ra2 in community A's other grid.
  void AddSecondResident() {
    domain::NewAccount a{"resident2",       "resident2",  kPassword,    domain::Role::kResident,
                         w_.building_a2.id, std::nullopt, std::nullopt, w_.ra2.id};
    auto created = app_->accounts().CreateAccount(nullptr, a);
    ASSERT_TRUE(created.ok()) << created.error().message;
  }
};

TEST_P(AttachmentsApiTest, JpegWithExifGpsIsDownloadedWithout) {
  mt::ExifSpec spec;
  std::string photo = mt::WithExif(mt::TestJpeg(1200, 900), spec);
  ASSERT_TRUE(mt::Inspect(photo).HasFieldStartingWith("exif-ifd3-GPSLatitude"));
  auto a = MustUpload("resident1", photo, "image/jpeg");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.at("content_type").as_string(), "image/jpeg");
  EXPECT_EQ(a.at("width").as_int64(), 1200);
  EXPECT_EQ(a.at("height").as_int64(), 900);
  EXPECT_TRUE(a.at("has_thumbnail").as_bool());

  auto download = As("resident1").Send("GET", Url(a));
  ASSERT_EQ(download.status, 200u) << download.body;
  EXPECT_EQ(download.Header("Content-Type"), "image/jpeg");
  EXPECT_EQ(download.Header("X-Content-Type-Options"), "nosniff");
  const std::string id = std::to_string(a.at("id").as_int64());
  EXPECT_EQ(download.Header("Content-Disposition"),
            "inline; filename=\"attachment-" + id + ".jpg\"");
  EXPECT_EQ(download.Header("ETag"), "\"" + std::string(a.at("sha256").as_string()) + "\"");
  EXPECT_EQ(core::Sha256Hex(download.body), a.at("sha256").as_string());
  EXPECT_EQ(static_cast<int64_t>(download.body.size()), a.at("bytes").as_int64());
  EXPECT_FALSE(Contains(download.body, std::string("Exif\0\0", 6)));
  EXPECT_FALSE(Contains(download.body, spec.make));
  auto info = mt::Inspect(download.body);
  EXPECT_FALSE(info.HasFieldStartingWith("exif-"));
  EXPECT_EQ(info.width, 1200);

  auto meta = As("resident1").Send("GET", Url(a) + "/meta");
  ASSERT_EQ(meta.status, 200u) << meta.body;
  EXPECT_EQ(meta.Json().at("id").as_int64(), a.at("id").as_int64());
}

TEST_P(AttachmentsApiTest, PngAndVideoAreAcceptedAndTheSameFileTwiceIsOneAttachment) {
  std::string png = mt::TestPng(300, 600, true);
  auto first = MustUpload("resident1", png, "image/png");
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.at("content_type").as_string(), "image/png");
  auto again = Upload("resident1", png, "image/png");
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.Json().at("id").as_int64(), first.at("id").as_int64());
  EXPECT_EQ(Count("attachment"), 1);

  auto video = MustUpload("member1", mt::TestMp4(640, 360), "video/mp4");
  ASSERT_FALSE(video.empty());
  EXPECT_EQ(video.at("content_type").as_string(), "video/mp4");
  EXPECT_TRUE(video.at("thumbnail_url").is_null());
  auto clip = As("member1").Send("GET", Url(video));
  ASSERT_EQ(clip.status, 200u);
  EXPECT_EQ(clip.Header("Content-Type"), "video/mp4");
  EXPECT_EQ(
      clip.Header("Content-Disposition"),
      "inline; filename=\"attachment-" + std::to_string(video.at("id").as_int64()) + ".mp4\"");
  EXPECT_FALSE(Contains(clip.body, mt::kMp4Location));
  EXPECT_EQ(As("member1").Send("GET", Url(video) + "/thumbnail").status, 404u);
}

TEST_P(AttachmentsApiTest, ThumbnailsFitIn320Pixels) {
  struct Case {
    std::string bytes, type;
    int64_t width, height;
  };
  const Case cases[] = {{mt::TestJpeg(1200, 900), "image/jpeg", 320, 240},
                        {mt::TestPng(300, 600, true), "image/png", 160, 320},
                        {mt::TestWebp(200, 100), "image/webp", 200, 100}};
  for (const Case& c : cases) {
    auto a = MustUpload("worker1", c.bytes, c.type);
    ASSERT_FALSE(a.empty()) << c.type;
    auto thumb = As("worker1").Send("GET", std::string(a.at("thumbnail_url").as_string()));
    ASSERT_EQ(thumb.status, 200u) << c.type << ": " << thumb.body;
    EXPECT_EQ(thumb.Header("Content-Type"), "image/jpeg");
    EXPECT_EQ(thumb.Header("Content-Disposition"), "inline; filename=\"attachment-" +
                                                       std::to_string(a.at("id").as_int64()) +
                                                       "-thumbnail.jpg\"")
        << c.type;
    auto info = mt::Inspect(thumb.body);
    EXPECT_EQ(info.width, c.width) << c.type;
    EXPECT_EQ(info.height, c.height) << c.type;
  }
}

TEST_P(AttachmentsApiTest, AFileThatOnlyClaimsToBeJpegIsRefusedAndNothingIsStored) {
  auto response = Upload("resident1", "这不是照片，只是一段文字。\n", "image/jpeg");
  ASSERT_EQ(response.status, 422u) << response.body;
  auto error = response.Json().at("error");
  EXPECT_EQ(error.at("code").as_string(), "invalid");
  EXPECT_EQ(error.at("field").as_string(), "content");
  auto png_as_jpeg = Upload("resident1", mt::TestPng(10, 10), "image/jpeg");
  EXPECT_EQ(png_as_jpeg.status, 422u);
  auto unsupported = Upload("resident1", mt::TestJpeg(10, 10), "application/pdf");
  ASSERT_EQ(unsupported.status, 422u);
  EXPECT_EQ(unsupported.Json().at("error").at("field").as_string(), "content_type");
  EXPECT_EQ(Upload("resident1", "", "image/jpeg").status, 422u);
  EXPECT_EQ(Count("attachment"), 0);
  EXPECT_EQ(FilesStored(), 0u);
}

TEST_P(AttachmentsApiTest, ATwentyMegabytePhotoIsTooLargeAndNothingIsStored) {
  // A real JPEG followed by padding: decodable, but 20 MB on the wire.
  std::string photo = mt::TestJpeg(64, 64);
  photo.resize(20'000'000, '\0');
  auto response = Upload("resident1", photo, "image/jpeg");
  ASSERT_EQ(response.status, 413u) << response.body;
  EXPECT_EQ(response.Json().at("error").at("code").as_string(), "too_large");
  EXPECT_EQ(Count("attachment"), 0);
  EXPECT_EQ(FilesStored(), 0u);
}

TEST_P(AttachmentsApiTest, OnlyTheUploaderReadsAnUnlinkedAttachment) {
  AddSecondResident();
  auto a = MustUpload("resident1", mt::WithExif(mt::TestJpeg(80, 60)), "image/jpeg");
  ASSERT_FALSE(a.empty());
  for (const char* other : {"resident2", "member1", "secretary1", "admin"}) {
    for (const std::string& suffix :
         {std::string(), std::string("/thumbnail"), std::string("/meta")}) {
      auto response = As(other).Send("GET", Url(a) + suffix);
      EXPECT_EQ(response.status, 404u) << other << " " << suffix << ": " << response.body;
    }
  }
  EXPECT_EQ(Anonymous()->Send("GET", Url(a)).status, 401u);
  EXPECT_EQ(As("resident1").Send("GET", Url(a)).status, 200u);
  EXPECT_EQ(As("resident1").Send("GET", "/api/v1/attachments/999999").status, 404u);
  EXPECT_EQ(Anonymous()
                ->Send("POST", "/api/v1/attachments", mt::TestJpeg(8, 8),
                       {{"Content-Type", "image/jpeg"}})
                .status,
            401u);
}

TEST_P(AttachmentsApiTest, ALinkedPhotoIsReadByThoseWhoSeeTheTicket) {
  AddSecondResident();
  auto a = MustUpload("resident1", mt::TestJpeg(90, 60), "image/jpeg");
  ASSERT_FALSE(a.empty());
  auto categories = As("resident1").Send("GET", "/api/v1/categories");
  ASSERT_EQ(categories.status, 200u) << categories.body;
  const boost::json::value body = categories.Json();
  const auto& list = body.at("items").as_array();
  ASSERT_FALSE(list.empty());
  boost::json::object ticket{{"category_id", list.front().at("id")},
                             {"description", "楼道灯不亮，附照片"},
                             {"node_id", w_.grid_a1.id},
                             {"is_public", false},
                             {"attachment_ids", boost::json::array{a.at("id")}}};
  auto submitted = As("resident1").Send("POST", "/api/v1/tickets", boost::json::serialize(ticket));
  ASSERT_EQ(submitted.status, 201u) << submitted.body;
  EXPECT_EQ(As("secretary1").Send("GET", Url(a)).status, 200u);
  EXPECT_EQ(As("grid1").Send("GET", Url(a) + "/thumbnail").status, 200u);
  EXPECT_EQ(As("grid2").Send("GET", Url(a)).status, 404u);
  EXPECT_EQ(As("resident2").Send("GET", Url(a)).status, 404u);
}

INSTANTIATE_TEST_SUITE_P(Backends, AttachmentsApiTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
