// The ticket list page written straight into the body must be the page the
// boost::json tree gave, byte for byte, whatever the ticket holds.
#include "http/api/ticket_views.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/json_write.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;

domain::Ticket Full() {
  domain::Ticket t;
  t.id = 4012;
  t.number = "110105-2026-000123";
  t.kind = domain::TicketKind::kWish;
  t.channel = domain::TicketChannel::kOpen311;
  t.category_id = 17;
  t.category_name = "路灯\"不亮\"";
  t.category_group = domain::CategoryGroup::kDaily;
  t.node_id = 99;
  t.node_name = "幸福里\t一网格";
  t.title = "楼道灯坏了\n三楼";
  t.description = "控制字符 \x01 与反斜杠 \\ 都要转义";
  t.address = "/";
  t.location = core::LonLat{116.294993, 39.9};
  t.state = domain::TicketState::kAssigned;
  t.version = 6;
  t.anonymous = true;
  t.is_public = true;
  t.submitter_account_id = 7;
  t.submitter_name = "张*";
  t.submitter_phone_masked = "138****0000";
  t.assignee = domain::Assignee{domain::AssigneeKind::kMember, 31, "李四"};
  t.duplicate_of = 4000;
  t.reopen_count = 2;
  t.rating = 5;
  t.rating_comment = "很好";
  t.callback_outcome = "reached";
  t.overdue = domain::kOverdueAccept | domain::kOverdueRespond | domain::kOverdueResolve |
              domain::kOverdueEscalation;
  t.supervised = true;
  t.created_at = 1796000000123;
  t.accept_due = 1796000600000;
  t.respond_due = 1796003600000;
  t.resolve_due = 1796086400000;
  t.accepted_at = 1796000100000;
  t.responded_at = 1796000200000;
  t.resolved_at = 1796000300000;
  t.closed_at = 1796000400000;
  t.rated_at = 1796000500000;
  t.updated_at = 1796000500001;
  t.attachment_ids = {3, 5, 8};
  t.first_route = domain::FirstRoute::kCommittee;
  return t;
}

// Every optional member empty, the board as assignee, a whole-number location.
domain::Ticket Sparse() {
  domain::Ticket t;
  t.id = 1;
  t.location = core::LonLat{116.0, -0.5};
  t.assignee = domain::Assignee{domain::AssigneeKind::kBoard, 0, "社区点单栏"};
  t.overdue = domain::kOverdueRespond;
  return t;
}

domain::Ticket NoAssignee() {
  domain::Ticket t = Full();
  t.id = 4013;
  t.assignee.reset();
  t.location.reset();
  t.submitter_account_id = 8;
  t.attachment_ids.clear();
  t.first_route.reset();
  return t;
}

void ExpectSameAsTree(const domain::PageOf<domain::Ticket>& page, const domain::Caller& caller) {
  const json::value tree = TicketPageJson(page, caller);
  const std::string body = TicketPageBody(page, caller);
  EXPECT_EQ(body, WriteJson(tree));
  EXPECT_EQ(json::parse(body), tree);
}

TEST(TicketViewsTest, PageBodyIsTheTreesBytesForEveryKindOfTicket) {
  domain::Caller caller;
  caller.account_id = 7;
  domain::Ticket unit = Full();
  unit.id = 4014;
  unit.assignee = domain::Assignee{domain::AssigneeKind::kUnit, 12, "住建局"};
  ExpectSameAsTree({{Full(), Sparse(), NoAssignee(), unit}, 4014}, caller);
  ExpectSameAsTree({{Sparse()}, std::nullopt}, caller);
}

TEST(TicketViewsTest, EmptyPageBodyIsTheTreesBytes) {
  const domain::Caller caller;
  ExpectSameAsTree({{}, std::nullopt}, caller);
  EXPECT_EQ(TicketPageBody({{}, std::nullopt}, caller), R"({"items":[],"next_after":null})");
}

TEST(TicketViewsTest, PageResponseIsJson) {
  domain::Caller caller;
  const Response r = TicketPageResponse({{Sparse()}, 1}, caller);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, kJsonContentType);
  EXPECT_EQ(r.body, TicketPageBody({{Sparse()}, 1}, caller));
}

}  // namespace
}  // namespace civicgrid::http
