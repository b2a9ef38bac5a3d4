#include "core/text_encoding.h"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

namespace civicgrid::core {
namespace {

constexpr std::string_view kUtf16LeBom = "\xFF\xFE";
constexpr std::string_view kUtf16BeBom = "\xFE\xFF";
constexpr std::string_view kEuroUtf8 = "\xE2\x82\xAC";
constexpr unsigned char kCp936Euro = 0x80;  // code page 936 only; undefined in GB18030
constexpr size_t kIconvChunkBytes = size_t{16} * 1024;

unsigned char ByteAt(std::string_view bytes, size_t i) {
  return static_cast<unsigned char>(bytes[i]);
}

// Which bytes may follow a UTF-8 lead byte (Unicode Table 3-7). Only the
// second byte has a lead-specific range; later ones are always 80..BF.
struct LeadRule {
  size_t length;  // 0: the byte cannot start a sequence
  unsigned char second_low;
  unsigned char second_high;
};

LeadRule RuleFor(unsigned char lead) {
  if (lead < 0x80) return {1, 0, 0};
  if (lead < 0xC2) return {0, 0, 0};  // continuation byte, or overlong C0/C1
  if (lead < 0xE0) return {2, 0x80, 0xBF};
  if (lead == 0xE0) return {3, 0xA0, 0xBF};  // below A0 would be overlong
  if (lead == 0xED) return {3, 0x80, 0x9F};  // above 9F would be a surrogate
  if (lead < 0xF0) return {3, 0x80, 0xBF};
  if (lead == 0xF0) return {4, 0x90, 0xBF};  // below 90 would be overlong
  if (lead < 0xF4) return {4, 0x80, 0xBF};
  if (lead == 0xF4) return {4, 0x80, 0x8F};  // above 8F would exceed U+10FFFF
  return {0, 0, 0};
}

bool IsContinuation(unsigned char byte) { return byte >= 0x80 && byte <= 0xBF; }

// Length of the valid UTF-8 sequence starting at bytes[i], or 0.
size_t SequenceLength(std::string_view bytes, size_t i) {
  const LeadRule rule = RuleFor(ByteAt(bytes, i));
  if (rule.length <= 1) {
    return rule.length;
  }
  if (rule.length > bytes.size() - i) {
    return 0;
  }
  const unsigned char second = ByteAt(bytes, i + 1);
  if (second < rule.second_low || second > rule.second_high) {
    return 0;
  }
  for (size_t k = 2; k < rule.length; ++k) {
    if (!IsContinuation(ByteAt(bytes, i + k))) {
      return 0;
    }
  }
  return rule.length;
}

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};
using IconvHandle = std::unique_ptr<void, IconvCloser>;

// A missing gconv module is a broken installation, not bad input: throw.
IconvHandle OpenIconv(const char* to, const char* from) {
  iconv_t cd = iconv_open(to, from);
  // (iconv_t)-1 is iconv_open's documented failure value.
  if (cd ==
      reinterpret_cast<iconv_t>(static_cast<intptr_t>(-1))) {  // NOLINT(performance-no-int-to-ptr)
    throw std::runtime_error(
        fmt::format("iconv_open({}, {}) failed; are the glibc gconv modules installed?", to, from));
  }
  return IconvHandle(cd);
}

// Text produced by an iconv run, and where it stopped if it could not finish.
struct Conversion {
  std::string text;
  size_t failed_at = std::string_view::npos;
};

// Runs iconv over `in`. At an undecodable or truncated sequence, `replace`
// gets its first byte and returns text to emit in place of that one byte, or
// std::nullopt to stop there.
template <typename Replace>
Conversion Convert(const IconvHandle& cd, std::string_view in, const Replace& replace) {
  Conversion result;
  result.text.reserve(in.size() + in.size() / 2);
  char* src = const_cast<char*>(in.data());  // iconv's signature is not const-correct
  size_t src_left = in.size();
  std::array<char, kIconvChunkBytes> chunk;
  while (src_left > 0) {
    char* dst = chunk.data();
    size_t dst_left = chunk.size();
    const size_t rc = iconv(static_cast<iconv_t>(cd.get()), &src, &src_left, &dst, &dst_left);
    const int error = errno;
    result.text.append(chunk.data(), chunk.size() - dst_left);
    if (rc != static_cast<size_t>(-1) || error == E2BIG) {
      continue;
    }
    std::optional<std::string_view> replacement = replace(static_cast<unsigned char>(*src));
    if (!replacement) {
      result.failed_at = static_cast<size_t>(src - in.data());
      return result;
    }
    result.text += *replacement;
    ++src;
    --src_left;
  }
  return result;
}

Result<std::string> Gb18030ToUtf8(std::string_view bytes) {
  const IconvHandle cd = OpenIconv("UTF-8", "GB18030");
  Conversion conversion = Convert(cd, bytes, [](unsigned char byte) {
    return byte == kCp936Euro ? std::optional(kEuroUtf8) : std::nullopt;
  });
  if (conversion.failed_at != std::string_view::npos) {
    return Error::Invalid(
        "body", fmt::format("文件编码无法识别：既不是有效的 UTF-8，也不是有效的 GBK/GB18030"
                            "（字节偏移 {} 处无法解码，从 0 起算）。"
                            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新导入",
                            conversion.failed_at));
  }
  return std::move(conversion.text);
}

// `text` follows a BOM of `bom_size` bytes; offsets in messages count the BOM.
Result<std::string> CheckedUtf8AfterBom(std::string_view text, size_t bom_size) {
  const size_t invalid = FindInvalidUtf8(text);
  if (invalid != std::string_view::npos) {
    return Error::Invalid(
        "body", fmt::format("文件以 UTF-8 BOM 开头，但字节偏移 {} 处（从 0 起算）不是有效的 UTF-8",
                            invalid + bom_size));
  }
  return std::string(text);
}

bool HasUtf16Bom(std::string_view bytes) {
  return bytes.starts_with(kUtf16LeBom) || bytes.starts_with(kUtf16BeBom);
}

}  // namespace

std::string_view TextEncodingName(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::kUtf8:
      return "UTF-8";
    case TextEncoding::kUtf8Bom:
      return "UTF-8 (BOM)";
    case TextEncoding::kGb18030:
      return "GB18030";
  }
  return "unknown";
}

size_t FindInvalidUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t length = SequenceLength(bytes, i);
    if (length == 0) {
      return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

bool IsValidUtf8(std::string_view bytes) {
  return FindInvalidUtf8(bytes) == std::string_view::npos;
}

TextEncoding DetectEncoding(std::string_view bytes) {
  if (bytes.starts_with(kUtf8Bom)) {
    return TextEncoding::kUtf8Bom;
  }
  return IsValidUtf8(bytes) ? TextEncoding::kUtf8 : TextEncoding::kGb18030;
}

Result<std::string> ToUtf8(std::string_view bytes) {
  // Excel's "Unicode 文本" is UTF-16; say so rather than report a bad byte.
  if (HasUtf16Bom(bytes)) {
    return Error::Invalid("body",
                          "文件是 UTF-16 编码（Excel 的“Unicode 文本”格式），"
                          "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新导入");
  }
  switch (DetectEncoding(bytes)) {
    case TextEncoding::kUtf8:
      return std::string(bytes);
    case TextEncoding::kUtf8Bom:
      return CheckedUtf8AfterBom(bytes.substr(kUtf8Bom.size()), kUtf8Bom.size());
    case TextEncoding::kGb18030:
      return Gb18030ToUtf8(bytes);
  }
  return Error::Internal("unknown text encoding");
}

std::string Utf8ToGb18030(std::string_view utf8) {
  const IconvHandle cd = OpenIconv("GB18030", "UTF-8");
  return Convert(cd, utf8, [](unsigned char) { return std::optional<std::string_view>("?"); }).text;
}

}  // namespace civicgrid::core
