// Notices to an account (issue 10): what civicgrid tells one person outside
// the ticket stream — a branch secretary that a member's warning rose, a
// resident that a meeting they registered for was cancelled or their
// registration declined. Written inside the transaction of the change that
// causes them; read by their account only (GET /api/v1/notices, the phone's
// 我的消息 and the console's bell). Migration 26.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "domain/registry/common.h"
#include "store/db.h"
#include "store/migrate.h"

namespace civicgrid::domain {

struct Notice {
  int64_t id = 0;
  int64_t account_id = 0;
  std::string kind;          // "warning_raised", "meeting_cancelled", "registration_declined"
  std::string subject_kind;  // "party_member", "delib_meeting"
  int64_t subject_id = 0;
  std::string text;
  int64_t created_at = 0;
};

// Adds one notice for `n.account_id` (created_at taken from `n`).
core::Status AddNotice(store::Connection& conn, const Notice& n);
// The account's notices, newest first (keyset: ids below `before` when set;
// limit clamped to 1–200).
core::Result<std::vector<Notice>> NoticesFor(store::Connection& conn, int64_t account_id,
                                             std::optional<int64_t> before, int64_t limit);

store::Migration NoticesMigration();

}  // namespace civicgrid::domain
