// Shared between the party life service's files (not a public interface).
#pragma once

#include <string>
#include <string_view>

#include "domain/partylife/partylife_service.h"

namespace civicgrid::domain::partylife {

// "field" or "at.field".
std::string Field(std::string_view at, std::string_view field);
// The month (Asia/Shanghai) of an instant.
int64_t MonthAt(int64_t epoch_ms);
// The instant a month begins in Asia/Shanghai.
int64_t MonthStartMs(int64_t month);
// Whether an organisation of this kind ("branch", "grid_group" …) owes meetings of `kind`.
bool Owes(std::string_view org_kind, MeetingKind kind);

}  // namespace civicgrid::domain::partylife
