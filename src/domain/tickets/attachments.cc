#include "domain/tickets/attachments.h"

#include "domain/tickets/ticket_sql.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>

#include "core/crypto.h"

namespace civicgrid::domain {
namespace {

using core::Error;
using media::MediaKind;

constexpr const char* kColumns =
    "SELECT a.id, a.sha256, a.content_type, a.bytes, a.width, a.height, a.thumb_sha256, "
    "a.created_at FROM attachment a ";

constexpr const char* kSupported = "JPEG、PNG、WebP 图片或 MP4 视频";

std::string MiB(int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

Error TooLarge(std::string message) {
  return Error{core::ErrorCode::kTooLarge, std::move(message), "content"};
}

// Writes all of `bytes` to `fd`, retrying short writes.
bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool SyncDirectory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

AttachmentService::AttachmentService(store::Db& db, const core::Clock& clock,
                                     const TicketService& tickets, AttachmentOptions options)
    : db_(db), clock_(clock), tickets_(tickets), options_(std::move(options)) {}

AttachmentService::~AttachmentService() {
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    workers.swap(workers_);
  }
  work_ready_.notify_all();
  for (std::thread& t : workers) t.join();
}

void AttachmentService::UploadAsync(Caller caller, std::string bytes, std::string declared,
                                    UploadDone done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queued) {
      if (workers_.empty()) {
        for (size_t i = 0; i < std::max<size_t>(options_.workers, 1); ++i) {
          workers_.emplace_back([this] { WorkerLoop(); });
        }
      }
      queue_.push_back([this, caller = std::move(caller), bytes = std::move(bytes),
                        declared = std::move(declared),
                        done = std::move(done)] { done(Upload(caller, bytes, declared)); });
      work_ready_.notify_one();
      return;
    }
  }
  done(Error{core::ErrorCode::kUnavailable, "上传的文件正在排队处理，请稍后重试", {}});
}

void AttachmentService::WorkerLoop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and nothing left to finish
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
  media::ReleaseThread();
}

core::Result<MediaKind> AttachmentService::Check(std::string_view bytes,
                                                 std::string_view declared) const {
  if (bytes.empty()) return Error::Invalid("content", std::string("文件为空，请上传") + kSupported);
  std::optional<MediaKind> declared_kind = media::KindForContentType(declared);
  const std::string bare = media::BareContentType(declared);
  if (!declared_kind && !bare.empty() && bare != "application/octet-stream") {
    return Error::Invalid("content_type", "不支持的文件类型 " + bare + "，仅支持" + kSupported);
  }
  // The bytes decide; a declared type only has to agree with them.
  std::optional<MediaKind> kind = media::Sniff(bytes);
  if (!kind) {
    return Error::Invalid(
        "content", std::string("文件内容不是") + kSupported + "（按文件内容判断，而非声明的类型）");
  }
  if (declared_kind && *declared_kind != *kind) {
    return Error::Invalid("content", "文件内容是 " + std::string(media::ContentTypeOf(*kind)) +
                                         "，与声明的类型 " + bare + " 不符");
  }
  const bool image = media::IsImage(*kind);
  const int64_t limit = image ? options_.max_image_bytes : options_.max_video_bytes;
  if (static_cast<int64_t>(bytes.size()) > limit) {
    return TooLarge(std::string(image ? "图片" : "视频") + "不能超过 " + MiB(limit));
  }
  return *kind;
}

core::Result<UploadedAttachment> AttachmentService::Upload(const Caller& caller,
                                                           std::string_view bytes,
                                                           std::string_view declared) {
  CG_ASSIGN_OR_RETURN(MediaKind kind, Check(bytes, declared));
  CG_ASSIGN_OR_RETURN(media::Normalized file, media::Normalize(bytes, kind, options_.normalize));
  const std::string sha = core::Sha256Hex(file.bytes);
  std::optional<Row> existing;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(existing, FindBySha(*conn, sha));
  }
  if (existing) return Record(caller, file, sha, existing->thumb_sha256);
  std::optional<std::string> thumb_sha;
  if (media::IsImage(kind)) {
    CG_ASSIGN_OR_RETURN(media::Thumbnail thumb,
                        media::MakeThumbnail(file.bytes, options_.thumbnail));
    thumb_sha = core::Sha256Hex(thumb.jpeg);
    CG_TRY(StoreFile(*thumb_sha, thumb.jpeg));
  }
  // The files go first: a row never points at a missing file.
  CG_TRY(StoreFile(sha, file.bytes));
  return Record(caller, file, sha, thumb_sha);
}

core::Result<UploadedAttachment> AttachmentService::Record(
    const Caller& caller, const media::Normalized& file, const std::string& sha,
    const std::optional<std::string>& thumb_sha) {
  const int64_t now = clock_.NowMs();
  std::optional<int64_t> width, height;
  if (file.width > 0 && file.height > 0) {
    width = file.width;
    height = file.height;
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  // Two uploads of the same bytes may race: the second insert does nothing
  // and both read the one row.
  CG_ASSIGN_OR_RETURN(
      int64_t inserted,
      conn->Execute("INSERT INTO attachment (sha256, content_type, bytes, width, height, "
                    "thumb_sha256, uploaded_by, created_at) VALUES ($1, $2, $3, CAST($4 AS "
                    "BIGINT), CAST($5 AS BIGINT), CAST($6 AS TEXT), $7, $8) "
                    "ON CONFLICT (sha256) DO NOTHING",
                    {sha, std::string(media::ContentTypeOf(file.kind)),
                     static_cast<int64_t>(file.bytes.size()), width, height, thumb_sha,
                     caller.account_id, now}));
  CG_ASSIGN_OR_RETURN(std::optional<Row> row, FindBySha(*conn, sha));
  if (!row) return Error::Internal("附件记录写入后未找到");
  CG_TRY(conn->Execute(
      "INSERT INTO attachment_upload (attachment_id, account_id, created_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (attachment_id, account_id) DO NOTHING",
      {row->attachment.id, caller.account_id, now}));
  CG_TRY(tx.Commit());
  return UploadedAttachment{row->attachment, inserted > 0};
}

core::Result<std::optional<AttachmentService::Row>> AttachmentService::FindBySha(
    store::Connection& conn, const std::string& sha) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query(std::string(kColumns) + "WHERE a.sha256 = $1", {sha}));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(RowFrom(rows.front()));
}

AttachmentService::Row AttachmentService::RowFrom(const store::Row& r) {
  Row row;
  Attachment& a = row.attachment;
  a.id = r.Int(0);
  a.sha256 = r.Text(1);
  a.content_type = r.Text(2);
  a.bytes = r.Int(3);
  a.width = r.OptInt(4);
  a.height = r.OptInt(5);
  row.thumb_sha256 = r.OptText(6);
  a.has_thumbnail = row.thumb_sha256.has_value();
  a.created_at = r.Int(7);
  return row;
}

core::Result<AttachmentService::Row> AttachmentService::LoadReadable(store::Connection& conn,
                                                                     const Caller& caller,
                                                                     int64_t id) {
  SqlWhere w;
  w.And("a.id = " + w.Param(id));
  const std::string uploaded =
      "EXISTS (SELECT 1 FROM attachment_upload u WHERE u.attachment_id "
      "= a.id AND u.account_id = " +
      w.Param(caller.account_id) + ")";
  w.And("(" + uploaded +
        " OR EXISTS (SELECT 1 FROM ticket_attachment ta JOIN ticket t ON t.id = ta.ticket_id "
        "WHERE ta.attachment_id = a.id AND " +
        VisiblePredicate(caller, w) + "))");
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query(std::string(kColumns) + "WHERE " + w.sql(), w.params()));
  if (rows.empty()) return Error::NotFound("附件不存在");
  return RowFrom(rows.front());
}

core::Result<Attachment> AttachmentService::Get(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(Row row, LoadReadable(*conn, caller, id));
  return row.attachment;
}

core::Result<AttachmentContent> AttachmentService::Read(const Caller& caller, int64_t id,
                                                        bool thumbnail) {
  Row row;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(row, LoadReadable(*conn, caller, id));
  }
  AttachmentContent content;
  if (thumbnail) {
    if (!row.thumb_sha256) return Error::NotFound("该附件没有缩略图");
    content.content_type = std::string(media::ContentTypeOf(MediaKind::kJpeg));
    content.sha256 = *row.thumb_sha256;
  } else {
    content.content_type = row.attachment.content_type;
    content.sha256 = row.attachment.sha256;
  }
  CG_ASSIGN_OR_RETURN(content.bytes, LoadFile(content.sha256));
  return content;
}

std::filesystem::path AttachmentService::PathFor(std::string_view sha) const {
  return std::filesystem::path(options_.dir) / std::string(sha.substr(0, 2)) / std::string(sha);
}

core::Status AttachmentService::StoreFile(std::string_view sha, std::string_view bytes) const {
  const std::filesystem::path path = PathFor(sha);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return {};  // content-addressed: already there
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Error::Internal("无法创建附件目录 " + path.parent_path().string());
  const std::filesystem::path temp =
      path.parent_path() / ("." + std::string(sha) + ".tmp-" + core::RandomToken(6));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return Error::Internal("无法写入附件文件");
  bool ok = WriteAll(fd, bytes) && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  // rename() replaces atomically: a reader sees the whole file or none.
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0 || !SyncDirectory(path.parent_path())) {
    std::filesystem::remove(temp, ec);
    return Error::Internal("无法写入附件文件");
  }
  return {};
}

core::Result<std::string> AttachmentService::LoadFile(std::string_view sha) const {
  std::ifstream in(PathFor(sha), std::ios::binary);
  if (!in) return Error::Internal("附件文件缺失");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error::Internal("附件文件读取失败");
  return bytes;
}

}  // namespace civicgrid::domain
