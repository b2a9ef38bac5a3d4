// The fixture of the care tests (care_test.cc, care_kinds_test.cc): the
// services over the small tree, enrolment, reading rows and counts.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "domain/care/care_service.h"
#include "domain/registry/grid_locator.h"
#include "domain/registry/residents.h"
#include "domain/testing/domain_fixture.h"
#include "domain/tickets/categories.h"

namespace civicgrid::domain {

inline constexpr int64_t kHour = core::kMsPerHour;

class CareTest : public testing::DomainFixture {
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
    residents_ = std::make_unique<ResidentService>(test_db_->db(), clock_, *audit_, cipher_);
    t0_ = clock_.NowMs();
  }

  int64_t Resident(const OrgNode& building, int serial, int64_t flags = 1) {
    NewResident r;
    r.building_id = building.id;
    r.room = "1-10" + std::to_string(serial);
    r.name = "张奶奶" + std::to_string(serial);
    r.id_number = IdNumber(serial, 1940);
    r.flags = flags;
    auto out = residents_->Create(Admin(), r);
    EXPECT_TRUE(out.ok()) << out.error().message;
    return out.ok() ? out->id : 0;
  }

  CareSubject Enrol(const OrgNode& building, int serial, const std::string& meter) {
    NewCareSubject s;
    s.resident_id = Resident(building, serial);
    s.consent_by = "本人";
    s.consent_method = "written";
    s.contacts.push_back({"李明", "儿子", "13912345678"});
    s.meters.push_back(
        NewMeter{MeterKind::kWater, meter, std::nullopt, std::nullopt, std::nullopt});
    auto out = care_->Enrol(Admin(), s);
    EXPECT_TRUE(out.ok()) << out.error().message << " " << out.error().field;
    return out.ok() ? *out : CareSubject{};
  }

  static ReadingRow Row(const std::string& meter, int64_t at, double value) {
    return ReadingRow{meter, core::FormatUtc(at), std::to_string(value)};
  }

  IngestReport Ingest(const std::vector<ReadingRow>& rows) {
    auto out = care_->Ingest(Admin(), rows);
    EXPECT_TRUE(out.ok()) << out.error().message;
    return out.ok() ? *out : IngestReport{};
  }

  // A grid worker account on grid_a1 (the alert's ticket goes to it).
  Caller GridWorkerAccount(int64_t id = 9001) {
    auto conn = test_db_->db().Acquire();
    EXPECT_TRUE(
        (*conn)
            ->Execute("INSERT INTO account (id, username, display_name, password_hash, role, "
                      "scope_node_id, created_at, password_changed_at) VALUES ($1, $2, "
                      "'王网格', 'x', 'grid_worker', $3, 0, 0)",
                      {id, "gw" + std::to_string(id), tree_.grid_a1.id})
            .ok());
    Caller c = As(Role::kGridWorker, tree_.grid_a1);
    c.account_id = id;
    c.username = "gw" + std::to_string(id);
    return c;
  }

  int64_t Count(const std::string& sql) {
    auto conn = test_db_->db().Acquire();
    return (*conn)->QueryInt(sql).value();
  }

  std::vector<CareAlert> Alerts(bool open_only) {
    AlertFilter f;
    f.open_only = open_only;
    auto out = care_->Alerts(Admin(), f);
    EXPECT_TRUE(out.ok());
    return out.ok() ? out->items : std::vector<CareAlert>{};
  }

  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketService> tickets_;
  std::unique_ptr<CareService> care_;
  std::unique_ptr<ResidentService> residents_;
  int64_t t0_ = 0;
};

}  // namespace civicgrid::domain
