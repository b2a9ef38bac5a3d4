#include "domain/registry/importer.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "core/csv.h"
#include "core/text_encoding.h"
#include "store/pacer.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr int64_t kProgressEvery = 5000;

// A header name may be written in English or Chinese.
struct Column {
  std::string_view name;
  std::string_view zh;
  bool required;
};

class Table {
 public:
  static core::Result<Table> Parse(std::string_view bytes, std::vector<Column> columns) {
    Table t;
    CG_ASSIGN_OR_RETURN(t.text_, core::ToUtf8(bytes));
    CG_ASSIGN_OR_RETURN(t.records_, core::ParseCsv(t.text_));
    if (t.records_.empty()) return Error::Invalid("body", "文件为空，缺少表头");
    core::CsvHeader header(t.records_.front().fields);
    for (const Column& c : columns) {
      auto index = header.Find(c.name);
      if (!index) index = header.Find(c.zh);
      if (!index && c.required) {
        return Error::Invalid(std::string(c.name), "缺少必填列 " + std::string(c.name) + "（" +
                                                       std::string(c.zh) + "）");
      }
      t.index_[std::string(c.name)] = index;
    }
    t.records_.erase(t.records_.begin());
    return t;
  }
  const std::vector<core::CsvRecord>& records() const { return records_; }
  std::string Get(const core::CsvRecord& r, std::string_view column) const {
    auto it = index_.find(std::string(column));
    if (it == index_.end() || !it->second) return "";
    return std::string(core::FieldOrEmpty(r, *it->second));
  }

 private:
  std::string text_;
  std::vector<core::CsvRecord> records_;
  std::map<std::string, std::optional<size_t>> index_;
};

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find_first_of("|;", start);
    if (end == std::string::npos) end = s.size();
    std::string item = s.substr(start, end - start);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

class IssueList {
 public:
  IssueList(ImportReport& report, size_t max) : report_(report), max_(max) {}
  void Add(int64_t line, const Error& e) {
    if (report_.issues.size() < max_) report_.issues.push_back({line, e.field, e.message});
  }
  bool full() const { return report_.issues.size() >= max_; }

 private:
  ImportReport& report_;
  size_t max_;
};

// Resolves node codes to ids within the caller's scope, with a cache.
class CodeResolver {
 public:
  CodeResolver(store::Connection& conn, const Caller& caller)
      : conn_(conn), scope_(caller.Scope()) {}
  core::Result<std::optional<int64_t>> Find(const std::string& code, std::string_view kind) {
    std::string key = std::string(kind) + ":" + code;
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn_.Query("SELECT id FROM org_node WHERE code = $1 AND kind = $2 AND "
                                    "path >= $3 AND path < $4",
                                    {code, kind, scope_.lo, scope_.hi}));
    std::optional<int64_t> id;
    if (!rows.empty()) id = rows[0].Int(0);
    cache_[key] = id;
    return id;
  }

 private:
  store::Connection& conn_;
  PathRange scope_;
  std::unordered_map<std::string, std::optional<int64_t>> cache_;
};

std::string LineField(int64_t line, std::string_view column) {
  return "line " + std::to_string(line) + "." + std::string(column);
}

void Progress(const ImportOptions& options, int64_t done, int64_t total) {
  if (options.progress && (done % kProgressEvery == 0 || done == total)) {
    options.progress(done, total);
  }
}

}  // namespace

core::Result<ImportReport> Importer::ImportResidents(const Caller& caller, std::string_view bytes,
                                                     const ImportOptions& options) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(Table table, Table::Parse(bytes, {{"name", "姓名", true},
                                                        {"id_number", "身份证号", true},
                                                        {"phone", "手机号", false},
                                                        {"building_code", "楼栋编码", true},
                                                        {"room", "房号", true},
                                                        {"flags", "标记", false}}));
  ImportReport report;
  report.rows = static_cast<int64_t>(table.records().size());
  IssueList issues(report, options.max_issues);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CodeResolver codes(*conn, caller);
  std::vector<std::pair<int64_t, ResidentRecord>> good;
  good.reserve(table.records().size());
  std::set<std::string> seen_ids;
  for (const core::CsvRecord& r : table.records()) {
    if (issues.full()) break;
    std::string at = "line " + std::to_string(r.line);
    CG_ASSIGN_OR_RETURN(auto building, codes.Find(table.Get(r, "building_code"), "building"));
    if (!building) {
      issues.Add(r.line, Error::Invalid(LineField(r.line, "building_code"),
                                        "楼栋编码不存在或不在管辖范围内"));
      continue;
    }
    auto flags = ParseResidentFlags(SplitList(table.Get(r, "flags")), LineField(r.line, "flags"));
    if (!flags.ok()) {
      issues.Add(r.line, flags.error());
      continue;
    }
    std::string phone = table.Get(r, "phone");
    auto rec = residents_.Validate(
        NewResident{*building, table.Get(r, "room"), table.Get(r, "name"),
                    table.Get(r, "id_number"), phone.empty() ? std::nullopt : std::optional(phone),
                    *flags},
        at);
    if (!rec.ok()) {
      issues.Add(r.line, rec.error());
      continue;
    }
    if (!seen_ids.insert(rec->id_number.hash.bytes).second) {
      issues.Add(r.line, Error::Invalid(LineField(r.line, "id_number"), "身份证号码在文件中重复"));
      continue;
    }
    good.emplace_back(r.line, std::move(rec).value());
  }
  if (!report.ok()) return report;
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  std::map<std::pair<int64_t, std::string>, int64_t> households;
  for (const auto& [line, rec] : good) {
    auto key = std::make_pair(rec.building_id, rec.room);
    auto it = households.find(key);
    if (it == households.end()) {
      CG_ASSIGN_OR_RETURN(int64_t h, residents_.Household(*conn, rec.building_id, rec.room));
      it = households.emplace(key, h).first;
    }
    auto id = residents_.InsertRow(*conn, rec, it->second, "line " + std::to_string(line));
    if (!id.ok()) {
      if (id.error().code != core::ErrorCode::kConflict) return std::move(id).error();
      issues.Add(line, id.error());
      report.inserted = 0;  // the transaction rolls back: nothing written
      return report;
    }
    ++report.inserted;
    Progress(options, report.inserted, static_cast<int64_t>(good.size()));
  }
  CG_TRY(audit_.Append(*conn, caller, "import.residents", "resident", 0,
                       std::to_string(report.inserted) + " rows"));
  CG_TRY(tx.Commit());
  return report;
}

core::Result<ImportReport> Importer::ImportPartyMembers(const Caller& caller,
                                                        std::string_view bytes,
                                                        const ImportOptions& options) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(Table table, Table::Parse(bytes, {{"name", "姓名", true},
                                                        {"id_number", "身份证号", true},
                                                        {"phone", "手机号", false},
                                                        {"party_org_id", "党组织编号", true},
                                                        {"unit_id", "单位编号", false},
                                                        {"residence_code", "报到社区编码", false},
                                                        {"skills", "技能", false},
                                                        {"mobile", "流动党员", false}}));
  ImportReport report;
  report.rows = static_cast<int64_t>(table.records().size());
  IssueList issues(report, options.max_issues);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CodeResolver codes(*conn, caller);
  std::vector<std::pair<int64_t, PartyMemberRecord>> good;
  for (const core::CsvRecord& r : table.records()) {
    if (issues.full()) break;
    auto number = [&](std::string_view column) -> core::Result<std::optional<int64_t>> {
      std::string v = table.Get(r, column);
      if (v.empty()) return std::optional<int64_t>();
      try {
        size_t used = 0;
        int64_t n = std::stoll(v, &used);
        if (used == v.size() && n > 0) return std::optional<int64_t>(n);
      } catch (const std::exception&) {
      }
      return Error::Invalid(LineField(r.line, column), "应为正整数编号");
    };
    auto org = number("party_org_id");
    auto unit = number("unit_id");
    if (!org.ok() || !unit.ok() || !org->has_value()) {
      issues.Add(r.line, !unit.ok()  ? unit.error()
                         : !org.ok() ? org.error()
                                     : Error::Invalid(LineField(r.line, "party_org_id"), "必填"));
      continue;
    }
    std::optional<int64_t> residence;
    std::string residence_code = table.Get(r, "residence_code");
    if (!residence_code.empty()) {
      CG_ASSIGN_OR_RETURN(residence, codes.Find(residence_code, "community"));
      if (!residence) {
        issues.Add(r.line, Error::Invalid(LineField(r.line, "residence_code"), "报到社区不存在"));
        continue;
      }
    }
    std::string mobile = table.Get(r, "mobile");
    std::string phone = table.Get(r, "phone");
    NewPartyMember m{table.Get(r, "name"),
                     table.Get(r, "id_number"),
                     phone.empty() ? std::nullopt : std::optional(phone),
                     **org,
                     *unit,
                     residence,
                     std::nullopt,
                     SplitList(table.Get(r, "skills")),
                     mobile == "1" || mobile == "是" || mobile == "true"};
    auto rec = party_.Validate(m, "line " + std::to_string(r.line));
    if (!rec.ok()) {
      issues.Add(r.line, rec.error());
      continue;
    }
    good.emplace_back(r.line, std::move(rec).value());
  }
  if (!report.ok()) return report;
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  for (const auto& [line, rec] : good) {
    auto id = party_.Insert(*conn, caller, rec, "line " + std::to_string(line));
    if (!id.ok()) {
      if (id.error().code != core::ErrorCode::kConflict &&
          id.error().code != core::ErrorCode::kInvalid) {
        return std::move(id).error();
      }
      issues.Add(line, id.error());
      report.inserted = 0;  // the transaction rolls back: nothing written
      return report;
    }
    ++report.inserted;
    Progress(options, report.inserted, static_cast<int64_t>(good.size()));
  }
  CG_TRY(audit_.Append(*conn, caller, "import.party_members", "party_member", 0,
                       std::to_string(report.inserted) + " rows"));
  CG_TRY(tx.Commit());
  return report;
}

core::Result<ImportReport> Importer::ImportUnits(const Caller& caller, std::string_view bytes,
                                                 const ImportOptions& options) {
  CG_TRY(caller.Require(Permission::kUnitsWrite));
  CG_ASSIGN_OR_RETURN(Table table, Table::Parse(bytes, {{"name", "单位名称", true},
                                                        {"kind", "单位类型", true},
                                                        {"node_code", "所在节点编码", true},
                                                        {"credit_code", "统一社会信用代码", false},
                                                        {"address", "地址", false},
                                                        {"contact_name", "联系人", false},
                                                        {"paired_codes", "包联节点编码", false}}));
  ImportReport report;
  report.rows = static_cast<int64_t>(table.records().size());
  IssueList issues(report, options.max_issues);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  PathRange scope = caller.Scope();
  struct Row {
    int64_t line;
    NewUnit unit;
    std::vector<int64_t> paired;
  };
  std::vector<Row> good;
  std::set<std::string> credit_codes;
  // Phase 1: check every row without writing anything.
  for (const core::CsvRecord& r : table.records()) {
    if (issues.full()) break;
    auto kind = ParseUnitKind(table.Get(r, "kind"), LineField(r.line, "kind"));
    if (!kind.ok()) {
      issues.Add(r.line, kind.error());
      continue;
    }
    CG_ASSIGN_OR_RETURN(store::Rows node,
                        conn->Query("SELECT id FROM org_node WHERE code = $1 AND path >= $2 AND "
                                    "path < $3",
                                    {table.Get(r, "node_code"), scope.lo, scope.hi}));
    if (node.empty()) {
      issues.Add(r.line, Error::Invalid(LineField(r.line, "node_code"), "节点编码不存在"));
      continue;
    }
    std::string credit = table.Get(r, "credit_code");
    if (!credit.empty()) {
      auto valid = ValidateCreditCode(credit, LineField(r.line, "credit_code"));
      if (!valid.ok() || !credit_codes.insert(credit).second) {
        issues.Add(r.line, valid.ok() ? Error::Invalid(LineField(r.line, "credit_code"),
                                                       "统一社会信用代码在文件中重复")
                                      : valid.error());
        continue;
      }
    }
    auto name = CleanName(table.Get(r, "name"), LineField(r.line, "name"));
    if (!name.ok()) {
      issues.Add(r.line, name.error());
      continue;
    }
    Row row{
        r.line,
        NewUnit{node[0].Int(0), *kind, *name, credit.empty() ? std::nullopt : std::optional(credit),
                table.Get(r, "address"), table.Get(r, "contact_name")},
        {}};
    bool bad = false;
    for (const std::string& code : SplitList(table.Get(r, "paired_codes"))) {
      CG_ASSIGN_OR_RETURN(store::Rows paired,
                          conn->Query("SELECT id FROM org_node WHERE code = $1 AND kind IN "
                                      "('community', 'compound', 'back_street') AND path >= $2 "
                                      "AND path < $3",
                                      {code, scope.lo, scope.hi}));
      if (paired.empty()) {
        issues.Add(r.line,
                   Error::Invalid(LineField(r.line, "paired_codes"),
                                  "包联节点 " + code + " 不存在或不是社区、小区、背街小巷"));
        bad = true;
        break;
      }
      int64_t id = paired[0].Int(0);
      if (std::find(row.paired.begin(), row.paired.end(), id) == row.paired.end()) {
        row.paired.push_back(id);
      }
    }
    if (!bad) good.push_back(std::move(row));
  }
  if (!report.ok()) return report;
  // Phase 2: one transaction; a conflict with the database rolls it all back.
  std::string today = core::FormatDate(core::ShanghaiDate(clock_.NowMs()));
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  for (const Row& row : good) {
    auto id = units_.Insert(*conn, caller, row.unit, "line " + std::to_string(row.line));
    if (!id.ok()) {
      if (id.error().code == core::ErrorCode::kInternal ||
          id.error().code == core::ErrorCode::kUnavailable) {
        return std::move(id).error();
      }
      issues.Add(row.line, id.error());
      report.inserted = 0;  // the transaction rolls back: nothing written
      return report;
    }
    for (int64_t node : row.paired) {
      CG_ASSIGN_OR_RETURN(auto n, conn->Execute("INSERT INTO unit_pairing (unit_id, node_id, "
                                                "since, created_at) VALUES ($1, $2, $3, $4)",
                                                {*id, node, today, clock_.NowMs()}));
      (void)n;
    }
    ++report.inserted;
    Progress(options, report.inserted, static_cast<int64_t>(good.size()));
  }
  CG_TRY(audit_.Append(*conn, caller, "import.units", "unit", 0,
                       std::to_string(report.inserted) + " rows"));
  CG_TRY(tx.Commit());
  return report;
}

core::Result<ImportReport> Importer::ImportGridBoundaries(const Caller& caller,
                                                          std::string_view geojson) {
  CG_TRY(caller.Require(Permission::kOrgWrite));
  CG_ASSIGN_OR_RETURN(std::vector<core::GeoFeature> features,
                      core::ParseFeatureCollection(geojson));
  ImportReport report;
  report.rows = static_cast<int64_t>(features.size());
  std::vector<GridBoundary> grids;
  for (size_t i = 0; i < features.size(); ++i) {
    std::string field = "features[" + std::to_string(i) + "]";
    const auto* code = features[i].properties.if_contains("code");
    if (code == nullptr || !code->is_string()) {
      report.issues.push_back({0, field + ".properties.code", "缺少网格代码 properties.code"});
      continue;
    }
    grids.push_back(GridBoundary{std::string(code->as_string()), features[i].geometry_json,
                                 core::Centroid(features[i].geometry), field});
  }
  if (!report.ok()) return report;
  auto set = tree_.SetBoundaries(caller, grids);
  if (!set.ok()) {
    if (set.error().code != core::ErrorCode::kInvalid) return std::move(set).error();
    report.issues.push_back({0, set.error().field, set.error().message});
    return report;
  }
  report.inserted = *set;
  return report;
}

namespace {

// "a|b|c": how list cells are written in our CSV files (and read by SplitList).
std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : "|") + item;
  return out;
}

std::string OptionalId(const std::optional<int64_t>& id) { return id ? std::to_string(*id) : ""; }

}  // namespace

template <typename Filter, typename List, typename Row>
core::Status Importer::ForEachPage(Filter filter, List list, Row row) {
  filter.page.limit = kMaxPageSize;
  store::Pacer pacer(export_options_.duty);
  while (true) {
    CG_ASSIGN_OR_RETURN(auto page, list(filter));
    for (const auto& item : page.items) row(item);
    if (!page.next_after) return core::Ok();
    filter.page.after = *page.next_after;
    pacer.Step();
  }
}

core::Result<std::string> Importer::ExportResidents(const Caller& caller,
                                                    std::optional<int64_t> within) {
  std::string out(core::kUtf8Bom);
  core::AppendCsvRow(out, {"id", "name", "sex", "birth_date", "id_number", "phone", "building_id",
                           "room", "flags"});
  ResidentFilter filter;
  filter.within = within;
  CG_TRY(ForEachPage(
      filter, [&](const ResidentFilter& f) { return residents_.List(caller, f); },
      [&](const Resident& r) {
        core::AppendCsvRow(out,
                           {std::to_string(r.id), r.name, r.sex, r.birth_date, r.id_number_masked,
                            r.phone_masked.value_or(""), std::to_string(r.node_id), r.room,
                            JoinList(ResidentFlagNames(r.flags))});
      }));
  return out;
}

core::Result<std::string> Importer::ExportPartyMembers(const Caller& caller,
                                                       std::optional<int64_t> within) {
  std::string out(core::kUtf8Bom);
  core::AppendCsvRow(out, {"id", "name", "sex", "id_number", "phone", "party_org_id", "unit_id",
                           "residence_node_id", "registered_on", "skills", "mobile"});
  PartyMemberFilter filter;
  filter.within = within;
  CG_TRY(ForEachPage(
      filter, [&](const PartyMemberFilter& f) { return party_.ListMembers(caller, f); },
      [&](const PartyMember& m) {
        core::AppendCsvRow(
            out,
            {std::to_string(m.id), m.name, m.sex, m.id_number_masked, m.phone_masked.value_or(""),
             std::to_string(m.party_org_id), OptionalId(m.unit_id), OptionalId(m.residence_node_id),
             m.registered_on.value_or(""), JoinList(m.skills), m.mobile ? "1" : "0"});
      }));
  return out;
}

core::Result<std::string> Importer::ExportUnits(const Caller& caller) {
  std::string out(core::kUtf8Bom);
  core::AppendCsvRow(out, {"id", "name", "kind", "node_id", "credit_code", "address",
                           "contact_name", "paired_node_ids"});
  CG_TRY(ForEachPage(
      UnitFilter{}, [&](const UnitFilter& f) { return units_.List(caller, f); },
      [&](const Unit& u) {
        std::vector<std::string> paired;
        for (const auto& p : u.pairings) paired.push_back(std::to_string(p.node_id));
        core::AppendCsvRow(out, {std::to_string(u.id), u.name, std::string(UnitKindName(u.kind)),
                                 std::to_string(u.node_id), u.credit_code.value_or(""), u.address,
                                 u.contact_name, JoinList(paired)});
      }));
  return out;
}

}  // namespace civicgrid::domain
