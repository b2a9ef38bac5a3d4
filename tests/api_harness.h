// API test harness: the real server on a loopback port over a fresh database
// (SQLite or the throwaway PostgreSQL), with a small county and one account
// per role, named like the demo accounts:
//
//   county 131022 ─ street S (street1) ─┬ community A (secretary1, worker1)
//                                      │   ├ grid A1 (grid1) ─ building A1 ─ resident ra1
//                                      (resident1) │   └ grid A2         ─ building A2 ─ resident
//                                      ra2 └ community B
//                                          └ grid B1 (grid2) ─ building B1 ─ resident rb1
//   unit U paired with A (unit1); member M of A1's branch registered with A (member1)
//
// A test that needs places outside every demo account's scope sets
// `second_street_ = true` in its constructor; the world then also holds
//
//   county ─ street S2 (street2) ─ community C (secretary2) ─ grid C1 (grid3)
//                                   └ building C1 ─ resident rc1 (resident2)
//   unit U2 paired with C (unit2); member M2 of C1's branch registered with C (member2)
//
// (World::outside), and grid B1 gets a party branch too (World::branch_b1).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "app/app.h"
#include "http/api/api.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/test_client.h"
#include "store/testing/test_db.h"

namespace civicgrid::tests {

// The places of the second street (set when ApiTest::second_street_ is on).
struct Outside {
  domain::OrgNode street, community, grid, building;
  domain::Resident resident;
  domain::PartyOrg branch;
  domain::PartyMember member;
  domain::Unit unit;
};

struct World {
  domain::OrgNode county, street, community_a, community_b, grid_a1, grid_a2, grid_b1;
  domain::OrgNode building_a1, building_a2, building_b1;
  domain::Resident ra1, ra2, rb1;
  domain::PartyOrg branch_a1;
  domain::PartyMember member;
  domain::Unit unit;
  std::map<std::string, std::string> plain_pii;  // every ID number and phone created
  domain::PartyOrg branch_b1;                    // with second_street_ only
  Outside outside;                               // with second_street_ only
};

inline constexpr const char* kPassword = "civicgrid-demo";
// Grids A1, A2 and B1 are 0.01° squares from (kGridWest + 0.01·i, kGridSouth);
// the second street's grid C1 (index 3) lies 0.02° north of A1.
inline constexpr double kGridWest = 116.40;
inline constexpr double kGridSouth = 39.50;
// The centre of grid i (0 = A1, 1 = A2, 2 = B1), WGS-84.
inline core::LonLat GridCenter(int i) {
  if (i == 3) return {kGridWest + 0.005, kGridSouth + 0.025};
  return {kGridWest + 0.01 * i + 0.005, kGridSouth + 0.005};
}
// The value of a Result that must succeed (test setup); fails the test and
// throws otherwise.
template <typename T>
T Must(core::Result<T> result, const std::string& what) {
  EXPECT_TRUE(result.ok()) << what << ": " << (result.ok() ? "" : result.error().message);
  if (!result.ok()) throw std::runtime_error(what);
  return std::move(result).value();
}

// The nine demo usernames.
const std::vector<std::string>& Usernames();
// The accounts of the second street (second_street_ only): street2,
// secretary2, grid3, unit2, member2, resident2.
const std::vector<std::string>& OutsideUsernames();

// One row of the audit log, as the tests read it.
struct AuditEntry {
  int64_t account_id = 0;
  std::string action, subject_type;
  int64_t subject_id = 0;
  std::string detail;
};

// An SmsSender that keeps the last code sent to each phone (registration tests).
class RecordingSms : public domain::SmsSender {
 public:
  core::Status Send(const std::string& phone, const std::string& text) override;
  std::string LastCode(const std::string& phone);
  int sent();

 private:
  std::mutex mu_;
  std::map<std::string, std::string> codes_;
  int sent_ = 0;
};

class ApiTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A client logged in as `username` (cached per username).
  http::TestClient& As(const std::string& username);
  // A fresh client with no session.
  std::unique_ptr<http::TestClient> Anonymous();
  int64_t Count(const std::string& table);
  // The newest audit log entry, and the id of an account by username.
  AuditEntry LastAudit();
  int64_t AccountId(const std::string& username);
  static std::string IdNumber(int serial);

  std::unique_ptr<store::testing::TestDatabase> test_db_;
  std::string dir_;
  std::unique_ptr<app::App> app_;
  http::Metrics metrics_;
  http::Router router_;
  std::unique_ptr<http::ApiServices> services_;
  std::unique_ptr<http::Server> server_;
  std::map<std::string, std::unique_ptr<http::TestClient>> clients_;
  World w_;
  bool skipped_ = false;
  bool second_street_ = false;  // set in a subclass's constructor to build World::outside
  // The App's clock when set (in a subclass's constructor; it must outlive
  // the test); null: the system clock.
  const core::Clock* clock_ = nullptr;
  // Where registration SMS codes go (set in a subclass's constructor; it must
  // outlive the test); null: the server log.
  domain::SmsSender* sms_ = nullptr;

 private:
  void BuildWorld();
  void BuildSecondStreet(const domain::Caller& admin);
};

}  // namespace civicgrid::tests
