#include "core/time.h"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

namespace civicgrid::core {
namespace {

// Howard Hinnant's civil-from-days algorithms (public domain).
constexpr int64_t kDaysPerEra = 146097;

bool ParseDigits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

// Writes 0 ≤ value < 10^width as `width` digits (timestamps are rendered for
// every ticket of every page: fmt::format cost ~5k instructions each).
void PutDigits(char* out, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// "YYYY-MM-DDThh:mm:ss" into the first 19 characters of `out`.
void PutDateTime(char* out, const CivilDate& d, int64_t ms_of_day) {
  PutDigits(out, d.year, 4);
  PutDigits(out + 5, d.month, 2);
  PutDigits(out + 8, d.day, 2);
  PutDigits(out + 11, ms_of_day / kMsPerHour, 2);
  PutDigits(out + 14, ms_of_day % kMsPerHour / kMsPerMinute, 2);
  PutDigits(out + 17, ms_of_day % kMsPerMinute / kMsPerSecond, 2);
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

Error BadTimestamp(std::string_view field) {
  return Error::Invalid(std::string(field),
                        "时间格式应为 ISO 8601，带时区，如 2026-01-02T08:00:00+08:00");
}

Result<int64_t> ParseZoneOffsetMs(std::string_view zone, std::string_view field) {
  if (zone == "Z" || zone == "z") return int64_t{0};
  int hh = 0;
  int mm = 0;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' ||
      !ParseDigits(zone, 1, 2, hh) || !ParseDigits(zone, 4, 2, mm) || hh > 14 || mm > 59) {
    return BadTimestamp(field);
  }
  int64_t offset = hh * kMsPerHour + mm * kMsPerMinute;
  return zone[0] == '-' ? -offset : offset;
}

}  // namespace

int64_t SystemClock::NowMs() const {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace): local and obvious
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t DaysFromCivil(CivilDate date) {
  int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (date.month + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + date.day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * kDaysPerEra + doe - 719468;
}

int IsoWeekday(int64_t days) { return static_cast<int>(((days + 3) % 7 + 7) % 7) + 1; }

int IsoWeekday(CivilDate date) { return IsoWeekday(DaysFromCivil(date)); }

CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - kDaysPerEra + 1) / kDaysPerEra;
  int64_t doe = days - era * kDaysPerEra;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return CivilDate{static_cast<int>(y), static_cast<int>(m), static_cast<int>(d)};
}

bool IsValidDate(CivilDate date) {
  return date.year >= 1 && date.year <= 9999 && date.month >= 1 && date.month <= 12 &&
         date.day >= 1 && date.day <= DaysInMonth(date.year, date.month);
}

std::string FormatUtc(int64_t epoch_ms) {
  int64_t days = epoch_ms >= 0 ? epoch_ms / kMsPerDay : (epoch_ms - kMsPerDay + 1) / kMsPerDay;
  int64_t rem = epoch_ms - days * kMsPerDay;
  CivilDate d = CivilFromDays(days);
  if (d.year < 0 || d.year > 9999) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", d.year, d.month, d.day,
                       rem / kMsPerHour, rem % kMsPerHour / kMsPerMinute,
                       rem % kMsPerMinute / kMsPerSecond, rem % kMsPerSecond);
  }
  std::string out = "0000-00-00T00:00:00.000Z";
  PutDateTime(out.data(), d, rem);
  PutDigits(out.data() + 20, rem % kMsPerSecond, 3);
  return out;
}

std::string FormatShanghai(int64_t epoch_ms) {
  int64_t local = epoch_ms + kShanghaiOffsetMs;
  int64_t days = local >= 0 ? local / kMsPerDay : (local - kMsPerDay + 1) / kMsPerDay;
  int64_t rem = local - days * kMsPerDay;
  CivilDate d = CivilFromDays(days);
  if (d.year < 0 || d.year > 9999) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00", d.year, d.month, d.day,
                       rem / kMsPerHour, rem % kMsPerHour / kMsPerMinute,
                       rem % kMsPerMinute / kMsPerSecond);
  }
  std::string out = "0000-00-00T00:00:00+08:00";
  PutDateTime(out.data(), d, rem);
  return out;
}

std::string FormatShanghaiText(int64_t epoch_ms) {
  int64_t local = epoch_ms + kShanghaiOffsetMs;
  int64_t days = local >= 0 ? local / kMsPerDay : (local - kMsPerDay + 1) / kMsPerDay;
  int64_t rem = local - days * kMsPerDay;
  CivilDate d = CivilFromDays(days);
  return fmt::format("{}年{}月{}日 {:02}:{:02}", d.year, d.month, d.day, rem / kMsPerHour,
                     rem % kMsPerHour / kMsPerMinute);
}

Result<CivilDate> ParseDate(std::string_view text, std::string_view field) {
  CivilDate d;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ParseDigits(text, 0, 4, d.year) ||
      !ParseDigits(text, 5, 2, d.month) || !ParseDigits(text, 8, 2, d.day) || !IsValidDate(d)) {
    return Error::Invalid(std::string(field), "日期格式应为 YYYY-MM-DD，且为有效日期");
  }
  return d;
}

Result<int64_t> ParseTimestamp(std::string_view text, std::string_view field) {
  if (text.size() < 20 || text[10] != 'T') return BadTimestamp(field);
  auto date = ParseDate(text.substr(0, 10), field);
  if (!date.ok()) return BadTimestamp(field);
  int hh = 0, mi = 0, ss = 0;
  if (text[13] != ':' || text[16] != ':' || !ParseDigits(text, 11, 2, hh) ||
      !ParseDigits(text, 14, 2, mi) || !ParseDigits(text, 17, 2, ss) || hh > 23 || mi > 59 ||
      ss > 59) {
    return BadTimestamp(field);
  }
  size_t pos = 19;
  int64_t millis = 0;
  if (text[pos] == '.') {
    size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start || pos - start > 9) return BadTimestamp(field);
    std::string frac(text.substr(start, pos - start));
    frac.resize(3, '0');
    millis = std::stoi(frac);
  }
  CG_ASSIGN_OR_RETURN(int64_t offset, ParseZoneOffsetMs(text.substr(pos), field));
  int64_t local = DaysFromCivil(*date) * kMsPerDay + hh * kMsPerHour + mi * kMsPerMinute +
                  ss * kMsPerSecond + millis;
  return local - offset;
}

std::string FormatDate(CivilDate date) {
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

CivilDate ShanghaiDate(int64_t epoch_ms) {
  int64_t local = epoch_ms + kShanghaiOffsetMs;
  int64_t days = local >= 0 ? local / kMsPerDay : (local - kMsPerDay + 1) / kMsPerDay;
  return CivilFromDays(days);
}

}  // namespace civicgrid::core
