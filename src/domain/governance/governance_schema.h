// Migration 17: compound governance (property company, owners' committee, red
// stewards, building chiefs) and the red, yellow and black lists (ranking
// periods, their criteria, score sheets and published results).
#pragma once

namespace civicgrid::domain {

const char* GovernanceSchemaSql();

}  // namespace civicgrid::domain
