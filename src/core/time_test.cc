#include "core/time.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace civicgrid::core {
namespace {

TEST(TimeTest, CivilDaysRoundTripAcrossCenturies) {
  for (int64_t days = -800000; days < 800000; days += 997) {
    EXPECT_EQ(DaysFromCivil(CivilFromDays(days)), days);
  }
  EXPECT_EQ(DaysFromCivil({1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil({2000, 3, 1}), 11017);
}

TEST(TimeTest, FormatsUtcAndShanghai) {
  int64_t ms = 1795406706789;  // 2026-11-23T04:05:06.789Z
  EXPECT_EQ(FormatUtc(ms), "2026-11-23T04:05:06.789Z");
  EXPECT_EQ(FormatShanghai(ms), "2026-11-23T12:05:06+08:00");
  EXPECT_EQ(FormatShanghaiText(ms), "2026年11月23日 12:05");
  // 16:00 UTC is the next day in Shanghai.
  EXPECT_EQ(FormatShanghaiText(DaysFromCivil({2000, 2, 29}) * kMsPerDay + 16 * kMsPerHour + 1),
            "2000年3月1日 00:00");
}

TEST(TimeTest, FormatsEdgesOfTheDayAndOfTheRange) {
  EXPECT_EQ(FormatUtc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatUtc(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatShanghai(-1), "1970-01-01T07:59:59+08:00");
  const int64_t last = DaysFromCivil({9999, 12, 31}) * kMsPerDay + kMsPerDay - 1;
  EXPECT_EQ(FormatUtc(last), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatUtc(last + 1), "10000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatShanghai(DaysFromCivil({2000, 2, 29}) * kMsPerDay + 16 * kMsPerHour + 1),
            "2000-03-01T00:00:00+08:00");
  // Every field's digits, against the general formatter.
  for (int64_t ms = 1; ms < int64_t{4} << 40; ms = ms * 3 + 7919) {
    const CivilDate d = CivilFromDays(ms / kMsPerDay);
    const int64_t r = ms % kMsPerDay;
    char want[32];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02lld:%02lld:%02lld.%03lldZ", d.year, d.month,
                  d.day, static_cast<long long>(r / kMsPerHour),
                  static_cast<long long>(r % kMsPerHour / kMsPerMinute),
                  static_cast<long long>(r % kMsPerMinute / kMsPerSecond),
                  static_cast<long long>(r % kMsPerSecond));
    EXPECT_EQ(FormatUtc(ms), want) << ms;
  }
}

TEST(TimeTest, ParsesTimestampsWithZones) {
  struct Case {
    const char* text;
    int64_t expected;
  };
  const Case cases[] = {
      {"2026-11-23T04:05:06.789Z", 1795406706789},
      {"2026-11-23T12:05:06.789+08:00", 1795406706789},
      {"2026-11-23T12:05:06+08:00", 1795406706000},
      {"2026-11-22T23:05:06-05:00", 1795406706000},
  };
  for (const auto& c : cases) {
    auto parsed = ParseTimestamp(c.text, "at");
    ASSERT_TRUE(parsed.ok()) << c.text;
    EXPECT_EQ(*parsed, c.expected) << c.text;
  }
}

TEST(TimeTest, RejectsBadTimestampsNamingTheField) {
  for (const char* bad : {"2026-11-23T04:05:06", "2026-02-30T00:00:00Z", "2026-11-23 04:05:06Z",
                          "2026-11-23T24:00:00Z", "2026-11-23T04:05:06+8", "garbage"}) {
    auto parsed = ParseTimestamp(bad, "start_date");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().field, "start_date");
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid);
  }
}

TEST(TimeTest, DatesValidateCalendar) {
  EXPECT_TRUE(ParseDate("2024-02-29", "d").ok());
  EXPECT_FALSE(ParseDate("2023-02-29", "d").ok());
  EXPECT_FALSE(ParseDate("2023-13-01", "d").ok());
  EXPECT_EQ(FormatDate(*ParseDate("2023-07-04", "d")), "2023-07-04");
}

TEST(TimeTest, ShanghaiDateTurnsAtSixteenUtc) {
  EXPECT_EQ(ShanghaiDate(*ParseTimestamp("2026-01-01T15:59:59Z", "t")).day, 1);
  EXPECT_EQ(ShanghaiDate(*ParseTimestamp("2026-01-01T16:00:00Z", "t")).day, 2);
}

TEST(TimeTest, FakeClockAdvances) {
  FakeClock clock(1000);
  clock.Advance(500);
  EXPECT_EQ(clock.NowMs(), 1500);
}

TEST(TimeTest, IsoWeekdayCountsFromThursdayTheFirstOf1970) {
  EXPECT_EQ(IsoWeekday(CivilDate{1970, 1, 1}), 4);    // Thursday
  EXPECT_EQ(IsoWeekday(CivilDate{2026, 12, 7}), 1);   // Monday
  EXPECT_EQ(IsoWeekday(CivilDate{2026, 12, 6}), 7);   // Sunday
  EXPECT_EQ(IsoWeekday(CivilDate{1969, 12, 31}), 3);  // before the epoch: Wednesday
  EXPECT_EQ(IsoWeekday(CivilDate{2000, 2, 29}), 2);   // Tuesday
  for (int64_t day = -800; day < 800; ++day) {
    EXPECT_EQ(IsoWeekday(day + 1), IsoWeekday(day) % 7 + 1) << day;
  }
}

}  // namespace
}  // namespace civicgrid::core
