// The words of the demo's ticket history: what residents write for each
// category of the shipped taxonomy, what handlers write when they resolve,
// and the stock notes of the other steps (dispatch, rejection, callback …).
// Invented, in the register of the 随手拍 and 微心愿 the seed documents
// describe. Constant tables; thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace civicgrid::app::demo {

// Descriptions for a category code ("{place}" stands for where it is); a
// generic pair for a code the table does not know.
std::span<const std::string_view> DescriptionsFor(std::string_view category_code);
// What the handler writes on resolving a ticket of the category.
std::string_view ResolveNoteFor(std::string_view category_code);

// Stock notes, each a small list to draw from.
enum class NoteKind {
  kAccept,
  kDispatch,
  kPublish,
  kStart,
  kEscalate,
  kRespond,  // a department reporting (报到) to a street's whistle
  kReject,
  kWithdraw,
  kDuplicate,
  kReturn,
  kRatingTimeout,    // closing a resolved ticket the resident did not rate
  kCloseAfterCheck,  // closing a patrol finding or a follow-up once checked
  kPraise,           // a satisfied resident's comment
  kComplaint,        // an unsatisfied resident's comment
  kCallbackSolved,
  kCallbackUnsolved,
  kCallbackUnreachable,
  kReopen,
};
std::span<const std::string_view> NotesFor(NoteKind kind);

}  // namespace civicgrid::app::demo
