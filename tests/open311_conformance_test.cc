// Open311 GeoReport v2 conformance, written from the published spec
// (wiki.open311.org/GeoReport_v2, Service_Discovery) and mySociety's
// servicerequestupdates extension as FixMyStreet uses it. Real HTTP, both
// backends: every endpoint in .json and .xml, the required fields with their
// types, the defaults (90 days, 1000 results), each error code (403 bad
// api_key, 404 unknown, 400 otherwise, as the spec's {code, description}
// list), privacy of the public reads, and a FixMyStreet-style round trip.
#include <boost/json.hpp>

#include <cctype>
#include <initializer_list>

#include "api_harness.h"
#include "domain/tickets/open311_keys.h"
#include "media/testing/test_media.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

// --- a minimal XML reader for assertions --------------------------------------

// True when every element is closed in order after the declaration, and
// text holds no raw '<' or bare '&'.
bool WellFormed(const std::string& xml) {
  const std::string decl = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";
  if (xml.rfind(decl, 0) != 0) return false;
  std::vector<std::string> open;
  size_t i = decl.size();
  while ((i = xml.find('<', i)) != std::string::npos) {
    size_t end = xml.find('>', i);
    if (end == std::string::npos) return false;
    std::string tag = xml.substr(i + 1, end - i - 1);
    if (!tag.empty() && tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return false;
      open.pop_back();
    } else if (tag.empty() || tag.back() != '/') {
      open.push_back(tag);
    }
    size_t next = xml.find('<', end);
    std::string text = xml.substr(end + 1, next == std::string::npos ? 0 : next - end - 1);
    for (size_t a = text.find('&'); a != std::string::npos; a = text.find('&', a + 1)) {
      if (text.compare(a, 5, "&amp;") != 0 && text.compare(a, 4, "&lt;") != 0 &&
          text.compare(a, 4, "&gt;") != 0) {
        return false;
      }
    }
    i = end + 1;
  }
  return open.empty();
}

// The text of every <name>…</name> (empty for <name/>), in order.
std::vector<std::string> XmlValues(const std::string& xml, const std::string& name) {
  std::vector<std::string> out;
  const std::string open = "<" + name + ">", empty = "<" + name + "/>", close = "</" + name + ">";
  for (size_t i = xml.find('<'); i != std::string::npos; i = xml.find('<', i + 1)) {
    if (xml.compare(i, empty.size(), empty) == 0) {
      out.emplace_back();
    } else if (xml.compare(i, open.size(), open) == 0) {
      size_t end = xml.find(close, i);
      out.push_back(xml.substr(i + open.size(), end - i - open.size()));
    }
  }
  return out;
}

std::string Encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string FormBody(const Fields& fields) {
  std::string body;
  for (const auto& [k, v] : fields) body += (body.empty() ? "" : "&") + Encode(k) + "=" + Encode(v);
  return body;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// `text` has the shape of `pattern`, where '#' stands for one digit and '*'
// (last only) for one or more digits.
bool Shaped(std::string_view text, std::string_view pattern) {
  size_t i = 0;
  for (size_t p = 0; p < pattern.size(); ++p) {
    if (pattern[p] == '*') {
      size_t start = i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
      if (i == start) return false;
    } else if (i >= text.size() ||
               (pattern[p] == '#' ? !std::isdigit(static_cast<unsigned char>(text[i]))
                                  : text[i] != pattern[p])) {
      return false;
    } else {
      ++i;
    }
  }
  return i == text.size();
}

// A W3C datetime in Beijing time, as every Open311 answer gives them.
bool IsW3cShanghai(std::string_view text) { return Shaped(text, "####-##-##T##:##:##+08:00"); }

// Every one of `fields` is present in `o` as a JSON string.
void ExpectStrings(const json::object& o, std::initializer_list<const char*> fields) {
  for (const char* f : fields) {
    EXPECT_TRUE(o.contains(f) && o.at(f).is_string()) << f << " in " << json::serialize(o);
  }
}

class Open311Test : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (skipped_ || HasFatalFailure()) return;
    key_ = Must(Directory().CreateKey(nullptr, {"conformance", w_.county.id, std::nullopt}),
                "open311 key")
               .plain_key;
  }

  domain::Open311Directory Directory() {
    return domain::Open311Directory(app_->db(), app_->clock(), app_->accounts(), app_->audit(),
                                    app_->tickets());
  }

  http::ClientResponse Get(const std::string& target) {
    return Anonymous()->Send("GET", "/open311/v2/" + target);
  }
  http::ClientResponse Post(const std::string& target, const Fields& fields) {
    return Anonymous()->Send(
        "POST", "/open311/v2/" + target, FormBody(fields),
        {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}});
  }

  // The fields of a valid request for a report at the centre of grid i.
  Fields Request(int grid = 0, const std::string& code = "E01.01") {
    core::LonLat p = GridCenter(grid);
    return {{"api_key", key_},        {"jurisdiction_id", "131022"},
            {"service_code", code},   {"lat", Num(p.lat)},
            {"long", Num(p.lon)},     {"description", "小区门口垃圾堆积三天无人清理"},
            {"first_name", "三"},     {"last_name", "张"},
            {"phone", "13800138000"}, {"email", "zhang@example.com"}};
  }

  // Files a request; returns its service_request_id.
  std::string File(const Fields& fields) {
    auto r = Post("requests.json", fields);
    EXPECT_EQ(r.status, 200u) << r.body;
    return std::string(r.Json().as_array().at(0).at("service_request_id").as_string());
  }

  // The ticket as the county admin sees it on /api/v1.
  json::object StaffView(const std::string& number) {
    auto r = As("admin").Send("GET", "/api/v1/tickets/" + std::to_string(TicketId(number)));
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? r.Json().as_object() : json::object{};
  }

  int64_t TicketId(const std::string& number) {
    auto conn = app_->db().Acquire();
    return (*conn)->QueryInt("SELECT id FROM ticket WHERE number = $1", {number}).value();
  }

  http::ClientResponse Act(const std::string& user, int64_t id, const std::string& body) {
    return As(user).Send("POST", "/api/v1/tickets/" + std::to_string(id) + "/events", body);
  }

  int64_t AccountId(const std::string& username) {
    auto conn = app_->db().Acquire();
    return (*conn)->QueryInt("SELECT id FROM account WHERE username = $1", {username}).value();
  }

  // accept → dispatch to grid1 → start → resolve with `note`, as staff on /api/v1.
  void Resolve(const std::string& number, const std::string& note) {
    const int64_t id = TicketId(number);
    ASSERT_EQ(Act("secretary1", id, R"({"type":"accept","note":"已受理"})").status, 200u);
    ASSERT_EQ(Act("secretary1", id,
                  R"({"type":"dispatch","assignee":{"kind":"account","id":)" +
                      std::to_string(AccountId("grid1")) + "}}")
                  .status,
              200u);
    ASSERT_EQ(Act("grid1", id, R"({"type":"start"})").status, 200u);
    auto r = Act("grid1", id, R"({"type":"resolve","note":")" + note + R"("})");
    ASSERT_EQ(r.status, 200u) << r.body;
  }

  // The spec's error list, in JSON and XML, with `status`.
  void ExpectError(const http::ClientResponse& r, unsigned status, bool xml) {
    EXPECT_EQ(r.status, status) << r.body;
    if (xml) {
      EXPECT_EQ(r.Header("Content-Type"), "text/xml; charset=utf-8");
      EXPECT_TRUE(WellFormed(r.body)) << r.body;
      EXPECT_EQ(XmlValues(r.body, "code"), std::vector<std::string>{std::to_string(status)});
      EXPECT_EQ(XmlValues(r.body, "description").size(), 1u) << r.body;
      EXPECT_NE(r.body.find("<errors><error>"), std::string::npos) << r.body;
      return;
    }
    EXPECT_EQ(r.Header("Content-Type"), "application/json; charset=utf-8");
    json::value body = r.Json();
    ASSERT_TRUE(body.is_array()) << r.body;
    ASSERT_EQ(body.as_array().size(), 1u);
    EXPECT_EQ(body.as_array()[0].at("code").as_int64(), static_cast<int64_t>(status));
    EXPECT_FALSE(body.as_array()[0].at("description").as_string().empty());
  }

  // Every field GET requests answers, with its type.
  static void ExpectRequestShape(const json::value& v) {
    const json::object& o = v.as_object();
    for (const char* s :
         {"service_request_id", "status", "service_name", "service_code", "description",
          "requested_datetime", "updated_datetime", "expected_datetime", "address"}) {
      ASSERT_TRUE(o.contains(s) && o.at(s).is_string()) << s << " in " << json::serialize(v);
    }
    for (const char* s : {"status_notes", "agency_responsible", "service_notice", "address_id",
                          "zipcode", "media_url", "lat", "long"}) {
      EXPECT_TRUE(o.contains(s)) << s;
    }
    const std::string status(o.at("status").as_string());
    EXPECT_TRUE(status == "open" || status == "closed") << status;
    for (const char* t : {"requested_datetime", "updated_datetime", "expected_datetime"}) {
      EXPECT_TRUE(IsW3cShanghai(o.at(t).as_string())) << t;
    }
    if (!o.at("lat").is_null()) {
      EXPECT_TRUE(o.at("lat").is_double() && o.at("long").is_double());
    }
  }

  std::string key_;
};

TEST_P(Open311Test, DiscoveryInJsonAndXml) {
  auto r = Get("discovery.json");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/json; charset=utf-8");
  json::object d = r.Json().as_object();
  for (const char* f : {"changeset", "contact", "key_service"}) {
    EXPECT_TRUE(d.at(f).is_string() && !d.at(f).as_string().empty()) << f;
  }
  const json::array& endpoints = d.at("endpoints").as_array();
  ASSERT_EQ(endpoints.size(), 1u);
  const json::object& e = endpoints[0].as_object();
  EXPECT_EQ(e.at("specification").as_string(), "http://wiki.open311.org/GeoReport_v2");
  EXPECT_TRUE(Shaped(e.at("url").as_string(), "http://127.0.0.1:*/open311/v2")) << e.at("url");
  EXPECT_EQ(e.at("type").as_string(), "production");
  EXPECT_EQ(e.at("formats"), (json::array{"text/xml", "application/json"}));
  EXPECT_TRUE(e.at("changeset").is_string());

  auto x = Get("discovery.xml");
  ASSERT_EQ(x.status, 200u);
  EXPECT_EQ(x.Header("Content-Type"), "text/xml; charset=utf-8");
  EXPECT_TRUE(WellFormed(x.body)) << x.body;
  EXPECT_NE(x.body.find("<discovery><changeset>"), std::string::npos);
  EXPECT_EQ(XmlValues(x.body, "format"),
            (std::vector<std::string>{"text/xml", "application/json"}));
  EXPECT_EQ(XmlValues(x.body, "specification").size(), 1u);
}

TEST_P(Open311Test, ServiceListOffersStreetIssuesWithTheSpecFields) {
  auto r = Get("services.json?jurisdiction_id=131022");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::array services = r.Json().as_array();
  std::set<std::string> codes;
  for (const auto& s : services) {
    const json::object& o = s.as_object();
    ExpectStrings(o, {"service_code", "service_name", "description", "keywords", "group"});
    EXPECT_EQ(o.at("metadata"), json::value(true));
    EXPECT_EQ(o.at("type").as_string(), "realtime");
    const std::string group(o.at("group").as_string());
    EXPECT_TRUE(group == "事件" || group == "部件") << group;
    codes.insert(std::string(o.at("service_code").as_string()));
  }
  EXPECT_TRUE(codes.count("E01.01") && codes.count("C02.01"));
  EXPECT_FALSE(codes.count("S-ASP-01"));  // 微心愿 stays on the resident channels
  // Without jurisdiction_id: this deployment has one county, so the same list.
  EXPECT_EQ(Get("services.json").Json(), r.Json());
  auto x = Get("services.xml");
  ASSERT_EQ(x.status, 200u);
  EXPECT_TRUE(WellFormed(x.body));
  EXPECT_EQ(XmlValues(x.body, "service_code").size(), services.size());
  EXPECT_EQ(XmlValues(x.body, "metadata")[0], "true");
  // An unknown jurisdiction is 404 in either format.
  ExpectError(Get("services.json?jurisdiction_id=999999"), 404, false);
  ExpectError(Get("services.xml?jurisdiction_id=999999"), 404, true);
}

TEST_P(Open311Test, ServiceDefinitionDescribesItsAttributes) {
  auto r = Get("services/E01.01.json");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::object d = r.Json().as_object();
  EXPECT_EQ(d.at("service_code").as_string(), "E01.01");
  const json::array& attributes = d.at("attributes").as_array();
  ASSERT_EQ(attributes.size(), 3u);
  std::vector<std::string> order;
  for (const auto& a : attributes) {
    const json::object& o = a.as_object();
    EXPECT_TRUE(o.at("variable").is_bool() && o.at("required").is_bool());
    EXPECT_TRUE(o.at("order").is_int64());
    ExpectStrings(o, {"code", "datatype", "datatype_description", "description"});
    order.emplace_back(o.at("code").as_string());
  }
  EXPECT_EQ(order, (std::vector<std::string>{"coord_sys", "address_detail", "anonymous"}));
  EXPECT_EQ(attributes[0].at("datatype").as_string(), "singlevaluelist");
  EXPECT_EQ(attributes[0].at("values").as_array()[1].at("key").as_string(), "gcj02");

  auto x = Get("services/E01.01.xml");
  ASSERT_EQ(x.status, 200u);
  EXPECT_TRUE(WellFormed(x.body)) << x.body;
  EXPECT_NE(x.body.find("<service_definition><service_code>E01.01</service_code><attributes>"
                        "<attribute>"),
            std::string::npos);
  EXPECT_EQ(XmlValues(x.body, "key"),
            (std::vector<std::string>{"wgs84", "gcj02", "bd09", "true", "false"}));
  // Unknown, not offered, or without a format: 404.
  ExpectError(Get("services/X99.99.json"), 404, false);
  ExpectError(Get("services/S-ASP-01.xml"), 404, true);
  EXPECT_EQ(Get("services/E01.01.csv").status, 404u);
}

TEST_P(Open311Test, PostRequestFilesATicketNumberedAtOnce) {
  auto r = Post("requests.json", Request(0));
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::array out = r.Json().as_array();
  ASSERT_EQ(out.size(), 1u);
  const std::string number(out[0].at("service_request_id").as_string());
  EXPECT_TRUE(Shaped(number, "131022-20##-000001")) << number;
  EXPECT_FALSE(out[0].as_object().contains("token"));  // realtime: the id, not a token
  EXPECT_NE(std::string(out[0].at("service_notice").as_string()).find(number), std::string::npos);
  // The ticket, as staff see it: channel open311, in grid A1, public, the
  // reporter identified by phone (masked), the integration not the submitter.
  auto t = As("secretary1").Send("GET", "/api/v1/tickets/" + std::to_string(TicketId(number)));
  ASSERT_EQ(t.status, 200u) << t.body;
  json::object ticket = t.Json().as_object();
  EXPECT_EQ(ticket.at("channel").as_string(), "open311");
  EXPECT_EQ(ticket.at("node_id").as_int64(), w_.grid_a1.id);
  EXPECT_TRUE(ticket.at("is_public").as_bool());
  EXPECT_FALSE(ticket.at("anonymous").as_bool());
  EXPECT_EQ(ticket.at("submitter_name").as_string(), "张三");
  EXPECT_EQ(ticket.at("submitter_phone").as_string(), "138****8000");
  EXPECT_EQ(ticket.at("state").as_string(), "submitted");
  auto conn = app_->db().Acquire();
  auto row =
      (*conn)->QueryOne("SELECT submitter_account_id FROM ticket WHERE number = $1", {number});
  ASSERT_TRUE(row.ok());
  EXPECT_TRUE(row->IsNull(0));

  auto x = Post("requests.xml", Request(1));
  ASSERT_EQ(x.status, 200u) << x.body;
  EXPECT_TRUE(WellFormed(x.body)) << x.body;
  EXPECT_NE(x.body.find("<service_requests><request><service_request_id>131022-"),
            std::string::npos);
  EXPECT_EQ(XmlValues(x.body, "account_id"), std::vector<std::string>{""});
  EXPECT_EQ(Count("ticket"), 2);
}

TEST_P(Open311Test, PostRequestErrorsFollowTheSpecAndWriteNothing) {
  auto without = [&](const std::string& field) {
    Fields f = Request(0);
    std::erase_if(f, [&](const auto& kv) { return kv.first == field; });
    return f;
  };
  auto with = [&](const std::string& field, const std::string& value) {
    Fields f = without(field);
    f.emplace_back(field, value);
    return f;
  };
  for (bool xml : {false, true}) {
    const std::string path = xml ? "requests.xml" : "requests.json";
    ExpectError(Post(path, without("api_key")), 403, xml);
    ExpectError(Post(path, with("api_key", "not-a-key")), 403, xml);
    ExpectError(Post(path, with("jurisdiction_id", "999999")), 404, xml);
    ExpectError(Post(path, with("service_code", "X99.99")), 404, xml);
    ExpectError(Post(path, with("service_code", "S-ASP-01")), 404, xml);
    ExpectError(Post(path, without("service_code")), 400, xml);
    ExpectError(Post(path, without("long")), 400, xml);
    ExpectError(Post(path, without("lat")), 400, xml);
    ExpectError(Post(path, with("lat", "north")), 400, xml);
    // A place outside the county, an attribute the service does not define.
    ExpectError(Post(path, with("lat", "30.0")), 400, xml);
    ExpectError(Post(path, with("attribute[colour]", "red")), 400, xml);
    ExpectError(Post(path, with("attribute[coord_sys]", "bd09")), 400, xml);
    ExpectError(Post(path, with("media_url", "javascript:alert(1)")), 400, xml);
  }
  // Neither lat/long nor an address that names a community.
  Fields nowhere = without("lat");
  std::erase_if(nowhere, [](const auto& kv) { return kv.first == "long"; });
  nowhere.emplace_back("address_string", "某某路 12 号");
  ExpectError(Post("requests.json", nowhere), 400, false);
  // A body that is not a form.
  auto broken = Anonymous()->Send("POST", "/open311/v2/requests.json", "api_key=%zz",
                                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  ExpectError(broken, 400, false);
  // A revoked key.
  auto keys = Must(Directory().ListKeys(), "keys");
  ASSERT_TRUE(Directory().RevokeKey(nullptr, keys.front().id).ok());
  ExpectError(Post("requests.json", Request(0)), 403, false);
  EXPECT_EQ(Count("ticket"), 0);
}

TEST_P(Open311Test, AttributesAnonymityAndAddressOnlyRequests) {
  // No phone: nobody can call back, so the report is filed anonymously.
  Fields f = Request(0);
  std::erase_if(f, [](const auto& kv) { return kv.first == "phone"; });
  const std::string anonymous = File(f);
  json::object t = StaffView(anonymous);
  ASSERT_FALSE(t.empty());
  EXPECT_TRUE(t.at("anonymous").as_bool());
  EXPECT_EQ(t.at("submitter_name").as_string(), "匿名");
  // GCJ-02 coordinates (what Chinese map apps give) land in the right grid;
  // address_detail is appended to the address.
  core::LonLat gcj = core::Wgs84ToGcj02(GridCenter(1));
  f = Request(1);
  for (auto& [k, v] : f) {
    if (k == "lat") v = Num(gcj.lat);
    if (k == "long") v = Num(gcj.lon);
  }
  f.emplace_back("attribute[coord_sys]", "gcj02");
  f.emplace_back("address_string", "东方街北社区南门");
  f.emplace_back("attribute[address_detail]", "3号楼2单元");
  f.emplace_back("attribute[anonymous]", "true");
  t = StaffView(File(f));
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.at("node_id").as_int64(), w_.grid_a2.id);
  EXPECT_EQ(t.at("address").as_string(), "东方街北社区南门 3号楼2单元");
  EXPECT_TRUE(t.at("anonymous").as_bool());
  EXPECT_TRUE(t.at("submitter_phone").is_null());
  // Only an address: filed to the community it names.
  f = Request(0);
  std::erase_if(f, [](const auto& kv) { return kv.first == "lat" || kv.first == "long"; });
  f.emplace_back("address_string", "固安县西关社区菜市场东口");
  const std::string by_address = File(f);
  t = StaffView(by_address);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.at("node_id").as_int64(), w_.community_b.id);
  auto got = Get("requests/" + by_address + ".json");
  ASSERT_EQ(got.status, 200u) << got.body;
  EXPECT_TRUE(got.Json().as_array()[0].at("lat").is_null());
}

TEST_P(Open311Test, GetRequestsShowsOnlyPublicTicketsWithoutPersonalData) {
  const std::string a = File(Request(0, "E01.01"));
  const std::string b = File(Request(2, "C02.01"));
  // A private 家电维修 request from a resident is not an Open311 request.
  auto priv = As("resident1")
                  .Send("POST", "/api/v1/tickets",
                        R"({"category_id":)" +
                            std::to_string(app_->categories().GetByCode("S-DLY-01")->id) +
                            R"(,"kind":"wish","description":"家里洗衣机不转了","node_id":)" +
                            std::to_string(w_.grid_a1.id) + "}");
  ASSERT_EQ(priv.status, 201u) << priv.body;
  const std::string private_number(priv.Json().at("number").as_string());

  auto r = Get("requests.json");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::array all = r.Json().as_array();
  ASSERT_EQ(all.size(), 2u) << r.body;
  for (const auto& item : all) ExpectRequestShape(item);
  EXPECT_EQ(all[0].at("service_request_id").as_string(), a);
  EXPECT_EQ(all[0].at("service_code").as_string(), "E01.01");
  EXPECT_EQ(all[0].at("status").as_string(), "open");
  EXPECT_NEAR(all[0].at("lat").as_double(), GridCenter(0).lat, 1e-9);
  EXPECT_NEAR(all[0].at("long").as_double(), GridCenter(0).lon, 1e-9);
  // Names, phones and e-mail never leave through the public reads.
  for (const std::string& body : {r.body, Get("requests.xml").body}) {
    for (const char* secret : {"张三", "13800138000", "138****8000", "zhang@example.com"}) {
      EXPECT_EQ(body.find(secret), std::string::npos) << secret;
    }
  }
  auto x = Get("requests.xml");
  EXPECT_TRUE(WellFormed(x.body)) << x.body;
  EXPECT_EQ(XmlValues(x.body, "service_request_id"), (std::vector<std::string>{a, b}));
  // Filters: service_code, status, the id list (which overrides the rest).
  EXPECT_EQ(Get("requests.json?service_code=C02.01").Json().as_array().size(), 1u);
  EXPECT_EQ(Get("requests.json?service_code=C02.01,E01.01").Json().as_array().size(), 2u);
  EXPECT_EQ(Get("requests.json?status=closed").Json().as_array().size(), 0u);
  EXPECT_EQ(Get("requests.json?status=open,closed").Json().as_array().size(), 2u);
  auto ids = Get("requests.json?status=closed&service_request_id=" + b + "," + private_number);
  ASSERT_EQ(ids.Json().as_array().size(), 1u);
  EXPECT_EQ(ids.Json().as_array()[0].at("service_request_id").as_string(), b);
  // One of them resolved: now closed.
  Resolve(a, "已清运");
  auto closed = Get("requests.json?status=closed").Json().as_array();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].at("service_request_id").as_string(), a);
  // Bad filters are 400.
  ExpectError(Get("requests.json?status=pending"), 400, false);
  ExpectError(Get("requests.xml?service_code=X99.99"), 400, true);
  ExpectError(Get("requests.json?start_date=yesterday"), 400, false);
  ExpectError(Get("requests.json?start_date=2026-01-01T00:00:00"), 400, false);  // no zone
}

TEST_P(Open311Test, DateWindowDefaultsToTheLastNinetyDaysAndSpansAtMostNinety) {
  const std::string recent = File(Request(0));
  const std::string old = File(Request(1));
  const int64_t now = app_->clock().NowMs();
  const int64_t hundred_days_ago = now - 100 * core::kMsPerDay;
  {
    auto conn = app_->db().Acquire();
    ASSERT_TRUE((*conn)
                    ->Execute("UPDATE ticket SET created_at = $1 WHERE number = $2",
                              {hundred_days_ago, old})
                    .ok());
  }
  auto ids = [&](const std::string& query) {
    std::vector<std::string> out;
    auto r = Get("requests.json" + query);
    EXPECT_EQ(r.status, 200u) << r.body;
    const json::value body = r.Json();
    for (const auto& item : body.as_array()) {
      out.emplace_back(item.at("service_request_id").as_string());
    }
    return out;
  };
  EXPECT_EQ(ids(""), std::vector<std::string>{recent});
  const std::string start = core::FormatShanghai(hundred_days_ago - core::kMsPerDay);
  const std::string end = core::FormatUtc(hundred_days_ago + core::kMsPerDay);
  EXPECT_EQ(ids("?start_date=" + Encode(start) + "&end_date=" + Encode(end)),
            std::vector<std::string>{old});
  // start_date alone covers the 90 days after it; end_date alone the 90 before.
  EXPECT_EQ(ids("?start_date=" + Encode(start)), std::vector<std::string>{old});
  EXPECT_EQ(ids("?end_date=" + Encode(core::FormatUtc(now))), std::vector<std::string>{recent});
  // A span over 90 days, or an end before the start, is refused.
  ExpectError(Get("requests.json?start_date=" + Encode(start) +
                  "&end_date=" + Encode(core::FormatUtc(now))),
              400, false);
  ExpectError(Get("requests.json?start_date=" + Encode(end) + "&end_date=" + Encode(start)), 400,
              false);
}

TEST_P(Open311Test, AtMostAThousandRequestsPerQuery) {
  domain::Caller caller = Must(Directory().Authenticate(key_), "key caller");
  const int64_t category = app_->categories().GetByCode("E01.01")->id;
  {
    auto conn = app_->db().Acquire();
    auto tx = store::Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    for (int i = 0; i < 1001; ++i) {
      domain::NewTicket t;
      t.channel = domain::TicketChannel::kOpen311;
      t.category_id = category;
      t.description = "批量 " + std::to_string(i);
      t.location = GridCenter(i % 3);
      t.anonymous = true;
      auto prepared = Must(app_->tickets().Prepare(caller, t), "prepare");
      ASSERT_TRUE(app_->tickets().Insert(**conn, caller, prepared).ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto r = Get("requests.json");
  ASSERT_EQ(r.status, 200u);
  const json::array all = r.Json().as_array();
  ASSERT_EQ(all.size(), 1000u);
  EXPECT_EQ(all.front().at("description").as_string(), "批量 0");
  EXPECT_EQ(all.back().at("description").as_string(), "批量 999");
}

TEST_P(Open311Test, OneRequestByIdAndByTokenWithStatusNotesAndAgency) {
  const std::string number = File(Request(0));
  for (const std::string ext : {".json", ".xml"}) {
    auto r = Get("requests/" + number + ext);
    ASSERT_EQ(r.status, 200u) << r.body;
    auto token = Get("tokens/" + number + ext);
    ASSERT_EQ(token.status, 200u) << token.body;
    if (ext == ".json") {
      ASSERT_EQ(r.Json().as_array().size(), 1u);
      ExpectRequestShape(r.Json().as_array()[0]);
      EXPECT_EQ(token.Json(),
                (json::array{json::object{{"service_request_id", number}, {"token", number}}}));
    } else {
      EXPECT_TRUE(WellFormed(r.body) && WellFormed(token.body));
      EXPECT_EQ(XmlValues(r.body, "service_request_id"), std::vector<std::string>{number});
      EXPECT_EQ(XmlValues(token.body, "token"), std::vector<std::string>{number});
    }
    ExpectError(Get("requests/131022-2026-999999" + ext), 404, ext == ".xml");
    ExpectError(Get("tokens/nope" + ext), 404, ext == ".xml");
  }
  Resolve(number, "已联系环卫清运");
  json::object o = Get("requests/" + number + ".json").Json().as_array()[0].as_object();
  EXPECT_EQ(o.at("status").as_string(), "closed");
  EXPECT_EQ(o.at("status_notes").as_string(), "已联系环卫清运");
  EXPECT_EQ(o.at("agency_responsible").as_string(), "东方街北一网格工作人员");
  json::object staff = As("secretary1")
                           .Send("GET", "/api/v1/tickets/" + std::to_string(TicketId(number)))
                           .Json()
                           .as_object();
  // Closed requests are updated when they were closed; due when the SLA says.
  EXPECT_EQ(core::ParseTimestamp(o.at("updated_datetime").as_string(), "").value() / 1000,
            core::ParseTimestamp(staff.at("resolved_at").as_string(), "").value() / 1000);
  EXPECT_EQ(core::ParseTimestamp(o.at("expected_datetime").as_string(), "").value() / 1000,
            core::ParseTimestamp(staff.at("resolve_due").as_string(), "").value() / 1000);
}

TEST_P(Open311Test, MediaUrlServesThePhotoOfAPublicTicketOnly) {
  auto upload = [&](int shade) {
    auto r = As("resident1")
                 .Send("POST", "/api/v1/attachments", media::testing::TestJpeg(64, 48, shade),
                       {{"Content-Type", "image/jpeg"}});
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.Json().at("id").as_int64();
  };
  const int64_t photo = upload(90), private_photo = upload(200);
  const std::string category = std::to_string(app_->categories().GetByCode("E01.01")->id);
  auto submit = [&](bool is_public, int64_t attachment) {
    char loc[64];
    std::snprintf(loc, sizeof loc, "[%.6f,%.6f]", GridCenter(0).lon, GridCenter(0).lat);
    auto r = As("resident1")
                 .Send("POST", "/api/v1/tickets",
                       R"({"category_id":)" + category + R"(,"description":"垃圾","location":)" +
                           loc + R"(,"is_public":)" + (is_public ? "true" : "false") +
                           R"(,"attachment_ids":[)" + std::to_string(attachment) + "]}");
    EXPECT_EQ(r.status, 201u) << r.body;
    return std::string(r.Json().at("number").as_string());
  };
  const std::string number = submit(true, photo);
  submit(false, private_photo);
  json::object o = Get("requests/" + number + ".json").Json().as_array()[0].as_object();
  const std::string url(o.at("media_url").as_string());
  ASSERT_TRUE(Shaped(url, "http://127.0.0.1:*/open311/v2/media/*")) << url;
  auto image = Anonymous()->Send("GET", url.substr(url.find("/open311/")));
  ASSERT_EQ(image.status, 200u);
  EXPECT_EQ(image.Header("Content-Type"), "image/jpeg");
  EXPECT_EQ(image.body.substr(0, 2), "\xFF\xD8");
  EXPECT_EQ(Anonymous()->Send("GET", "/open311/v2/media/" + std::to_string(private_photo)).status,
            404u);
}

// FixMyStreet's round trip: report → read back → the council resolves it →
// FMS fetches the update → a user comments → staff see the comment.
TEST_P(Open311Test, FixMyStreetRoundTripThroughServiceRequestUpdates) {
  const std::string number = File(Request(0));
  auto before = Get("requests/" + number + ".json").Json().as_array()[0];
  EXPECT_EQ(before.at("status").as_string(), "open");
  Resolve(number, "已联系环卫清运");

  auto r = Get("servicerequestupdates.json");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::array updates = r.Json().as_array();
  std::vector<std::string> statuses;
  for (const auto& u : updates) {
    const json::object& o = u.as_object();
    ExpectStrings(o, {"update_id", "service_request_id", "status", "updated_datetime",
                      "description", "media_url"});
    EXPECT_EQ(o.at("service_request_id").as_string(), number);
    EXPECT_TRUE(IsW3cShanghai(o.at("updated_datetime").as_string()));
    statuses.emplace_back(o.at("status").as_string());
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"investigating", "action_scheduled", "in_progress",
                                                "fixed"}));
  EXPECT_EQ(updates.back().at("description").as_string(), "已联系环卫清运");
  auto x = Get("servicerequestupdates.xml");
  EXPECT_TRUE(WellFormed(x.body)) << x.body;
  EXPECT_NE(x.body.find("<service_request_updates><request_update><update_id>"), std::string::npos);
  EXPECT_EQ(XmlValues(x.body, "status").back(), "fixed");

  // A FixMyStreet user says it is still there.
  Fields comment{{"api_key", key_},
                 {"jurisdiction_id", "131022"},
                 {"service_request_id", number},
                 {"update_id", "fms-42"},
                 {"status", "OPEN"},
                 {"description", "还有一部分垃圾没清走"},
                 {"updated_datetime", core::FormatUtc(app_->clock().NowMs())},
                 {"first_name", "四"},
                 {"last_name", "李"},
                 {"email", "li@example.com"}};
  auto posted = Post("servicerequestupdates.json", comment);
  ASSERT_EQ(posted.status, 200u) << posted.body;
  const std::string update_id(posted.Json().as_array()[0].at("update_id").as_string());
  auto events = As("secretary1")
                    .Send("GET", "/api/v1/tickets/" + std::to_string(TicketId(number)) + "/events");
  const json::object last = events.Json().at("items").as_array().back().as_object();
  EXPECT_EQ(last.at("type").as_string(), "comment");
  EXPECT_EQ(last.at("note").as_string(), "还有一部分垃圾没清走");
  EXPECT_EQ(std::to_string(last.at("id").as_int64()), update_id);
  // A retry of that POST (the answer was lost) adds nothing and answers the
  // same update_id.
  const int64_t events_now = Count("ticket_event");
  auto retried = Post("servicerequestupdates.json", comment);
  ASSERT_EQ(retried.status, 200u) << retried.body;
  EXPECT_EQ(retried.Json().as_array()[0].at("update_id").as_string(), update_id);
  EXPECT_EQ(Count("ticket_event"), events_now);
  // It comes back as an update with the same id (FixMyStreet skips its own).
  auto again = Get("servicerequestupdates.json").Json().as_array();
  EXPECT_EQ(again.back().at("update_id").as_string(), update_id);
  EXPECT_EQ(again.back().at("status").as_string(), "fixed");  // a comment changes no state
  // The XML flavour of the same POST; a reported status is kept with the note.
  comment[4].second = "fixed";
  comment[5].second = "现在干净了";
  ExpectError(Post("servicerequestupdates.json", comment), 400, false);  // fms-42 was another
  EXPECT_EQ(Count("ticket_event"), events_now);
  comment[3].second = "fms-43";
  auto xml = Post("servicerequestupdates.xml", comment);
  ASSERT_EQ(xml.status, 200u) << xml.body;
  EXPECT_TRUE(WellFormed(xml.body));
  EXPECT_EQ(XmlValues(xml.body, "update_id").size(), 1u);
  events = As("secretary1")
               .Send("GET", "/api/v1/tickets/" + std::to_string(TicketId(number)) + "/events");
  EXPECT_EQ(events.Json().at("items").as_array().back().at("note").as_string(),
            "现在干净了\n（对方标注的状态：FIXED）");
  // Nothing personal in the public updates either.
  const std::string body = Get("servicerequestupdates.json").body;
  for (const char* secret : {"李四", "li@example.com", "张三", "13800138000"}) {
    EXPECT_EQ(body.find(secret), std::string::npos) << secret;
  }
}

TEST_P(Open311Test, ServiceRequestUpdateErrors) {
  const std::string number = File(Request(0));
  const Fields good{{"api_key", key_},
                    {"service_request_id", number},
                    {"status", "OPEN"},
                    {"description", "补充说明"},
                    {"updated_datetime", "2026-03-01T10:00:00+08:00"}};
  auto with = [&](const std::string& field, const std::string& value) {
    Fields f = good;
    std::erase_if(f, [&](const auto& kv) { return kv.first == field; });
    if (!value.empty()) f.emplace_back(field, value);
    return f;
  };
  const int64_t events = Count("ticket_event");
  for (bool xml : {false, true}) {
    const std::string path = xml ? "servicerequestupdates.xml" : "servicerequestupdates.json";
    ExpectError(Post(path, with("api_key", "")), 403, xml);
    ExpectError(Post(path, with("api_key", "wrong")), 403, xml);
    ExpectError(Post(path, with("service_request_id", "131022-2026-999999")), 404, xml);
    ExpectError(Post(path, with("jurisdiction_id", "999999")), 404, xml);
    ExpectError(Post(path, with("status", "")), 400, xml);
    ExpectError(Post(path, with("status", "SOLVED_BY_MAGIC")), 400, xml);
    ExpectError(Post(path, with("description", "")), 400, xml);
    ExpectError(Post(path, with("updated_datetime", "yesterday")), 400, xml);
  }
  EXPECT_EQ(Count("ticket_event"), events);
  ExpectError(Get("servicerequestupdates.json?start_date=soon"), 400, false);
  EXPECT_EQ(Post("servicerequestupdates.json", good).status, 200u);
  EXPECT_EQ(Count("ticket_event"), events + 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, Open311Test, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
