// Names for the demo plan: the 固安 profile's streets, communities and units,
// name stems for compounds and back streets, lists of skills and facilities,
// and people's names drawn from weighted common surnames. Invented, some after
// real places of 固安; only 东方街北社区 is named in the seed document. Tables
// are constant; functions are pure apart from the Rng they are given.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "app/demo/demo_plan.h"
#include "app/demo/rng.h"

namespace civicgrid::app::demo {

struct StreetSpec {
  std::string_view name;             // "固安镇"
  std::string_view party_committee;  // "固安镇党委"
  int communities = 0;               // how many of GuanCommunityNames() follow, in order
};

struct UnitSpec {
  std::string_view name;
  UnitKind kind = UnitKind::kGovernment;
};

// 5 streets whose community counts add up to 32.
std::span<const StreetSpec> GuanStreets();
// 32 community names in street order.
std::span<const std::string_view> GuanCommunityNames();
// 64 paired units.
std::span<const UnitSpec> GuanUnits();

std::span<const std::string_view> CompoundStems();     // 幸福, 和谐 … (at least 64)
std::span<const std::string_view> CompoundSuffixes();  // 家园, 小区, 花园 …
std::span<const std::string_view> BackStreetNames();   // 槐树胡同 … (at least 32)
std::span<const std::string_view> RoadNames();         // for addresses
std::span<const std::string_view> Skills();            // 维修, 医疗, 法律 …
std::span<const std::string_view> Facilities();        // 党群会客厅, 老年食堂 …

// 1..99 in Chinese numerals: 3 → "三", 12 → "十二", 40 → "四十".
std::string ChineseNumber(int n);

// A surname drawn by its frequency.
std::string_view DrawSurname(Rng& rng);
// A one- or two-character given name for sex 'M' or 'F'.
std::string GivenName(Rng& rng, char sex);
// DrawSurname + GivenName.
std::string PersonName(Rng& rng, char sex);

}  // namespace civicgrid::app::demo
