// Migration 20: party life (issue 10 §2) — branch meetings (三会一课, 主题党日,
// 组织生活会, 民主评议) with their attendance and photos, dues paid per month,
// members' 5+X+1 categories, warning rules per org node and the monthly
// 黄橙红 warnings; and (issue 10 §1) the first routing of ticket categories
// (小事业主治、大事物业办、难事社区议), carried by tickets.
#pragma once

namespace civicgrid::domain {

const char* PartyLifeSchemaSql();

}  // namespace civicgrid::domain
