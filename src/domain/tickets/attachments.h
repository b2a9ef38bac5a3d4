// AttachmentService: the photos and videos residents and staff attach to
// tickets (随手拍 photos, before/after pictures of a repair).
//
// An upload is judged by its bytes, not by its declared Content-Type: only
// JPEG, PNG, WebP and MP4 are accepted, images up to max_image_bytes and
// videos up to max_video_bytes. What is kept is a copy without identifying
// metadata (media::Normalize: EXIF with GPS, XMP, ICC, MP4 location boxes),
// plus a JPEG thumbnail for images. Files are stored on disk under the
// SHA-256 of the stored bytes (<dir>/<2 hex>/<sha256>), written to a
// temporary file, fsynced and renamed, so a file is either whole or absent;
// the database row is written after the file. The same bytes uploaded again —
// by anyone — give the same attachment row; attachment_upload records each
// uploader.
//
// Who may read an attachment: everyone who uploaded it, and everyone who may
// see a ticket it is linked to (TicketService::VisibleTo); anyone else gets
// NotFound, as for any object outside one's scope. Any signed-in caller may
// upload; linking to a ticket is TicketService's job.
//
// Decoding and re-encoding a phone photo takes from a few hundred
// milliseconds to seconds, so the HTTP layer uses UploadAsync(): the work
// runs on a few worker threads the service owns (started on first use,
// joined by the destructor), which also bounds how many decoded images are
// in memory at once.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/time.h"
#include "domain/access/caller.h"
#include "domain/tickets/ticket_service.h"
#include "media/media.h"
#include "store/pool.h"

namespace civicgrid::domain {

struct AttachmentOptions {
  // Where the files live; created on first upload.
  std::string dir = "var/attachments";
  // Largest image (JPEG, PNG, WebP) accepted, in bytes.
  int64_t max_image_bytes = int64_t{10} << 20;
  // Largest video (MP4) accepted, in bytes.
  int64_t max_video_bytes = int64_t{50} << 20;
  // Pixel limit and re-encoding quality.
  media::NormalizeOptions normalize;
  // Thumbnail box (320 px) and quality.
  media::ThumbnailOptions thumbnail;
  // UploadAsync: uploads processed at once (each may hold a decoded image)…
  size_t workers = 2;
  // …and uploads waiting for a worker before further ones are refused (503).
  size_t max_queued = 16;
};

struct Attachment {
  int64_t id = 0;
  std::string sha256;        // of the stored (stripped) bytes, lower-case hex
  std::string content_type;  // from the content: image/jpeg, image/png, image/webp, video/mp4
  int64_t bytes = 0;         // size of the stored file
  std::optional<int64_t> width;
  std::optional<int64_t> height;
  bool has_thumbnail = false;
  int64_t created_at = 0;
};

struct UploadedAttachment {
  Attachment attachment;
  bool created = false;  // false when the same bytes were stored before
};

struct AttachmentContent {
  std::string content_type;
  std::string sha256;  // of `bytes`
  std::string bytes;
};

using UploadDone = std::function<void(core::Result<UploadedAttachment>)>;

class AttachmentService {
 public:
  AttachmentService(store::Db& db, const core::Clock& clock, const TicketService& tickets,
                    AttachmentOptions options = {});
  // Finishes the uploads already queued, then stops the workers.
  ~AttachmentService();
  AttachmentService(const AttachmentService&) = delete;
  AttachmentService& operator=(const AttachmentService&) = delete;

  // Checks, strips and stores `bytes`. `declared_content_type` may be empty or
  // application/octet-stream; otherwise it must name the type the bytes are.
  // Invalid "content" for bytes that are not a supported file (or do not
  // decode), Invalid "content_type" for an unsupported declared type,
  // TooLarge "content" above the size limit of the kind. Nothing is stored
  // when any check fails.
  core::Result<UploadedAttachment> Upload(const Caller& caller, std::string_view bytes,
                                          std::string_view declared_content_type);
  // Upload() on a worker thread; `done` is called there with the result, or
  // at once (on this thread) with Unavailable when max_queued uploads wait.
  void UploadAsync(Caller caller, std::string bytes, std::string declared_content_type,
                   UploadDone done);

  // The attachment's description, if the caller may read it.
  core::Result<Attachment> Get(const Caller& caller, int64_t id);
  // The stored file, or its JPEG thumbnail (NotFound for videos).
  core::Result<AttachmentContent> Read(const Caller& caller, int64_t id, bool thumbnail);

  const AttachmentOptions& options() const { return options_; }

 private:
  struct Row {
    Attachment attachment;
    std::optional<std::string> thumb_sha256;
  };
  static Row RowFrom(const store::Row& r);  // r: the columns of kColumns (attachments.cc)
  core::Result<media::MediaKind> Check(std::string_view bytes, std::string_view declared) const;
  core::Result<std::optional<Row>> FindBySha(store::Connection& conn, const std::string& sha);
  core::Result<Row> LoadReadable(store::Connection& conn, const Caller& caller, int64_t id);
  core::Result<UploadedAttachment> Record(const Caller& caller, const media::Normalized& file,
                                          const std::string& sha,
                                          const std::optional<std::string>& thumb_sha);
  std::filesystem::path PathFor(std::string_view sha) const;
  core::Status StoreFile(std::string_view sha, std::string_view bytes) const;
  core::Result<std::string> LoadFile(std::string_view sha) const;
  void WorkerLoop();

  store::Db& db_;
  const core::Clock& clock_;
  [[maybe_unused]] const TicketService& tickets_;  // not read yet; clang warns of unused fields
  AttachmentOptions options_;

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mutex_)
  std::vector<std::thread> workers_;         // GUARDED_BY(mutex_); started on first use
  bool stopping_ = false;                    // GUARDED_BY(mutex_)
};

}  // namespace civicgrid::domain
