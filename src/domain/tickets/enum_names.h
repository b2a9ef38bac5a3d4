// Name tables for the domain's enums: one lookup each way over a constexpr
// array of {value, name} pairs, so an enum, its wire name and its parser
// cannot drift apart. Used by the tickets, the time bank and the compound lists.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"

namespace civicgrid::domain {

template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

// The name of `v`; "unknown" for a value missing from the table.
template <typename E, size_t N>
std::string_view NameIn(const NameTable<E, N>& table, E v) {
  for (const auto& [e, name] : table) {
    if (e == v) return name;
  }
  return "unknown";
}

// The value named `name`, or Invalid on `field` listing the allowed names
// ("未知的<what>「x」，可选：a, b").
template <typename E, size_t N>
core::Result<E> ParseIn(const NameTable<E, N>& table, std::string_view name, std::string_view field,
                        std::string_view what) {
  std::string allowed;
  for (const auto& [e, n] : table) {
    if (n == name) return e;
    allowed += allowed.empty() ? "" : ", ";
    allowed += n;
  }
  return core::Error::Invalid(std::string(field), "未知的" + std::string(what) + "「" +
                                                      std::string(name) + "」，可选：" + allowed);
}

}  // namespace civicgrid::domain
