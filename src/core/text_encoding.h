// Text encodings of uploaded files: detection and conversion to UTF-8.
//
// County staff import CSV files saved by Excel on Chinese Windows. Those are
// GBK (code page 936) without a BOM, or, with "CSV UTF-8", UTF-8 with a BOM;
// files from other tools are UTF-8 without a BOM. Everything inside civicgrid
// is UTF-8, so uploads pass through ToUtf8 once, at the edge.
//
// GBK is read as GB18030, its superset. Conversion uses glibc iconv, which
// needs the gconv modules (GB18030.so) installed in the runtime image.
// Free functions over caller-owned bytes; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace civicgrid::core {

enum class TextEncoding {
  kUtf8,     // valid UTF-8 (which includes plain ASCII), no BOM
  kUtf8Bom,  // starts with EF BB BF
  kGb18030,  // anything else: GBK/GB18030 as Excel writes it on Chinese Windows
};

// The UTF-8 byte order mark. Exports meant for Excel start with it: without
// it Excel on Chinese Windows decodes a UTF-8 file as GBK and shows mojibake.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// "UTF-8", "UTF-8 (BOM)" or "GB18030", for logs and messages.
std::string_view TextEncodingName(TextEncoding encoding);

// Strict UTF-8 (RFC 3629): rejects overlong forms, UTF-16 surrogates
// (U+D800..U+DFFF), code points above U+10FFFF and truncated sequences.
// Strictness matters for detection: short GBK text is less likely to pass.
bool IsValidUtf8(std::string_view bytes);

// Byte offset of the first byte that does not start a valid UTF-8 sequence,
// or std::string_view::npos when `bytes` is entirely valid.
size_t FindInvalidUtf8(std::string_view bytes);

// Guesses the encoding of a whole file: BOM first, then UTF-8 validity.
// Pass the whole content; a sample cut mid-character would look like GB18030.
TextEncoding DetectEncoding(std::string_view bytes);

// Detects the encoding of `bytes` and returns the text as UTF-8 without BOM.
// Fails with Error::Invalid("body", ...) naming the byte offset of the first
// undecodable sequence, or explaining that a UTF-16 file ("Unicode 文本") was
// uploaded. Also accepts byte 0x80, which code page 936 maps to "€" but
// GB18030 leaves undefined.
Result<std::string> ToUtf8(std::string_view bytes);

// Converts UTF-8 to GB18030, for exports read by older Excel versions and
// for tests. Every valid UTF-8 text converts (GB18030 covers all of Unicode);
// a byte that is not valid UTF-8 becomes '?'.
std::string Utf8ToGb18030(std::string_view utf8);

}  // namespace civicgrid::core
