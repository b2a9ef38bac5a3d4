#include "app/care_drop.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "core/crypto.h"
#include "http/api/care_json.h"

namespace civicgrid::app {
namespace {

namespace fs = std::filesystem;

bool Waiting(const fs::directory_entry& e) {
  if (!e.is_regular_file()) return false;
  const std::string name = e.path().filename().string();
  if (name.empty() || name[0] == '.' || name.ends_with(".tmp")) return false;
  const std::string ext = e.path().extension().string();
  return ext == ".csv" || ext == ".json" || ext == ".CSV" || ext == ".JSON";
}

// "a,b" quoted for CSV when it holds a comma, quote or newline.
std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

core::Status WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return core::Error::Internal("无法写入 " + path.string());
  return core::Ok();
}

// Moves `file` into `to`; a name taken there gets the digest's first 12 hex digits.
core::Status MoveInto(const fs::path& file, const fs::path& to, const std::string& digest,
                      fs::path& moved) {
  moved = to / file.filename();
  std::error_code ec;
  if (fs::exists(moved, ec)) {
    moved = to / (file.stem().string() + "." + digest.substr(0, 12) + file.extension().string());
  }
  fs::rename(file, moved, ec);
  if (ec) return core::Error::Internal("无法移动 " + file.string() + "：" + ec.message());
  return core::Ok();
}

}  // namespace

CareDropFolder::CareDropFolder(domain::CareService& care, fs::path dir)
    : care_(care), dir_(std::move(dir)) {
  // The system, over every node: the utility's export names meters of the
  // whole county. Audit entries carry account 0 and request "care-drop".
  system_.account_id = 0;
  system_.username = "care-drop";
  system_.role = domain::Role::kCountyAdmin;
  system_.scope_path = "/";
  system_.request_id = "care-drop";
}

core::Status CareDropFolder::Prepare() {
  std::error_code ec;
  for (const fs::path& p : {dir_, dir_ / "done", dir_ / "failed"}) {
    fs::create_directories(p, ec);
    if (ec) return core::Error::Invalid("care_drop_dir", "无法创建目录 " + p.string());
  }
  return core::Ok();
}

core::Result<DropScan> CareDropFolder::ScanOnce() {
  DropScan scan;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (Waiting(e)) files.push_back(e.path());
  }
  if (ec) return core::Error::Internal("无法读取目录 " + dir_.string() + "：" + ec.message());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) CG_TRY(Take(f, scan));
  return scan;
}

core::Status CareDropFolder::Take(const fs::path& file, DropScan& scan) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  if (!in && !in.eof()) return core::Error::Internal("无法读取 " + file.string());
  const std::string text = buf.str();
  const std::string digest = core::Sha256Hex(text);
  const std::string name = file.filename().string();
  const bool json = file.extension() == ".json" || file.extension() == ".JSON";
  ++scan.files;
  std::string report = "row,field,message\n";
  auto rows = json ? http::CareReadingsFromJson(text) : domain::CareService::ParseCsv(text);
  std::optional<domain::IngestReport> taken;
  bool failed = false;
  if (!rows.ok()) {
    report += "0," + CsvCell(rows.error().field) + "," + CsvCell(rows.error().message) + "\n";
    failed = true;
  } else {
    auto once = care_.IngestOnce(system_, *rows, digest, name);
    if (!once.ok()) return once.error();  // the database: try again next scan
    taken = std::move(*once);
    if (!taken) {
      ++scan.repeated;
      report += "0,file,已导入过（内容相同），未重复导入\n";
    } else {
      for (const auto& p : taken->rejected) {
        report += std::to_string(p.row) + "," + CsvCell(p.field) + "," + CsvCell(p.message) + "\n";
      }
      scan.stored += taken->stored;
      scan.rejected += static_cast<int64_t>(taken->rejected.size());
      failed = taken->stored == 0 && taken->duplicates == 0 && !taken->rejected.empty();
    }
  }
  const fs::path to = dir_ / (failed ? "failed" : "done");
  fs::path moved;
  CG_TRY(MoveInto(file, to, digest, moved));
  if (failed || report.find('\n') + 1 < report.size()) {
    CG_TRY(WriteFile(fs::path(moved.string() + ".report.csv"), report));
  }
  ++(failed ? scan.failed : scan.done);
  return core::Ok();
}

}  // namespace civicgrid::app
