#include "domain/tickets/attachments.h"

#include <filesystem>
#include <future>
#include <set>

#include "core/crypto.h"
#include "domain/registry/grid_locator.h"
#include "domain/testing/domain_fixture.h"
#include "media/testing/test_media.h"

namespace civicgrid::domain {
namespace {

namespace mt = media::testing;

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

class AttachmentTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = std::filesystem::temp_directory_path() / ("cg-attach-" + core::RandomToken(6));
    accounts_ = std::make_unique<AccountService>(test_db_->db(), clock_, *audit_,
                                                 AccountOptions{core::PasswordOptions{1, 8192}});
    locator_ = std::make_unique<GridLocator>(test_db_->db());
    categories_ = std::make_unique<CategoryService>(test_db_->db(), clock_, *audit_);
    ASSERT_TRUE(categories_->SeedDefaults().ok());
    tickets_ = std::make_unique<TicketService>(test_db_->db(), clock_, *audit_, cipher_, *locator_,
                                               *categories_);
    Reopen({});
    resident_ = Account("resident_a", Role::kResident, tree_.building_a1);
    neighbour_ = Account("resident_b", Role::kResident, tree_.building_a2);
    secretary_ = Account("secretary_a", Role::kCommunitySecretary, tree_.community_a);
    grid_b_ = Account("grid_b", Role::kGridWorker, tree_.grid_b1);
    admin_ = Account("admin", Role::kCountyAdmin, tree_.county);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  // A new service over the same database and directory with other limits.
  void Reopen(AttachmentOptions options) {
    options.dir = dir_.string();
    service_ = std::make_unique<AttachmentService>(test_db_->db(), clock_, *tickets_, options);
  }

  Caller Account(const std::string& name, Role role, const OrgNode& scope) {
    NewAccount a{name,     name,         "password-123", role,
                 scope.id, std::nullopt, std::nullopt,   std::nullopt};
    auto created = accounts_->CreateAccount(nullptr, a);
    EXPECT_TRUE(created.ok()) << name << ": " << created.error().message;
    auto caller = accounts_->CallerForUsername(name);
    EXPECT_TRUE(caller.ok());
    return caller.ok() ? *caller : Caller{};
  }

  UploadedAttachment MustUpload(const Caller& caller, const std::string& bytes,
                                const std::string& type) {
    auto uploaded = service_->Upload(caller, bytes, type);
    EXPECT_TRUE(uploaded.ok()) << uploaded.error().message;
    return uploaded.ok() ? *uploaded : UploadedAttachment{};
  }

  int64_t Count(const std::string& table) {
    auto conn = test_db_->db().Acquire();
    return (*conn)->QueryInt("SELECT COUNT(*) FROM " + table).value();
  }
  size_t FilesOnDisk() const {
    if (!std::filesystem::exists(dir_)) return 0;
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
      n += e.is_regular_file() ? 1 : 0;
    }
    return n;
  }
  bool IsSkipped() const { return skipped_; }

  // A private (not public-board) ticket in grid A1 filed by `caller`.
  Ticket Submit(const Caller& caller, std::vector<int64_t> attachment_ids) {
    auto categories = categories_->List();
    EXPECT_TRUE(categories.ok() && !categories->empty());
    NewTicket t;
    t.category_id = categories->front().id;
    t.description = "楼道灯坏了，附照片";
    t.node_id = tree_.grid_a1.id;
    t.is_public = false;
    t.attachment_ids = std::move(attachment_ids);
    auto submitted = tickets_->Submit(caller, t);
    EXPECT_TRUE(submitted.ok()) << submitted.error().message;
    return submitted.ok() ? *submitted : Ticket{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<AccountService> accounts_;
  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketService> tickets_;
  std::unique_ptr<AttachmentService> service_;
  Caller resident_, neighbour_, secretary_, grid_b_, admin_;
};

TEST_P(AttachmentTest, JpegIsStrippedOfGpsStoredByHashAndReadBackByItsUploader) {
  mt::ExifSpec spec;
  spec.orientation = 6;
  std::string photo = mt::WithExif(mt::TestJpeg(800, 600), spec);
  UploadedAttachment up = MustUpload(resident_, photo, "image/jpeg");
  EXPECT_TRUE(up.created);
  const Attachment& a = up.attachment;
  EXPECT_GT(a.id, 0);
  EXPECT_EQ(a.content_type, "image/jpeg");
  EXPECT_EQ(a.width, 600);  // turned upright from the EXIF orientation
  EXPECT_EQ(a.height, 800);
  EXPECT_TRUE(a.has_thumbnail);

  auto content = service_->Read(resident_, a.id, false);
  ASSERT_TRUE(content.ok()) << content.error().message;
  EXPECT_EQ(content->content_type, "image/jpeg");
  EXPECT_EQ(core::Sha256Hex(content->bytes), a.sha256);
  EXPECT_EQ(static_cast<int64_t>(content->bytes.size()), a.bytes);
  EXPECT_FALSE(Contains(content->bytes, std::string("Exif\0\0", 6)));
  EXPECT_FALSE(Contains(content->bytes, spec.make));
  EXPECT_FALSE(mt::Inspect(content->bytes).HasFieldStartingWith("exif-"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / a.sha256.substr(0, 2) / a.sha256));

  auto thumb = service_->Read(resident_, a.id, true);
  ASSERT_TRUE(thumb.ok()) << thumb.error().message;
  EXPECT_EQ(thumb->content_type, "image/jpeg");
  auto info = mt::Inspect(thumb->bytes);
  EXPECT_EQ(info.width, 240);
  EXPECT_EQ(info.height, 320);
  EXPECT_EQ(FilesOnDisk(), 2u);  // the photo and its thumbnail
}

TEST_P(AttachmentTest, TheSameBytesTwiceAreOneAttachmentForEveryUploader) {
  std::string photo = mt::WithExif(mt::TestJpeg(120, 80));
  UploadedAttachment first = MustUpload(resident_, photo, "image/jpeg");
  UploadedAttachment again = MustUpload(resident_, photo, "image/jpeg");
  UploadedAttachment other = MustUpload(neighbour_, photo, "");
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(again.created);
  EXPECT_FALSE(other.created);
  EXPECT_EQ(again.attachment.id, first.attachment.id);
  EXPECT_EQ(other.attachment.id, first.attachment.id);
  EXPECT_EQ(Count("attachment"), 1);
  EXPECT_EQ(Count("attachment_upload"), 2);
  EXPECT_EQ(FilesOnDisk(), 2u);
  // Having uploaded the bytes, the neighbour may read them.
  EXPECT_TRUE(service_->Read(neighbour_, first.attachment.id, false).ok());
}

TEST_P(AttachmentTest, TheContentDecidesTheTypeAndRefusalsStoreNothing) {
  struct Case {
    const char* name;
    std::string bytes;
    std::string declared;
    std::string field;
  };
  const Case cases[] = {
      {"text claiming jpeg", "这是一段文字，不是照片。", "image/jpeg", "content"},
      {"png claiming jpeg", mt::TestPng(20, 20), "image/jpeg", "content"},
      {"jpeg claiming text", mt::TestJpeg(20, 20), "text/plain", "content_type"},
      {"empty", "", "image/png", "content"},
      {"jpeg magic, junk after", std::string("\xFF\xD8\xFF\xE0") + std::string(500, 'x'),
       "image/jpeg", "content"},
      {"gif", "GIF89a-not-supported", "image/gif", "content_type"},
  };
  for (const Case& c : cases) {
    auto uploaded = service_->Upload(resident_, c.bytes, c.declared);
    ASSERT_FALSE(uploaded.ok()) << c.name;
    EXPECT_EQ(uploaded.error().code, core::ErrorCode::kInvalid) << c.name;
    EXPECT_EQ(uploaded.error().field, c.field) << c.name << ": " << uploaded.error().message;
  }
  EXPECT_EQ(Count("attachment"), 0);
  EXPECT_EQ(FilesOnDisk(), 0u);
  // Declared types are matched loosely; an unspecific one defers to the bytes.
  EXPECT_TRUE(service_->Upload(resident_, mt::TestJpeg(20, 20), "Image/JPG; x=1").ok());
  EXPECT_TRUE(service_->Upload(resident_, mt::TestPng(20, 20), "application/octet-stream").ok());
  EXPECT_TRUE(service_->Upload(resident_, mt::TestWebp(20, 20), "").ok());
}

TEST_P(AttachmentTest, EachKindHasItsSizeLimit) {
  AttachmentOptions small;
  small.max_image_bytes = 4000;
  small.max_video_bytes = 300;
  Reopen(small);
  std::string padded = mt::TestJpeg(16, 16) + std::string(5000, '\0');  // valid JPEG, then junk
  auto image = service_->Upload(resident_, padded, "image/jpeg");
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.error().code, core::ErrorCode::kTooLarge);
  EXPECT_EQ(image.error().field, "content");
  std::string video = mt::TestMp4(64, 64);
  ASSERT_GT(video.size(), 300u);
  auto too_long = service_->Upload(resident_, video, "video/mp4");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, core::ErrorCode::kTooLarge);
  EXPECT_EQ(Count("attachment"), 0);
  EXPECT_EQ(FilesOnDisk(), 0u);
  EXPECT_TRUE(service_->Upload(resident_, mt::TestJpeg(16, 16), "image/jpeg").ok());
}

TEST_P(AttachmentTest, VideoIsStoredWithoutLocationAndHasNoThumbnail) {
  UploadedAttachment up = MustUpload(resident_, mt::TestMp4(640, 360), "video/mp4");
  EXPECT_EQ(up.attachment.content_type, "video/mp4");
  EXPECT_EQ(up.attachment.width, 640);
  EXPECT_EQ(up.attachment.height, 360);
  EXPECT_FALSE(up.attachment.has_thumbnail);
  auto content = service_->Read(resident_, up.attachment.id, false);
  ASSERT_TRUE(content.ok());
  EXPECT_FALSE(Contains(content->bytes, mt::kMp4Location));
  EXPECT_FALSE(Contains(content->bytes, mt::kMp4Make));
  auto thumb = service_->Read(resident_, up.attachment.id, true);
  ASSERT_FALSE(thumb.ok());
  EXPECT_EQ(thumb.error().code, core::ErrorCode::kNotFound);
}

TEST_P(AttachmentTest, AnUnlinkedAttachmentIsOnlyItsUploaders) {
  int64_t id = MustUpload(resident_, mt::TestPng(40, 40), "image/png").attachment.id;
  for (const Caller* other : {&neighbour_, &secretary_, &admin_}) {
    auto read = service_->Read(*other, id, false);
    ASSERT_FALSE(read.ok()) << other->username;
    EXPECT_EQ(read.error().code, core::ErrorCode::kNotFound) << other->username;
    EXPECT_FALSE(service_->Get(*other, id).ok()) << other->username;
  }
  EXPECT_EQ(service_->Read(resident_, id + 1000, false).error().code, core::ErrorCode::kNotFound);
}

TEST_P(AttachmentTest, ALinkedAttachmentIsVisibleToWhoeverSeesTheTicket) {
  int64_t id = MustUpload(resident_, mt::TestJpeg(64, 48), "image/jpeg").attachment.id;
  Ticket ticket = Submit(resident_, {id});
  ASSERT_EQ(ticket.attachment_ids, std::vector<int64_t>{id});
  // Staff whose scope holds grid A1 see the ticket, hence the photo.
  EXPECT_TRUE(service_->Read(secretary_, id, false).ok());
  EXPECT_TRUE(service_->Read(admin_, id, true).ok());
  auto got = service_->Get(secretary_, id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->width, 64);
  // Neither a grid worker of another community nor another resident does.
  EXPECT_EQ(service_->Read(grid_b_, id, false).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(service_->Read(neighbour_, id, false).error().code, core::ErrorCode::kNotFound);
}

TEST_P(AttachmentTest, AsyncUploadsRunOnTheWorkersAndAllFinish) {
  AttachmentOptions options;
  options.workers = 2;
  Reopen(options);
  constexpr int kUploads = 6;
  std::vector<std::promise<core::Result<UploadedAttachment>>> done(kUploads);
  for (int i = 0; i < kUploads; ++i) {
    service_->UploadAsync(resident_, mt::TestJpeg(64, 48, 10 * i), "image/jpeg",
                          [&done, i](core::Result<UploadedAttachment> r) {
                            done[static_cast<size_t>(i)].set_value(std::move(r));
                          });
  }
  std::set<int64_t> ids;
  for (auto& d : done) {
    auto result = d.get_future().get();
    ASSERT_TRUE(result.ok()) << result.error().message;
    ids.insert(result->attachment.id);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kUploads));
  EXPECT_EQ(Count("attachment"), kUploads);
  // Refusals come back through the same callback.
  std::promise<core::Result<UploadedAttachment>> refused;
  service_->UploadAsync(
      resident_, "文字", "image/jpeg",
      [&refused](core::Result<UploadedAttachment> r) { refused.set_value(std::move(r)); });
  auto result = refused.get_future().get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "content");
}

TEST_P(AttachmentTest, AFullQueueIsRefusedAsUnavailable) {
  AttachmentOptions options;
  options.max_queued = 0;  // nothing may wait
  Reopen(options);
  std::promise<core::Result<UploadedAttachment>> refused;
  service_->UploadAsync(
      resident_, mt::TestJpeg(8, 8), "image/jpeg",
      [&refused](core::Result<UploadedAttachment> r) { refused.set_value(std::move(r)); });
  auto result = refused.get_future().get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, core::ErrorCode::kUnavailable);
  EXPECT_EQ(Count("attachment"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, AttachmentTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
