// The quarterly service card (一单一表一卡): what a card counts, and who may read whose.
#include "domain/duty/duty_fixture.h"

namespace civicgrid::domain {
namespace {

using core::ErrorCode;
using core::kMsPerMinute;
using testing::DutyFixture;

class ServiceCardTest : public DutyFixture {
 protected:
  ServiceCardQuery Quarter(int64_t at_ms) const {
    core::CivilDate d = core::ShanghaiDate(at_ms);
    ServiceCardQuery q;
    q.year = d.year;
    q.quarter = (d.month + 2) / 3;
    return q;
  }
  // An activity of community A starting at `starts_at`; `member` signs up, checks in and out,
  // and the secretary approves their hours (the clock ends after the activity).
  void Serve(const Caller& member, int64_t starts_at) {
    NewActivity a;
    a.node_id = tree_.community_a.id;
    a.title = "周六清扫";
    a.category = "环境整治";
    a.place = {116.4200, 39.1700};
    a.starts_at = starts_at;
    a.ends_at = starts_at + 90 * kMsPerMinute;
    a.capacity = 5;
    auto created = activities_->Create(SecretaryA(), a);
    ASSERT_TRUE(created.ok()) << created.error().message;
    ASSERT_TRUE(activities_->SignUp(member, created->id).ok());
    clock_.Set(starts_at);
    auto in = activities_->IssueCode(SecretaryA(), created->id, CodeKind::kCheckIn);
    ASSERT_TRUE(activities_->Check(member, created->id, CodeKind::kCheckIn, in->code, {}).ok());
    clock_.Set(a.ends_at);
    auto out = activities_->IssueCode(SecretaryA(), created->id, CodeKind::kCheckOut);
    ASSERT_TRUE(activities_->Check(member, created->id, CodeKind::kCheckOut, out->code, {}).ok());
    SignupFilter f;
    f.activity_id = created->id;
    auto signups = activities_->ListSignups(SecretaryA(), f);
    ASSERT_TRUE(signups.ok() && signups->items.size() == 1u);
    ASSERT_TRUE(activities_->ApproveHours(SecretaryA(), signups->items[0].id, std::nullopt).ok());
  }
};

TEST_P(ServiceCardTest, CountsTheQuarterAndKeepsToScope) {
  int64_t repair = Skill("水电维修");
  int64_t m1 = Member("钱一", branch_a_, unit_id_);
  int64_t m2 = Member("钱二", branch_a_, unit_id_);
  int64_t outsider = Member("钱三", branch_a_);
  ASSERT_TRUE(duty_->RegisterByStaff(Admin(), m1, tree_.community_a.id).ok());
  auto reg = duty_->RegisterUnit(UnitAdmin(), unit_id_, tree_.community_a.id);
  ASSERT_TRUE(reg.ok()) << reg.error().message;
  auto post = duty_->CreatePost(UnitAdmin(), NewPost{reg->id, "楼道维修", repair, 2});
  ASSERT_TRUE(post.ok()) << post.error().message;
  ASSERT_TRUE(duty_->FillPost(UnitAdmin(), post->id, m1).ok());
  ASSERT_TRUE(duty_->FillPost(UnitAdmin(), post->id, m2).ok());

  const int64_t start = clock_.NowMs() + core::kMsPerDay;
  const ServiceCardQuery quarter = Quarter(start);
  Caller me = AsMember(m1, tree_.grid_a1);
  Serve(me, start);
  // An activity a quarter later does not count in this quarter's card.
  Serve(me, start + 100 * core::kMsPerDay);

  // The unit admin: every in-service member of the unit, in id order.
  ServiceCardQuery unit = quarter;
  unit.unit_id = unit_id_;
  auto cards = duty_->ServiceCards(UnitAdmin(), unit);
  ASSERT_TRUE(cards.ok()) << cards.error().message;
  ASSERT_EQ(cards->size(), 2u);
  const ServiceCard& c1 = (*cards)[0];
  EXPECT_EQ(c1.member_id, m1);
  EXPECT_EQ(c1.community_id, tree_.community_a.id);
  EXPECT_FALSE(c1.registered_on.empty());
  EXPECT_EQ(c1.posts, std::vector<std::string>{"楼道维修"});
  EXPECT_EQ(c1.activities, 1);
  EXPECT_EQ(c1.minutes, 90);
  EXPECT_EQ(c1.unit_id, unit_id_);
  const ServiceCard& c2 = (*cards)[1];
  EXPECT_EQ(c2.member_id, m2);
  EXPECT_FALSE(c2.community_id.has_value());
  EXPECT_EQ(c2.activities, 0);
  EXPECT_EQ(c2.minutes, 0);
  EXPECT_EQ(c2.posts, std::vector<std::string>{"楼道维修"});

  // Pages of one card: the same cards, each counting only its own member.
  ServiceCardQuery paged = unit;
  paged.limit = 1;
  auto first = duty_->ServiceCards(UnitAdmin(), paged);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].member_id, m1);
  EXPECT_EQ((*first)[0].minutes, 90);
  EXPECT_EQ((*first)[0].posts, std::vector<std::string>{"楼道维修"});
  paged.after = m1;
  auto second = duty_->ServiceCards(UnitAdmin(), paged);
  ASSERT_TRUE(second.ok()) << second.error().message;
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].member_id, m2);
  EXPECT_EQ((*second)[0].minutes, 0);
  EXPECT_EQ((*second)[0].posts, std::vector<std::string>{"楼道维修"});
  paged.after = m2;
  EXPECT_TRUE(duty_->ServiceCards(UnitAdmin(), paged)->empty());

  // The member: their own card by default, nobody else's.
  auto mine = duty_->ServiceCards(me, quarter);
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].minutes, 90);
  ServiceCardQuery other = quarter;
  other.member_id = m2;
  EXPECT_EQ(duty_->ServiceCards(me, other).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(duty_->ServiceCards(me, unit).error().code, ErrorCode::kForbidden);
  // The unit admin cannot read a member of another unit, nor ask a unit not theirs.
  other.member_id = outsider;
  EXPECT_EQ(duty_->ServiceCards(UnitAdmin(), other).error().code, ErrorCode::kNotFound);
  other.member_id = m1;
  EXPECT_TRUE(duty_->ServiceCards(UnitAdmin(), other).ok());
  ServiceCardQuery another_unit = quarter;
  another_unit.unit_id = unit_id_ + 1000;
  EXPECT_EQ(duty_->ServiceCards(UnitAdmin(), another_unit).error().code, ErrorCode::kNotFound);
  // Staff: the county admin sees the unit; community B's secretary does not.
  EXPECT_EQ(duty_->ServiceCards(Admin(), unit)->size(), 2u);
  EXPECT_EQ(duty_->ServiceCards(SecretaryB(), unit).error().code, ErrorCode::kNotFound);
  // The next quarter holds the second activity.
  ServiceCardQuery later = Quarter(start + 100 * core::kMsPerDay);
  later.member_id = m1;
  EXPECT_EQ((*duty_->ServiceCards(me, later))[0].activities, 1);
  // Bad input names the field.
  ServiceCardQuery bad = quarter;
  bad.quarter = 5;
  EXPECT_EQ(duty_->ServiceCards(me, bad).error().field, "quarter");
}

INSTANTIATE_TEST_SUITE_P(Backends, ServiceCardTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
