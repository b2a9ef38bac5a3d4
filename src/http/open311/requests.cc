// Open311 GeoReport v2 service requests: POST and GET requests, GET
// requests/{id}, tokens/{token}. Updates and media are in updates.cc.
#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/bd09.h"
#include "core/time.h"
#include "http/json_body.h"
#include "http/open311/open311_internal.h"

namespace civicgrid::http::open311 {
namespace {

namespace json = boost::json;
using domain::Caller;
using domain::Ticket;
using domain::TicketState;

// Most ids in one service_request_id list.
constexpr size_t kMaxIds = 200;
constexpr int64_t kPageSize = 500;
constexpr size_t kMaxUrlLength = 1000;
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

struct CategoryIndex {
  std::map<int64_t, std::string> codes;  // every category id → service_code
  std::set<int64_t> offered;
};

core::Result<CategoryIndex> Categories(ApiServices& api) {
  CG_ASSIGN_OR_RETURN(auto all, api.categories.List(true));
  CategoryIndex index;
  for (const auto& c : all) {
    index.codes[c.id] = c.code;
    if (Offered(c)) index.offered.insert(c.id);
  }
  return index;
}

json::value Agency(const Ticket& t) {
  if (!t.assignee) return nullptr;
  switch (t.assignee->kind) {
    case domain::AssigneeKind::kUnit:
      return json::value(t.assignee->name);  // a department or a paired unit
    case domain::AssigneeKind::kMember:
      return json::value("社区党员志愿者");  // people are not named publicly
    case domain::AssigneeKind::kAccount:
      return json::value(t.node_name + "工作人员");
    case domain::AssigneeKind::kBoard:
      return json::value("社区点单栏（待认领）");
  }
  return nullptr;
}

core::Result<Reply> RequestsReply(Context& ctx, const Caller& reader,
                                  const std::vector<Ticket>& tickets, const CategoryIndex& index,
                                  const std::string& base) {
  std::vector<int64_t> ids;
  for (const auto& t : tickets) ids.push_back(t.id);
  CG_ASSIGN_OR_RETURN(auto notes, ctx.directory.StatusNotes(reader, ids));
  json::array out;
  for (const auto& t : tickets) {
    auto note = notes.find(t.id);
    out.push_back(RequestJson(
        t, index.codes, note == notes.end() ? std::nullopt : std::optional(note->second), base));
  }
  return Reply{200, "service_requests", std::move(out)};
}

// --- POST requests ---------------------------------------------------------------

struct Attributes {
  bool gcj02 = false;  // GCJ-02 as the domain takes it (BD-09 is converted here)
  bool bd09 = false;
  std::string address_detail;
  std::optional<bool> anonymous;
};

// attribute[code]=value (or attribute[code][]=value); only the codes of the
// service definition.
core::Result<Attributes> ReadAttributes(const Form& form, const domain::Category& category) {
  Attributes a;
  for (const auto& [name, value] : form.fields()) {
    if (name.rfind("attribute[", 0) != 0 || value.empty()) continue;
    const size_t close = name.find(']');
    const std::string code = name.substr(10, close == std::string::npos ? 0 : close - 10);
    const std::string field = "attribute[" + code + "]";
    if (code == kAttrCoordSys) {
      if (value != "wgs84" && value != "gcj02" && value != "bd09")
        return core::Error::Invalid(field, "应为 wgs84、gcj02 或 bd09");
      a.gcj02 = value != "wgs84";
      a.bd09 = value == "bd09";
    } else if (code == kAttrAddressDetail) {
      CG_ASSIGN_OR_RETURN(size_t n, CheckText(value, field, TextKind::kSingleLine));
      if (n > 100) return core::Error::Invalid(field, "不能超过 100 个字");
      a.address_detail = value;
    } else if (code == kAttrAnonymous && category.allow_anonymous) {
      if (value != "true" && value != "false") {
        return core::Error::Invalid(field, "应为 true 或 false");
      }
      a.anonymous = value == "true";
    } else {
      return core::Error::Invalid(field, "服务 " + category.code + " 没有这个属性，见其服务定义");
    }
  }
  return a;
}

core::Result<std::optional<double>> Coordinate(const Form& form, const char* name) {
  std::optional<std::string> text = form.Get(name);
  if (!text) return std::optional<double>();
  double v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    return core::Error::Invalid(name, "应为十进制数");
  }
  return std::optional<double>(v);
}

bool Ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

// 姓在前 for Chinese names; "first last" for Latin ones.
std::string ContactName(const Form& form) {
  std::string first = form.Get("first_name").value_or("");
  std::string last = form.Get("last_name").value_or("");
  if (first.empty() || last.empty()) return first + last;
  return Ascii(first) && Ascii(last) ? first + " " + last : last + first;
}

core::Result<domain::NewTicket> TicketFromForm(Context& ctx, const Request& r, const Form& form,
                                               const domain::Category& category,
                                               const domain::Jurisdiction& j) {
  CG_ASSIGN_OR_RETURN(Attributes attributes, ReadAttributes(form, category));
  domain::NewTicket t;
  t.kind = domain::TicketKind::kReport;
  t.channel = domain::TicketChannel::kOpen311;
  t.category_id = category.id;
  t.is_public = true;  // Open311 requests are public: anyone may GET them
  CG_ASSIGN_OR_RETURN(auto lat, Coordinate(form, "lat"));
  CG_ASSIGN_OR_RETURN(auto lon, Coordinate(form, "long"));
  if (lat.has_value() != lon.has_value()) {
    return core::Error::Invalid(lat ? "long" : "lat", "lat 与 long 须同时提供");
  }
  std::string address = form.Get("address_string").value_or("");
  if (lat) {
    t.location = core::LonLat{*lon, *lat};
    t.gcj02 = attributes.gcj02;
    if (attributes.bd09) {
      if (*lat < -90 || *lat > 90) return core::Error::Invalid("lat", "纬度应在 -90 到 90 之间");
      if (*lon < -180 || *lon > 180)
        return core::Error::Invalid("long", "经度应在 -180 到 180 之间");
      t.location = core::Bd09ToGcj02(*t.location);
    }
  } else if (!address.empty()) {
    // No geocoder: an address is placed by the community or grid it names.
    CG_ASSIGN_OR_RETURN(t.node_id, ctx.directory.NodeNamedIn(j, address));
    if (!t.node_id) {
      return core::Error::Invalid(
          "lat/long", "请提供 lat/long；仅凭 address_string 定位时，地址须含本县社区名称");
    }
  } else if (form.Get("address_id")) {
    return core::Error::Invalid("address_id", "不支持 address_id，请提供 lat/long");
  } else {
    return core::Error::Invalid("lat/long", "须提供 lat/long 或 address_string");
  }
  if (!attributes.address_detail.empty()) {
    address += (address.empty() ? "" : " ") + attributes.address_detail;
  }
  t.address = address;
  t.description = Lines(form.Get("description").value_or(""));
  if (t.description.empty()) t.description = category.name;
  CG_ASSIGN_OR_RETURN(auto media, MediaUrlField(form));
  // Photos are kept only as uploads checked by content and stripped of
  // EXIF/GPS; an outside link is recorded in the text for staff to open.
  if (media) t.description += "\n图片链接：" + *media;
  t.contact_name = ContactName(form);
  t.phone = form.Get("phone");
  // Without a phone nobody can call back: filed anonymously where allowed.
  t.anonymous = attributes.anonymous.value_or(!t.phone && category.allow_anonymous);
  std::string_view key = r.Header("Idempotency-Key");
  if (!key.empty()) t.idempotency_key = std::string(key);
  return t;
}

struct Prepared {
  Caller caller;
  domain::PreparedTicket ticket;
};

core::Result<Prepared> PrepareRequest(Context& ctx, const Request& r) {
  CG_ASSIGN_OR_RETURN(Form form, Form::Parse(r.body));
  CG_ASSIGN_OR_RETURN(domain::Jurisdiction j, JurisdictionOf(ctx, r, &form));
  CG_ASSIGN_OR_RETURN(Caller caller, KeyCaller(ctx, form, j));
  caller.request_id = r.request_id;
  std::optional<std::string> code = form.Get("service_code");
  if (!code) return core::Error::Invalid("service_code", "必填");
  auto category = ctx.api.categories.GetByCode(*code);
  if (!category.ok() && category.error().code != core::ErrorCode::kNotFound) {
    return category.error();
  }
  if (!category.ok() || !Offered(*category)) {
    return core::Error::NotFound("service_code 未找到：" + *code);
  }
  CG_ASSIGN_OR_RETURN(domain::NewTicket t, TicketFromForm(ctx, r, form, *category, j));
  CG_ASSIGN_OR_RETURN(domain::PreparedTicket prepared, ctx.api.tickets.Prepare(caller, t));
  if (prepared.county_code != j.code) {
    return core::Error::Invalid("lat/long", "位置不在 jurisdiction_id " + j.code + " 所指的县内");
  }
  return Prepared{std::move(caller), std::move(prepared)};
}

std::string ServiceNotice(const Ticket& t) {
  return "已登记，编号 " + t.number + "。将于 " + core::FormatShanghaiText(t.accept_due) +
         " 前受理，" + core::FormatShanghaiText(t.resolve_due) + " 前办结（北京时间）。";
}

// Validated here on the I/O thread (reads only), written by the group-commit
// writer like every other submission, answered once its transaction commits.
void PostRequest(Context& ctx, Request& r, Format format, Responder respond) {
  auto prepared = PrepareRequest(ctx, r);
  if (!prepared.ok()) return respond(RenderError(format, prepared.error()));
  ctx.api.intake.Submit(prepared->caller, std::move(prepared->ticket),
                        [format, respond = std::move(respond)](
                            core::Result<domain::TicketService::Inserted> inserted) {
                          if (!inserted.ok()) return respond(RenderError(format, inserted.error()));
                          const Ticket& t = inserted->ticket;
                          json::array out{json::object{{"service_request_id", t.number},
                                                       {"service_notice", ServiceNotice(t)},
                                                       {"account_id", nullptr}}};
                          respond(Render(format, Reply{200, "service_requests", std::move(out)}));
                        });
}

// --- GET requests, requests/{id}, tokens/{token} -------------------------------

core::Result<std::optional<bool>> OpenFilter(const Request& r) {
  std::optional<std::string> text = r.Query("status");
  if (!text) return std::optional<bool>();
  bool open = false, closed = false;
  for (const auto& s : SplitList(*text)) {
    if (s == "open") {
      open = true;
    } else if (s == "closed") {
      closed = true;
    } else {
      return core::Error::Invalid("status", "应为 open 或 closed（可逗号分隔）");
    }
  }
  if (open == closed) return std::optional<bool>();
  return std::optional<bool>(open);
}

// Public tickets of `category` (or of every offered category) in the window.
core::Status Collect(Context& ctx, const Caller& reader, domain::TicketFilter f,
                     const CategoryIndex& index, std::vector<Ticket>& out) {
  f.page = domain::Page{0, kPageSize};
  while (static_cast<int64_t>(out.size()) < kMaxResults) {
    CG_ASSIGN_OR_RETURN(auto page, ctx.api.tickets.List(reader, f));
    for (auto& t : page.items) {
      if (index.offered.count(t.category_id) > 0) out.push_back(std::move(t));
    }
    if (!page.next_after) break;
    f.page.after = *page.next_after;
  }
  return core::Ok();
}

core::Result<std::vector<Ticket>> ByNumbers(Context& ctx, const Caller& reader,
                                            const domain::Jurisdiction& j,
                                            const std::vector<std::string>& numbers) {
  if (numbers.size() > kMaxIds) {
    return core::Error::Invalid("service_request_id", "一次最多查询 200 个编号");
  }
  std::vector<Ticket> out;
  for (const auto& number : numbers) {
    auto t = ctx.api.tickets.GetByNumber(reader, number);
    if (!t.ok() && t.error().code == core::ErrorCode::kNotFound) continue;
    if (!t.ok()) return t.error();
    if (InJurisdiction(*t, j)) out.push_back(std::move(*t));
  }
  return out;
}

core::Result<Reply> GetRequests(Context& ctx, Request& r, Format) {
  CG_ASSIGN_OR_RETURN(domain::Jurisdiction j, JurisdictionOf(ctx, r, nullptr));
  const Caller reader = domain::Open311Directory::PublicReader(j);
  CG_ASSIGN_OR_RETURN(CategoryIndex index, Categories(ctx.api));
  std::vector<Ticket> found;
  if (auto ids = r.Query("service_request_id"); ids && !ids->empty()) {
    // The spec: a list of ids overrides every other argument.
    CG_ASSIGN_OR_RETURN(found, ByNumbers(ctx, reader, j, SplitList(*ids)));
    return RequestsReply(ctx, reader, found, index, BaseUrl(ctx.api, r));
  }
  const int64_t now = ctx.api.clock.NowMs();
  CG_ASSIGN_OR_RETURN(Window window, TimeWindow(r, now));
  domain::TicketFilter f;
  f.within = j.node_id;
  f.created_from = window.from;
  // A window that ends after now (the default one, the last 90 days) has no
  // later tickets to stop before: without an end the list reads one id bound
  // off the created index, not two (tickets.md, "Lists at city scale").
  if (window.to <= now) f.created_to = window.to;
  CG_ASSIGN_OR_RETURN(f.open, OpenFilter(r));
  std::vector<std::string> codes = SplitList(r.Query("service_code").value_or(""));
  if (codes.empty()) {
    CG_TRY(Collect(ctx, reader, f, index, found));
  }
  for (const auto& code : codes) {
    auto category = ctx.api.categories.GetByCode(code);
    if (!category.ok() || !Offered(*category)) {
      return core::Error::Invalid("service_code", "未知的 service_code：" + code);
    }
    f.category_id = category->id;
    CG_TRY(Collect(ctx, reader, f, index, found));
  }
  std::sort(found.begin(), found.end(),
            [](const Ticket& a, const Ticket& b) { return a.id < b.id; });
  if (static_cast<int64_t>(found.size()) > kMaxResults) found.resize(kMaxResults);
  return RequestsReply(ctx, reader, found, index, BaseUrl(ctx.api, r));
}

core::Result<Reply> GetRequest(Context& ctx, Request& r, Format, const std::string& number) {
  CG_ASSIGN_OR_RETURN(domain::Jurisdiction j, JurisdictionOf(ctx, r, nullptr));
  const Caller reader = domain::Open311Directory::PublicReader(j);
  CG_ASSIGN_OR_RETURN(Ticket t, OnePublic(ctx, reader, j, number));
  CG_ASSIGN_OR_RETURN(CategoryIndex index, Categories(ctx.api));
  return RequestsReply(ctx, reader, {t}, index, BaseUrl(ctx.api, r));
}

// Tickets are numbered when they are filed (type realtime), so a token is
// simply the service_request_id; clients that follow the batch flow still work.
core::Result<Reply> GetToken(Context& ctx, Request& r, Format, const std::string& token) {
  CG_ASSIGN_OR_RETURN(domain::Jurisdiction j, JurisdictionOf(ctx, r, nullptr));
  const Caller reader = domain::Open311Directory::PublicReader(j);
  auto t = OnePublic(ctx, reader, j, token);
  if (!t.ok() && t.error().code == core::ErrorCode::kNotFound) {
    return core::Error::NotFound("token 未找到：" + token);
  }
  if (!t.ok()) return t.error();
  json::array out{json::object{{"service_request_id", t->number}, {"token", token}}};
  return Reply{200, "service_requests", std::move(out)};
}

}  // namespace

bool InJurisdiction(const Ticket& t, const domain::Jurisdiction& j) {
  return t.path.substr(0, j.path.size()) == j.path;
}

// Browsers send CRLF from text areas; the ticket text keeps plain '\n'.
std::string Lines(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out.push_back(text[i]);
    } else if (i + 1 >= text.size() || text[i + 1] != '\n') {
      out.push_back('\n');
    }
  }
  size_t b = out.find_first_not_of(" \t\n");
  size_t e = out.find_last_not_of(" \t\n");
  return b == std::string::npos ? "" : out.substr(b, e - b + 1);
}

core::Result<std::optional<std::string>> MediaUrlField(const Form& form) {
  std::optional<std::string> url = form.Get("media_url");
  if (!url) return url;
  const bool web = url->rfind("http://", 0) == 0 || url->rfind("https://", 0) == 0;
  if (!web || url->size() > kMaxUrlLength ||
      url->find_first_of(" \t\r\n<>\"") != std::string::npos) {
    return core::Error::Invalid("media_url", "应为不超过 1000 个字符的 http(s) 地址");
  }
  return url;
}

core::Result<Ticket> OnePublic(Context& ctx, const Caller& reader, const domain::Jurisdiction& j,
                               const std::string& number) {
  auto t = ctx.api.tickets.GetByNumber(reader, number);
  if (!t.ok() && t.error().code != core::ErrorCode::kNotFound) return t.error();
  if (!t.ok() || !InJurisdiction(*t, j)) {
    return core::Error::NotFound("service_request_id 未找到：" + number);
  }
  return t;
}

json::value RequestJson(const Ticket& t, const std::map<int64_t, std::string>& codes,
                        const std::optional<std::string>& note, const std::string& base) {
  auto code = codes.find(t.category_id);
  int64_t updated = t.updated_at;
  if (t.state == TicketState::kResolved && t.resolved_at) updated = *t.resolved_at;
  if ((t.state == TicketState::kClosed || t.state == TicketState::kRejected) && t.closed_at) {
    updated = *t.closed_at;
  }
  json::object o{
      {"service_request_id", t.number},
      {"status", OpenClosed(t.state)},
      {"status_notes", note ? json::value(*note) : json::value(nullptr)},
      {"service_name", t.category_name},
      {"service_code", code == codes.end() ? "" : code->second},
      {"description", t.description},
      {"agency_responsible", Agency(t)},
      {"service_notice", nullptr},
      {"requested_datetime", core::FormatShanghai(t.created_at)},
      {"updated_datetime", core::FormatShanghai(updated)},
      {"expected_datetime", core::FormatShanghai(t.resolve_due)},
      {"address", t.address.empty() ? t.node_name : t.address},
      {"address_id", nullptr},
      {"zipcode", nullptr},
  };
  o["lat"] = t.location ? json::value(t.location->lat) : json::value(nullptr);
  o["long"] = t.location ? json::value(t.location->lon) : json::value(nullptr);
  o["media_url"] = t.attachment_ids.empty() ? json::value(nullptr)
                                            : json::value(MediaUrl(base, t.attachment_ids.front()));
  return o;
}

void RegisterRequestRoutes(Router& router, const std::shared_ptr<Context>& ctx) {
  const std::string v2 = "/open311/v2/";
  // A submission, like POST /api/v1/tickets: validated, then handed to the
  // intake writer; queued ahead of reads (RouteOptions::ahead).
  const RouteOptions form{.max_body_bytes = 64 * 1024, .ahead = true};
  for (Format format : {Format::kJson, Format::kXml}) {
    const std::string ext = format == Format::kJson ? ".json" : ".xml";
    router.AddAsync(
        "POST", v2 + "requests" + ext,
        [ctx, format](Request& r, Responder respond) {
          PostRequest(*ctx, r, format, std::move(respond));
        },
        form);
  }
  AddFormats(router, ctx, "GET", v2 + "requests", GetRequests, LongRoute());  // bulk read
  AddWithId(router, ctx, "GET", v2 + "requests/", "service_request_id_format", GetRequest);
  AddWithId(router, ctx, "GET", v2 + "tokens/", "token_format", GetToken);
}

}  // namespace civicgrid::http::open311
