// A ticket is written once, straight into the body; the page and ToJson(Ticket)
// must be the document the API always gave (the boost::json tree below, which
// ToJson(Ticket) built before), byte for byte, whatever the ticket holds.
#include "http/api/ticket_views.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/time.h"
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

// The ticket as ToJson(Ticket) built it as a tree, member by member: the
// reference the written bytes are held to.
json::value Reference(const domain::Ticket& t, const domain::Caller& caller) {
  auto opt_int = [](const std::optional<int64_t>& v) { return v ? json::value(*v) : nullptr; };
  auto opt_text = [](const std::optional<std::string>& v) {
    return v ? json::value(*v) : json::value(nullptr);
  };
  auto opt_time = [](const std::optional<int64_t>& v) {
    return v ? json::value(core::FormatUtc(*v)) : json::value(nullptr);
  };
  json::object o{
      {"id", t.id},
      {"number", t.number},
      {"kind", domain::TicketKindName(t.kind)},
      {"channel", domain::TicketChannelName(t.channel)},
      {"category_id", t.category_id},
      {"category_name", t.category_name},
      {"category_group", domain::CategoryGroupName(t.category_group)},
      {"node_id", t.node_id},
      {"node_name", t.node_name},
      {"title", t.title},
      {"description", t.description},
      {"address", t.address},
      {"state", domain::TicketStateName(t.state)},
      {"state_label", domain::TicketStateLabel(t.state)},
      {"version", t.version},
      {"anonymous", t.anonymous},
      {"is_public", t.is_public},
      {"mine", t.submitter_account_id && *t.submitter_account_id == caller.account_id},
      {"submitter_name", t.submitter_name},
      {"submitter_phone", opt_text(t.submitter_phone_masked)},
      {"duplicate_of", opt_int(t.duplicate_of)},
      {"reopen_count", t.reopen_count},
      {"rating", opt_int(t.rating)},
      {"rating_comment", opt_text(t.rating_comment)},
      {"callback_outcome", opt_text(t.callback_outcome)},
      {"supervised", t.supervised},
      {"created_at", core::FormatUtc(t.created_at)},
      {"accept_due", core::FormatUtc(t.accept_due)},
      {"respond_due", core::FormatUtc(t.respond_due)},
      {"resolve_due", core::FormatUtc(t.resolve_due)},
      {"accepted_at", opt_time(t.accepted_at)},
      {"responded_at", opt_time(t.responded_at)},
      {"resolved_at", opt_time(t.resolved_at)},
      {"closed_at", opt_time(t.closed_at)},
      {"rated_at", opt_time(t.rated_at)},
      {"updated_at", core::FormatUtc(t.updated_at)},
  };
  o["location"] = t.location ? json::value(json::array{t.location->lon, t.location->lat})
                             : json::value(nullptr);
  json::array overdue;
  if (t.overdue & domain::kOverdueAccept) overdue.push_back("accept");
  if (t.overdue & domain::kOverdueRespond) overdue.push_back("respond");
  if (t.overdue & domain::kOverdueResolve) overdue.push_back("resolve");
  if (t.overdue & domain::kOverdueEscalation) overdue.push_back("escalation");
  o["overdue"] = std::move(overdue);
  if (t.assignee) {
    json::object a{{"kind", domain::AssigneeKindName(t.assignee->kind)},
                   {"name", t.assignee->name}};
    a["id"] = t.assignee->kind == domain::AssigneeKind::kBoard ? json::value(nullptr)
                                                               : json::value(t.assignee->id);
    o["assignee"] = std::move(a);
  } else {
    o["assignee"] = nullptr;
  }
  json::array attachments;
  for (int64_t id : t.attachment_ids) attachments.push_back(id);
  o["attachment_ids"] = std::move(attachments);
  o["first_route"] =
      t.first_route ? json::value(domain::FirstRouteName(*t.first_route)) : json::value(nullptr);
  return o;
}

void ExpectSameAsTree(const domain::PageOf<domain::Ticket>& page, const domain::Caller& caller) {
  json::array items;
  for (const domain::Ticket& t : page.items) {
    items.push_back(Reference(t, caller));
    EXPECT_EQ(ToJson(t, caller), Reference(t, caller)) << "ticket " << t.id;
    EXPECT_EQ(TicketResponse(201, t, caller).body, WriteJson(Reference(t, caller)));
  }
  json::object tree{{"items", std::move(items)}};
  tree["next_after"] = page.next_after ? json::value(*page.next_after) : json::value(nullptr);
  const std::string body = TicketPageBody(page, caller);
  EXPECT_EQ(body, WriteJson(tree));
  EXPECT_EQ(json::parse(body), tree);
  EXPECT_EQ(TicketPageJson(page, caller), tree);
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
