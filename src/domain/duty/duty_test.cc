// 双报到 as a workflow: the taxonomy, requests, decisions, profiles, units'
// posts, functional branches and coverage.
#include "domain/duty/duty_fixture.h"

namespace civicgrid::domain {
namespace {

using core::ErrorCode;
using testing::DutyFixture;

class DualRegistrationTest : public DutyFixture {};

TEST_P(DualRegistrationTest, OnlyCountyAdminsEditTheTaxonomy) {
  int64_t id = Skill("水电维修");
  EXPECT_EQ(duty_->CreateSkill(Admin(), "水电维修").error().field, "name");
  EXPECT_EQ(duty_->CreateSkill(SecretaryA(), "法律咨询").error().code, ErrorCode::kForbidden);
  EXPECT_EQ(duty_->CreateSkill(Admin(), "a,b").error().field, "name");
  EXPECT_EQ(duty_->UpdateSkill(SecretaryA(), id, {std::nullopt, true}).error().code,
            ErrorCode::kForbidden);
  EXPECT_EQ(duty_->UpdateSkill(Admin(), id, {}).error().field, "name");
  EXPECT_EQ(duty_->UpdateSkill(Admin(), id + 1000, {std::nullopt, true}).error().code,
            ErrorCode::kNotFound);
  auto renamed = duty_->UpdateSkill(Admin(), id, {std::string("水电维修（持证）"), std::nullopt});
  ASSERT_TRUE(renamed.ok());
  EXPECT_FALSE(renamed->retired);  // a rename alone keeps the skill in service
  auto retired = duty_->UpdateSkill(Admin(), id, {std::nullopt, true});
  ASSERT_TRUE(retired.ok());
  EXPECT_TRUE(retired->retired);
  EXPECT_EQ(retired->name, "水电维修（持证）");
  auto all = duty_->ListSkills(AsMember(1, tree_.grid_a1));
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].name, "水电维修（持证）");
}

TEST_P(DualRegistrationTest, ARetiredSkillIsKeptByItsHoldersAndOfferedToNobodyNew) {
  int64_t repair = Skill("水电维修");
  int64_t law = Skill("法律咨询");
  int64_t m = Member("张三", branch_a_);
  Caller self = AsMember(m, tree_.grid_a1);
  ASSERT_TRUE(duty_->UpdateProfile(self, m, {repair}, {}).ok());
  ASSERT_TRUE(duty_->UpdateSkill(Admin(), repair, {std::nullopt, true}).ok());
  // The holder saves their profile again with it, and adds another.
  auto kept = duty_->UpdateProfile(self, m, {repair, law}, {{6, 390, 480}});
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  EXPECT_EQ(kept->skill_ids, (std::vector<int64_t>{repair, law}));
  // Nobody takes it up anew, neither in a profile nor in a request.
  int64_t other = Member("李四", branch_a_);
  Caller other_self = AsMember(other, tree_.grid_a1);
  EXPECT_EQ(duty_->UpdateProfile(other_self, other, {repair}, {}).error().field, "skill_ids");
  EXPECT_EQ(
      duty_->Request(other_self, Request(other, tree_.community_b.id, {repair})).error().field,
      "skill_ids");
  // Once dropped, not even its old holder takes it back; restored, anyone may.
  ASSERT_TRUE(duty_->UpdateProfile(self, m, {law}, {}).ok());
  EXPECT_EQ(duty_->UpdateProfile(self, m, {repair, law}, {}).error().field, "skill_ids");
  ASSERT_TRUE(duty_->UpdateSkill(Admin(), repair, {std::nullopt, false}).ok());
  EXPECT_TRUE(duty_->UpdateProfile(other_self, other, {repair}, {}).ok());
}

TEST_P(DualRegistrationTest, MemberRequestsAndTheSecretaryConfirms) {
  int64_t repair = Skill("水电维修");
  int64_t law = Skill("法律咨询");
  int64_t m = Member("张三", branch_a_, unit_id_);
  Caller self = AsMember(m, tree_.grid_a1);

  // Bad input names the field and creates nothing.
  auto bad = Request(m, tree_.community_b.id, {repair});
  bad.commitment_text = "  ";
  EXPECT_EQ(duty_->Request(self, bad).error().field, "commitment_text");
  bad = Request(m, tree_.community_b.id, {repair});
  bad.commitment_date = "2026-13-01";
  EXPECT_EQ(duty_->Request(self, bad).error().field, "commitment_date");
  bad = Request(m, tree_.community_b.id, {repair});
  bad.availability = {{8, 0, 60}};
  EXPECT_EQ(duty_->Request(self, bad).error().field, "availability[0].weekday");
  bad.availability = {{1, 600, 540}};
  EXPECT_EQ(duty_->Request(self, bad).error().field, "availability[0].end");
  EXPECT_EQ(duty_->Request(self, Request(m, tree_.grid_b1.id, {})).error().field, "community_id");
  EXPECT_EQ(duty_->Request(self, Request(m, tree_.community_b.id, {99999})).error().field,
            "skill_ids");
  EXPECT_EQ(duty_->Request(self, Request(m, tree_.community_b.id, {law, law})).error().field,
            "skill_ids");
  EXPECT_TRUE(duty_->List(SecretaryB(), {})->items.empty());

  auto req = duty_->Request(self, Request(m, tree_.community_b.id, {repair, law}));
  ASSERT_TRUE(req.ok()) << req.error().message;
  EXPECT_EQ(req->state, RegistrationState::kRequested);
  EXPECT_EQ(req->skill_ids, (std::vector<int64_t>{repair, law}));
  ASSERT_EQ(req->availability.size(), 2u);
  EXPECT_EQ(req->availability[0].start_minute, 390);
  EXPECT_EQ(duty_->Request(self, Request(m, tree_.community_b.id, {})).error().field, "member_id");

  // Community B's secretary sees it; A's sees the member but may not decide for B.
  RegistrationFilter pending;
  pending.state = RegistrationState::kRequested;
  ASSERT_EQ(duty_->List(SecretaryB(), pending)->items.size(), 1u);
  EXPECT_EQ(duty_->Confirm(SecretaryA(), req->id, std::nullopt).error().code,
            ErrorCode::kForbidden);
  EXPECT_EQ(duty_->Confirm(SecretaryB(), req->id, req->version + 5).error().field, "version");
  auto confirmed = duty_->Confirm(SecretaryB(), req->id, req->version);
  ASSERT_TRUE(confirmed.ok()) << confirmed.error().message;
  EXPECT_EQ(confirmed->state, RegistrationState::kConfirmed);
  EXPECT_EQ(duty_->Confirm(SecretaryB(), req->id, std::nullopt).error().field, "state");
  EXPECT_EQ(party_->GetMember(SecretaryB(), m)->residence_node_id, tree_.community_b.id);

  auto profile = duty_->Profile(self, m);
  ASSERT_TRUE(profile.ok());
  EXPECT_EQ(profile->community_id, tree_.community_b.id);
  EXPECT_EQ(profile->skill_ids, (std::vector<int64_t>{repair, law}));
  EXPECT_EQ(profile->availability.size(), 2u);

  // The member edits their own skills and availability; nobody else's.
  auto edited = duty_->UpdateProfile(self, m, {law}, {{7, 480, 600}});
  ASSERT_TRUE(edited.ok());
  EXPECT_EQ(edited->skill_ids, std::vector<int64_t>{law});
  int64_t other = Member("李四", branch_a_);
  EXPECT_EQ(duty_->UpdateProfile(AsMember(other, tree_.grid_a1), m, {}, {}).error().code,
            ErrorCode::kNotFound);
  // Outside everyone's view: a member of community B's branch is unknown to another member.
  int64_t stranger = Member("王五", branch_b_);
  EXPECT_EQ(duty_->Profile(self, stranger).error().code, ErrorCode::kNotFound);
  // A member lists only their own requests.
  EXPECT_EQ(duty_->List(self, {})->items.size(), 1u);
  EXPECT_TRUE(duty_->List(AsMember(other, tree_.grid_a1), {})->items.empty());

  auto coverage = duty_->CommunityCoverageOf(Admin(), std::nullopt);
  ASSERT_TRUE(coverage.ok());
  ASSERT_EQ(coverage->size(), 2u);
  EXPECT_EQ((*coverage)[1].community_id, tree_.community_b.id);
  EXPECT_EQ((*coverage)[1].registered, 1);
  EXPECT_EQ((*coverage)[1].pending, 0);
}

TEST_P(DualRegistrationTest, ADeclinedRegistrationChangesNothing) {
  int64_t repair = Skill("水电维修");
  int64_t m = Member("赵六", branch_a_, unit_id_);
  // The unit's admin asks for their member.
  auto req = duty_->Request(UnitAdmin(), Request(m, tree_.community_b.id, {repair}));
  ASSERT_TRUE(req.ok()) << req.error().message;
  EXPECT_EQ(duty_->Decline(SecretaryB(), req->id, " ", std::nullopt).error().field, "reason");
  auto declined = duty_->Decline(SecretaryB(), req->id, "不在本社区居住", std::nullopt);
  ASSERT_TRUE(declined.ok()) << declined.error().message;
  EXPECT_EQ(declined->state, RegistrationState::kDeclined);
  EXPECT_EQ(declined->decline_reason, "不在本社区居住");
  EXPECT_FALSE(party_->GetMember(Admin(), m)->residence_node_id.has_value());
  auto profile = duty_->Profile(Admin(), m);
  EXPECT_TRUE(profile->skill_ids.empty());
  EXPECT_TRUE(profile->availability.empty());
  EXPECT_EQ(duty_->Confirm(SecretaryB(), req->id, std::nullopt).error().field, "state");
  // Another unit's admin cannot act for the member.
  Caller other_unit = UnitAdmin();
  other_unit.unit_id = unit_id_ + 100;
  EXPECT_EQ(duty_->Request(other_unit, Request(m, tree_.community_b.id, {})).error().field,
            "member_id");
  // A new request after the decline is allowed.
  EXPECT_TRUE(duty_->Request(UnitAdmin(), Request(m, tree_.community_a.id, {})).ok());
}

TEST_P(DualRegistrationTest, StaffRegistrationSettlesAnOpenRequest) {
  int64_t m = Member("钱七", branch_a_);
  auto req = duty_->Request(AsMember(m, tree_.grid_a1), Request(m, tree_.community_b.id, {}));
  ASSERT_TRUE(req.ok());
  auto direct = duty_->RegisterByStaff(Admin(), m, tree_.community_a.id);
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  EXPECT_EQ(direct->state, RegistrationState::kConfirmed);
  EXPECT_EQ(duty_->Get(Admin(), req->id)->state, RegistrationState::kDeclined);
  EXPECT_EQ(party_->GetMember(Admin(), m)->residence_node_id, tree_.community_a.id);
  EXPECT_EQ(duty_->RegisterByStaff(SecretaryB(), m, tree_.community_a.id).error().code,
            ErrorCode::kNotFound);
}

TEST_P(DualRegistrationTest, UnitsOfferPostsTheirMembersFill) {
  int64_t repair = Skill("水电维修");
  int64_t m1 = Member("孙一", branch_a_, unit_id_);
  int64_t m2 = Member("孙二", branch_a_, unit_id_);
  int64_t outsider = Member("孙三", branch_a_);
  EXPECT_EQ(duty_->RegisterUnit(UnitAdmin(), unit_id_, tree_.community_b.id).error().field,
            "community_id");  // not paired with B
  auto reg = duty_->RegisterUnit(UnitAdmin(), unit_id_, tree_.community_a.id);
  ASSERT_TRUE(reg.ok()) << reg.error().message;
  EXPECT_EQ(duty_->RegisterUnit(UnitAdmin(), unit_id_, tree_.community_a.id).error().code,
            ErrorCode::kConflict);
  // Without posts yet, the registration is still only seen in scope.
  EXPECT_TRUE(duty_->ListPosts(SecretaryA(), reg->id)->empty());
  EXPECT_EQ(duty_->ListPosts(SecretaryB(), reg->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(duty_->ListPosts(SecretaryA(), reg->id + 100).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(duty_->CreatePost(UnitAdmin(), NewPost{reg->id, "楼道维修", repair, 0}).error().field,
            "headcount");
  EXPECT_EQ(duty_->CreatePost(UnitAdmin(), NewPost{reg->id, "楼道维修", 9999, 1}).error().field,
            "skill_id");
  auto post = duty_->CreatePost(UnitAdmin(), NewPost{reg->id, "楼道维修", repair, 1});
  ASSERT_TRUE(post.ok()) << post.error().message;
  EXPECT_EQ(duty_->FillPost(AsMember(outsider, tree_.grid_a1), post->id, outsider).error().code,
            ErrorCode::kNotFound);  // not of the unit: the post is not theirs to see
  EXPECT_EQ(duty_->FillPost(UnitAdmin(), post->id, outsider).error().field, "member_id");
  auto filled = duty_->FillPost(AsMember(m1, tree_.grid_a1), post->id, m1);
  ASSERT_TRUE(filled.ok()) << filled.error().message;
  EXPECT_EQ(filled->member_ids, std::vector<int64_t>{m1});
  EXPECT_EQ(duty_->FillPost(UnitAdmin(), post->id, m2).error().field, "headcount");
  EXPECT_EQ(duty_->ListPosts(SecretaryA(), reg->id)->size(), 1u);
  EXPECT_EQ(duty_->ListPosts(SecretaryB(), reg->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(duty_->ListPosts(AsMember(m2, tree_.grid_a1), reg->id)->size(), 1u);  // of the unit
  Caller other_unit = UnitAdmin();
  other_unit.unit_id = unit_id_ + 100;  // reads through its own unit only
  EXPECT_EQ(duty_->ListPosts(other_unit, reg->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(duty_->FillPost(other_unit, post->id, m2).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(duty_->ListPosts(AsMember(outsider, tree_.grid_a1), reg->id).error().code,
            ErrorCode::kNotFound);

  ASSERT_TRUE(duty_->RegisterByStaff(Admin(), m1, tree_.community_a.id).ok());
  auto units = duty_->UnitCoverageOf(UnitAdmin());
  ASSERT_TRUE(units.ok()) << units.error().message;
  ASSERT_EQ(units->size(), 1u);
  EXPECT_EQ((*units)[0].expected, 2);
  EXPECT_EQ((*units)[0].registered, 1);
  EXPECT_EQ((*units)[0].headcount, 1);
  EXPECT_EQ((*units)[0].filled, 1);
  auto communities = duty_->CommunityCoverageOf(SecretaryA(), std::nullopt);
  ASSERT_EQ(communities->size(), 1u);
  EXPECT_EQ((*communities)[0].units, 1);
  EXPECT_EQ((*communities)[0].filled, 1);
  ASSERT_TRUE(duty_->LeavePost(AsMember(m1, tree_.grid_a1), post->id, m1).ok());
  EXPECT_TRUE(duty_->FillPost(UnitAdmin(), post->id, m2).ok());
}

TEST_P(DualRegistrationTest, FunctionalBranchesHoldRegisteredMembers) {
  auto functional = party_->CreateOrg(
      Admin(), NewPartyOrg{tree_.community_b.id, std::nullopt, PartyOrgKind::kFunctionalBranch,
                           "西关社区在职党员功能型党支部"});
  ASSERT_TRUE(functional.ok());
  int64_t m = Member("周八", branch_a_, unit_id_);
  EXPECT_EQ(duty_->AddToBranch(SecretaryB(), functional->id, m).error().field, "member_id");
  EXPECT_EQ(duty_->AddToBranch(SecretaryB(), branch_b_, m).error().field, "party_org_id");
  ASSERT_TRUE(duty_->RegisterByStaff(Admin(), m, tree_.community_b.id).ok());
  auto added = duty_->AddToBranch(SecretaryB(), functional->id, m);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(duty_->AddToBranch(SecretaryB(), functional->id, m).error().code, ErrorCode::kConflict);
  EXPECT_EQ(duty_->AddToBranch(SecretaryA(), functional->id, m).error().code, ErrorCode::kNotFound);
  auto held = duty_->BranchMembers(SecretaryB(), functional->id);
  ASSERT_TRUE(held.ok()) << held.error().message;
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].member_id, m);
  EXPECT_EQ((*held)[0].name, "周八");
  EXPECT_EQ((*held)[0].home_party_org_id, branch_a_);  // keeps their own branch
  // The member keeps their own branch.
  EXPECT_EQ(party_->GetMember(Admin(), m)->party_org_id, branch_a_);
  EXPECT_EQ(duty_->Profile(Admin(), m)->functional_branch_ids,
            std::vector<int64_t>{functional->id});
  ASSERT_TRUE(duty_->RemoveFromBranch(SecretaryB(), functional->id, m).ok());
  EXPECT_TRUE(duty_->BranchMembers(SecretaryB(), functional->id)->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, DualRegistrationTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
