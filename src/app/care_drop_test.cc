// The care drop folder with real files: good rows stored and the file moved to
// done/ with a report of its bad rows; a file of only bad rows to failed/; the
// same export again (or a file whose readings committed before a crash, not yet
// moved) stores nothing; partial and foreign files are left alone — on both
// backends.
#include "app/care_drop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "domain/registry/grid_locator.h"
#include "domain/registry/residents.h"
#include "domain/testing/domain_fixture.h"
#include "domain/tickets/categories.h"

namespace civicgrid::app {
namespace {

namespace fs = std::filesystem;
using namespace domain;

class CareDropTest : public domain::testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_) return;
    locator_ = std::make_unique<GridLocator>(test_db_->db());
    categories_ = std::make_unique<CategoryService>(test_db_->db(), clock_, *audit_);
    ASSERT_TRUE(categories_->SeedDefaults().ok());
    tickets_ = std::make_unique<TicketService>(test_db_->db(), clock_, *audit_, cipher_, *locator_,
                                               *categories_);
    care_ = std::make_unique<CareService>(test_db_->db(), clock_, *audit_, cipher_, *tickets_);
    ResidentService residents(test_db_->db(), clock_, *audit_, cipher_);
    NewResident r;
    r.building_id = tree_.building_a1.id;
    r.room = "1-101";
    r.name = "张奶奶";
    r.id_number = IdNumber(1, 1940);
    r.flags = 1;
    auto resident = residents.Create(Admin(), r);
    ASSERT_TRUE(resident.ok());
    NewCareSubject s;
    s.resident_id = resident->id;
    s.consent_by = "本人";
    s.consent_method = "written";
    s.meters.push_back(
        NewMeter{MeterKind::kWater, "W-1", std::nullopt, std::nullopt, std::nullopt});
    ASSERT_TRUE(care_->Enrol(Admin(), s).ok());
    dir_ = fs::temp_directory_path() /
           ("care-drop-" + std::to_string(::getpid()) + "-" + std::to_string(clock_.NowMs()) +
            (GetParam() == store::Backend::kSqlite ? "-s" : "-p"));
    fs::remove_all(dir_);
    folder_ = std::make_unique<CareDropFolder>(*care_, dir_);
    ASSERT_TRUE(folder_->Prepare().ok());
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
    DomainFixture::TearDown();
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  static std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  int64_t Readings() {
    auto conn = test_db_->db().Acquire();
    return (*conn)->QueryInt("SELECT COUNT(*) FROM care_reading").value();
  }
  std::string At(int64_t hours_ago) {
    return core::FormatUtc(clock_.NowMs() - hours_ago * core::kMsPerHour);
  }

  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketService> tickets_;
  std::unique_ptr<CareService> care_;
  std::unique_ptr<CareDropFolder> folder_;
  fs::path dir_;
};

TEST_P(CareDropTest, FilesAreIngestedOnceAndMovedWithAReport) {
  const std::string csv =
      "meter,at,value\nW-1," + At(2) + ",1.00\nNOPE," + At(2) + ",1\nW-1," + At(1) + ",1.05\n";
  Write("2026-12-06-a.csv", csv);
  Write("2026-12-06-b.json", R"({"readings":[{"meter":"NOPE","at":"x","value":1}]})");
  Write(".writing.csv", "W-1," + At(0) + ",2\n");
  Write("c.csv.tmp", "W-1," + At(0) + ",2\n");
  Write("notes.txt", "hello");
  DropScan scan = folder_->ScanOnce().value();
  EXPECT_EQ(scan.files, 2);
  EXPECT_EQ(scan.done, 1);
  EXPECT_EQ(scan.failed, 1);
  EXPECT_EQ(scan.stored, 2);
  EXPECT_EQ(scan.rejected, 2);
  EXPECT_EQ(Readings(), 2);
  EXPECT_TRUE(fs::exists(dir_ / "done" / "2026-12-06-a.csv"));
  const std::string report = Read(dir_ / "done" / "2026-12-06-a.csv.report.csv");
  EXPECT_NE(report.find("2,meter,"), std::string::npos) << report;
  EXPECT_NE(report.find("NOPE"), std::string::npos) << report;
  EXPECT_TRUE(fs::exists(dir_ / "failed" / "2026-12-06-b.json"));
  EXPECT_NE(Read(dir_ / "failed" / "2026-12-06-b.json.report.csv").find("1,at,"),
            std::string::npos);
  // Partial and foreign files stay where they are.
  EXPECT_TRUE(fs::exists(dir_ / ".writing.csv"));
  EXPECT_TRUE(fs::exists(dir_ / "c.csv.tmp"));
  EXPECT_TRUE(fs::exists(dir_ / "notes.txt"));
  EXPECT_EQ(folder_->ScanOnce()->files, 0);

  // The same export again, under the same name: taken once, moved aside.
  Write("2026-12-06-a.csv", csv);
  scan = folder_->ScanOnce().value();
  EXPECT_EQ(scan.repeated, 1);
  EXPECT_EQ(scan.stored, 0);
  EXPECT_EQ(Readings(), 2);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "done"), fs::directory_iterator()), 4);
}

TEST_P(CareDropTest, AFileCommittedBeforeACrashIsNotIngestedTwice) {
  const std::string csv = "W-1," + At(3) + ",5\nW-1," + At(2) + ",5.5\n";
  Write("export.csv", csv);
  // The previous process stored the file's readings (digest and all) and
  // died before moving it.
  auto rows = CareService::ParseCsv(csv).value();
  auto first = care_->IngestOnce(Admin(), rows, core::Sha256Hex(csv), "export.csv");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->stored, 2);
  auto conn = test_db_->db().Acquire();
  const int64_t audits =
      (*conn)->QueryInt("SELECT COUNT(*) FROM audit_log WHERE action = 'care.readings'").value();
  DropScan scan = folder_->ScanOnce().value();
  EXPECT_EQ(scan.repeated, 1);
  EXPECT_EQ(scan.stored, 0);
  EXPECT_EQ(Readings(), 2);
  EXPECT_EQ(
      (*conn)->QueryInt("SELECT COUNT(*) FROM audit_log WHERE action = 'care.readings'").value(),
      audits);
  EXPECT_TRUE(fs::exists(dir_ / "done" / "export.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "export.csv"));
}

INSTANTIATE_TEST_SUITE_P(Backends, CareDropTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::app
