// Shared vocabulary of the registry services: cursor pagination and the
// sealing of personal data (encrypted value, keyed lookup hash, masked form).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/error.h"
#include "domain/access/caller.h"
#include "store/db.h"

namespace civicgrid::domain {

inline constexpr int64_t kDefaultPageSize = 50;
inline constexpr int64_t kMaxPageSize = 500;

// ?after=<id>&limit=<n>: rows with id > after, in id order.
struct Page {
  int64_t after = 0;
  int64_t limit = kDefaultPageSize;
};
// Clamps limit to [1, kMaxPageSize]; a negative cursor is invalid.
core::Result<Page> MakePage(std::optional<int64_t> after, std::optional<int64_t> limit);

template <typename T>
struct PageOf {
  std::vector<T> items;
  std::optional<int64_t> next_after;  // set when there may be more
};

template <typename T>
PageOf<T> FinishPage(std::vector<T> items, const Page& page, int64_t (*id_of)(const T&)) {
  PageOf<T> out;
  if (static_cast<int64_t>(items.size()) == page.limit && !items.empty()) {
    out.next_after = id_of(items.back());
  }
  out.items = std::move(items);
  return out;
}

// A PII value as stored: ciphertext, keyed hash for exact lookup, masked form
// for display. None of the three reveals the value without the key.
struct SealedPii {
  store::Blob enc;
  store::Blob hash;
  std::string masked;
};

SealedPii SealIdNumber(const core::PiiCipher& cipher, const std::string& normalized);
SealedPii SealPhone(const core::PiiCipher& cipher, const std::string& normalized);

// The kind of node `id` ("building", "community" …) when it lies in the
// caller's scope; "" when it does not exist or lies outside. Every reference
// to a node from a request goes through this one check.
core::Result<std::string> NodeKindInScope(store::Connection& conn, const Caller& caller,
                                          int64_t id);

// The caller's scope, narrowed to the subtree of `within` when given; a
// `within` node outside the scope does not exist (NotFound).
core::Result<PathRange> WithinScope(store::Connection& conn, const Caller& caller,
                                    std::optional<int64_t> within);

// The node a list is scoped to: the caller's scope node, or `within` inside it (a `within`
// outside the scope does not exist: NotFound).
struct ListScope {
  int64_t id = 0;
  std::string kind;  // "county", "community" … (OrgKindName)
  PathRange range;
};
core::Result<ListScope> ScopeOfList(store::Connection& conn, const Caller& caller,
                                    std::optional<int64_t> within);

// The conditions of a list query, each added only when its filter is given, numbering their own
// placeholders. Every filter combination is then its own prepared statement whose plan (custom
// or generic) can use the index that filter needs, instead of "(CAST($4 AS …) IS NULL OR x = $4)"
// which no generic plan and no SQLite plan can turn into an index range.
class Conditions {
 public:
  // Binds `value` and returns its placeholder ("$3").
  std::string Bind(store::Value value);
  // Adds `condition` (written with placeholders from Bind) to the conjunction.
  void And(std::string condition);
  // "c1 AND c2 …" ("1 = 1" when empty).
  std::string Sql() const;
  const store::Params& params() const { return params_; }

 private:
  std::vector<std::string> conditions_;
  store::Params params_;
};

// Trims and checks a required display name (1..max_chars characters, counted
// as Unicode code points so 60 means 60 Chinese characters too; no control
// characters); errors name `field`.
core::Result<std::string> CleanName(std::string_view raw, std::string_view field,
                                    size_t max_chars = 100);
// Free text (descriptions, notes): trimmed of surrounding whitespace, at most
// max_chars code points, newlines and tabs allowed but no other control
// characters; empty is an error only when `required`.
core::Result<std::string> CleanText(std::string_view raw, std::string_view field, size_t max_chars,
                                    bool required);

}  // namespace civicgrid::domain
