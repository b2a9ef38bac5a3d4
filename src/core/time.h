// Time: civicgrid stores instants as UTC epoch milliseconds and shows and
// schedules them in Asia/Shanghai. China has kept UTC+8 without daylight
// saving since 1991, so local time is a fixed offset and needs no tz database.
// Clock is an interface so tests can inject a fake; SystemClock is thread-safe,
// FakeClock is thread-safe too (atomic).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace civicgrid::core {

inline constexpr int64_t kMsPerSecond = 1000;
inline constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
inline constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
inline constexpr int64_t kMsPerDay = 24 * kMsPerHour;
inline constexpr int64_t kShanghaiOffsetMs = 8 * kMsPerHour;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void Advance(int64_t ms) { now_ms_ += ms; }
  void Set(int64_t ms) { now_ms_ = ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t DaysFromCivil(CivilDate date);
CivilDate CivilFromDays(int64_t days);
bool IsValidDate(CivilDate date);
// ISO weekday, 1 Monday … 7 Sunday, of a day counted from 1970-01-01 (a Thursday) or of a date.
int IsoWeekday(int64_t days);
int IsoWeekday(CivilDate date);

// "2026-11-23T04:05:06.789Z"
std::string FormatUtc(int64_t epoch_ms);
// "2026-11-23T12:05:06+08:00" (seconds precision, Asia/Shanghai)
std::string FormatShanghai(int64_t epoch_ms);
// "2026年11月23日 12:05" (Asia/Shanghai, to the minute): for text people read.
std::string FormatShanghaiText(int64_t epoch_ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)"; the zone is required.
Result<int64_t> ParseTimestamp(std::string_view text, std::string_view field);
// Accepts "YYYY-MM-DD".
Result<CivilDate> ParseDate(std::string_view text, std::string_view field);
std::string FormatDate(CivilDate date);
// The calendar date in Asia/Shanghai at an instant.
CivilDate ShanghaiDate(int64_t epoch_ms);

}  // namespace civicgrid::core
