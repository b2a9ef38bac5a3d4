#include "app/demo/history_mix.h"

namespace civicgrid::app::demo {
namespace {

// ---------------------------------------------------------------------------
// What arrives: the category mix of each stream (weights per mille-ish).

constexpr std::array<Weighted, 34> kReportMix = {{
    {"E01.01", 140}, {"E01.02", 70}, {"E01.03", 55},  {"E01.04", 10}, {"E01.05", 15},
    {"E02.01", 75},  {"E02.02", 15}, {"E03.01", 40},  {"E03.02", 20}, {"E03.03", 15},
    {"E04.01", 5},   {"E04.02", 10}, {"E04.03", 3},   {"E04.04", 40}, {"E04.05", 15},
    {"E05.01", 35},  {"E05.02", 45}, {"E05.03", 120}, {"E05.04", 55}, {"E05.05", 30},
    {"E99.01", 35},  {"C01.01", 20}, {"C01.02", 10},  {"C01.03", 10}, {"C02.01", 60},
    {"C02.02", 8},   {"C02.03", 40}, {"C02.04", 8},   {"C03.01", 45}, {"C03.02", 8},
    {"C04.01", 12},  {"C04.02", 20}, {"C05.01", 3},   {"C05.02", 60},
}};

constexpr std::array<Weighted, 16> kPatrolMix = {{
    {"E01.01", 150},
    {"E01.02", 80},
    {"E01.03", 40},
    {"E01.05", 20},
    {"E02.01", 120},
    {"E03.02", 20},
    {"E03.03", 25},
    {"E04.04", 30},
    {"E05.01", 50},
    {"E05.02", 80},
    {"E05.03", 90},
    {"E05.05", 60},
    {"C01.02", 40},
    {"C02.01", 30},
    {"C03.01", 60},
    {"C05.02", 120},
}};

constexpr std::array<Weighted, 9> kComplaintMix = {{
    {"E05.04", 30},
    {"E03.01", 25},
    {"S-DLY-07", 30},
    {"S-DLY-06", 20},
    {"S-URG-03", 15},
    {"E05.03", 15},
    {"E04.04", 10},
    {"S-URG-01", 8},
    {"C02.01", 10},
}};

constexpr std::array<Weighted, 8> kWishMix = {{
    {"S-ASP-01", 40},
    {"S-DLY-01", 12},
    {"S-DLY-02", 10},
    {"S-DLY-03", 12},
    {"S-DLY-04", 5},
    {"S-DLY-05", 8},
    {"S-ASP-02", 8},
    {"S-ASP-03", 5},
}};

constexpr std::array<Weighted, 4> kUrgentMix = {{
    {"S-URG-01", 30},
    {"S-URG-02", 25},
    {"S-URG-03", 35},
    {"S-DLY-06", 10},
}};

constexpr std::array<Weighted, 4> kFollowUpMix = {{
    {"S-ASP-04", 40},
    {"S-DLY-07", 30},
    {"E05.05", 15},
    {"C04.02", 15},
}};

// Seasons, in percent of the mean, per month (January first).
constexpr Season kFlat = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
constexpr Season kReportSeason = {80, 75, 100, 105, 110, 115, 120, 120, 105, 100, 95, 85};
constexpr Season kPatrolSeason = {85, 75, 105, 105, 105, 105, 110, 110, 105, 105, 100, 90};
constexpr Season kWishSeason = {140, 130, 90, 85, 90, 115, 90, 85, 120, 95, 90, 100};

// Categories with a season of their own (rain, burning leaves, heating …).
struct CategorySeasonRow {
  std::string_view code;
  Season season;
};
constexpr std::array<CategorySeasonRow, 9> kCategorySeasons = {{
    {"E04.05", {20, 20, 40, 60, 100, 250, 400, 350, 120, 40, 20, 20}},
    {"E04.04", {70, 70, 80, 90, 100, 150, 180, 170, 110, 90, 80, 70}},
    {"E01.05", {60, 60, 200, 180, 60, 30, 30, 30, 60, 250, 250, 100}},
    {"S-URG-03", {250, 220, 120, 60, 50, 60, 80, 80, 50, 70, 200, 260}},
    {"C02.01", {140, 130, 110, 90, 80, 70, 70, 80, 90, 110, 130, 140}},
    {"C04.01", {40, 50, 80, 120, 120, 200, 250, 220, 100, 60, 40, 40}},
    {"E05.04", {60, 60, 80, 100, 130, 150, 160, 160, 120, 90, 70, 60}},
    {"E03.01", {40, 30, 100, 130, 140, 140, 130, 130, 130, 120, 80, 40}},
    {"S-ASP-02", {180, 180, 60, 60, 60, 80, 200, 200, 80, 60, 60, 60}},
}};

// Arrivals per hour of day (local time).
constexpr Hours kResidentHours = {2, 1, 0, 0, 0, 1, 3, 6, 8, 8, 7, 7,
                                  6, 5, 6, 6, 7, 8, 9, 9, 8, 6, 3, 2};
constexpr Hours kOfficeHours = {0, 0, 0, 0, 0, 0, 1, 3, 9, 10, 10, 8,
                                3, 3, 8, 9, 9, 6, 2, 1, 0, 0,  0,  0};

// Departments a street calls (吹哨) or dispatches to, per category.
struct Route {
  std::string_view code;
  std::array<std::string_view, 2> units;  // the second may be empty
};
constexpr std::array<Route, 31> kRoutes = {{
    {"E01.01", {"县城管局", ""}},
    {"E01.02", {"县城管局", "县住建局"}},
    {"E01.03", {"县城管局", ""}},
    {"E01.04", {"县水务局", ""}},
    {"E01.05", {"县城管局", "县应急管理局"}},
    {"E02.01", {"县城管局", ""}},
    {"E02.02", {"县城管局", "县市场监管局"}},
    {"E03.01", {"县住建局", "县城管局"}},
    {"E03.02", {"县城管局", "县交通运输局"}},
    {"E03.03", {"县自然资源和规划局", "县城管局"}},
    {"E04.01", {"县交通运输局", "县住建局"}},
    {"E04.02", {"县水务局", ""}},
    {"E04.03", {"县应急管理局", "县住建局"}},
    {"E04.04", {"县水务局", "县住建局"}},
    {"E04.05", {"县水务局", "县应急管理局"}},
    {"E05.01", {"县城管局", "县市场监管局"}},
    {"E05.02", {"县城管局", "县市场监管局"}},
    {"E05.03", {"县公安局", "县城管局"}},
    {"E05.04", {"县公安局", ""}},
    {"E05.05", {"县城管局", "县自然资源和规划局"}},
    {"C01.01", {"县住建局", ""}},
    {"C01.02", {"县应急管理局", ""}},
    {"C01.03", {"县发改局", ""}},
    {"C02.01", {"县城管局", ""}},
    {"C02.02", {"县公安局", ""}},
    {"C02.03", {"县交通运输局", ""}},
    {"C02.04", {"县交通运输局", ""}},
    {"C03.02", {"县城管局", ""}},
    {"C04.01", {"县城管局", ""}},
    {"C04.02", {"县城管局", ""}},
    {"C05.01", {"县住建局", ""}},
}};

}  // namespace

std::span<const Weighted> MixOf(Stream stream) {
  switch (stream) {
    case Stream::kReport:
      return kReportMix;
    case Stream::kPatrol:
      return kPatrolMix;
    case Stream::kComplaint:
      return kComplaintMix;
    case Stream::kWish:
      return kWishMix;
    case Stream::kUrgent:
      return kUrgentMix;
    case Stream::kFollowUp:
      return kFollowUpMix;
  }
  return kReportMix;
}

const Season& SeasonOf(Stream stream) {
  switch (stream) {
    case Stream::kReport:
      return kReportSeason;
    case Stream::kPatrol:
      return kPatrolSeason;
    case Stream::kWish:
      return kWishSeason;
    case Stream::kComplaint:
    case Stream::kUrgent:
    case Stream::kFollowUp:
      break;
  }
  return kFlat;
}

const Season& CategorySeason(std::string_view code) {
  for (const CategorySeasonRow& row : kCategorySeasons) {
    if (row.code == code) return row.season;
  }
  return kFlat;
}

const Hours& HoursOf(Stream stream) {
  return stream == Stream::kPatrol || stream == Stream::kComplaint ? kOfficeHours : kResidentHours;
}

std::array<std::string_view, 2> DepartmentsFor(std::string_view code) {
  for (const Route& r : kRoutes) {
    if (r.code == code) return r.units;
  }
  return {"县城管局", ""};
}

}  // namespace civicgrid::app::demo
