#include "http/json_body.h"

#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include "http/response.h"

namespace civicgrid::http {

namespace {

using core::Error;
using core::Result;

std::string Quoted(std::string_view field) { return "字段 " + std::string(field) + " "; }

// Length in bytes of the UTF-8 sequence starting with `lead`, 0 if `lead` cannot start one.
size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    return 4;
  }
  return 0;
}

// Decodes one code point at text[i] (length n, already checked to fit); -1 when
// malformed: bad continuation byte, overlong form, surrogate or above U+10FFFF.
int32_t Decode(std::string_view text, size_t i, size_t n) {
  static constexpr int32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  auto lead = static_cast<unsigned char>(text[i]);
  int32_t cp = n == 1 ? lead : lead & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    auto byte = static_cast<unsigned char>(text[i + k]);
    if ((byte & 0xC0) != 0x80) {
      return -1;
    }
    cp = (cp << 6) | (byte & 0x3F);
  }
  bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  if (cp < kMinimum[n] || surrogate || cp > 0x10FFFF) {
    return -1;
  }
  return cp;
}

bool IsAllowedControl(int32_t cp, TextKind kind) {
  return kind == TextKind::kMultiLine && (cp == '\n' || cp == '\t');
}

bool IsControl(int32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

const boost::json::value* Member(const boost::json::object& object, std::string_view field) {
  const boost::json::value* value = object.if_contains(field);
  return value == nullptr || value->is_null() ? nullptr : value;
}

Error Missing(std::string_view field) {
  return Error::Invalid(std::string(field), "缺少必填字段 " + std::string(field));
}

Result<std::string> ReadString(const boost::json::value& value, std::string_view field,
                               size_t max_len, TextKind kind) {
  if (!value.is_string()) {
    return Error::Invalid(std::string(field), Quoted(field) + "必须是字符串");
  }
  std::string_view text = value.get_string();
  CG_ASSIGN_OR_RETURN(size_t length, CheckText(text, field, kind));
  if (length > max_len) {
    return Error::Invalid(std::string(field),
                          Quoted(field) + "不能超过 " + std::to_string(max_len) + " 个字符");
  }
  return std::string(text);
}

Result<int64_t> ReadInt(const boost::json::value& value, std::string_view field, int64_t min,
                        int64_t max) {
  auto out_of_range = [&] {
    return Error::Invalid(std::string(field), Quoted(field) + "必须在 " + std::to_string(min) +
                                                  " 到 " + std::to_string(max) + " 之间");
  };
  if (value.is_uint64()) {  // only above INT64_MAX; smaller ones parse as int64
    return out_of_range();
  }
  if (!value.is_int64()) {
    return Error::Invalid(std::string(field), Quoted(field) + "必须是整数");
  }
  int64_t number = value.get_int64();
  if (number < min || number > max) {
    return out_of_range();
  }
  return number;
}

Result<bool> ReadBool(const boost::json::value& value, std::string_view field) {
  if (!value.is_bool()) {
    return Error::Invalid(std::string(field), Quoted(field) + "必须是 true 或 false");
  }
  return value.get_bool();
}

}  // namespace

Result<boost::json::value> ParseJsonBody(std::string_view body, JsonLimits limits) {
  std::string field(kBodyField);
  if (body.size() > limits.max_bytes) {
    return Error{core::ErrorCode::kTooLarge, "请求体过大", field};
  }
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Error::Invalid(field, "请求体不能为空");
  }
  boost::json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec, {}, options);
  if (ec == boost::json::error::too_deep) {
    return Error::Invalid(field,
                          "请求体嵌套层级过深（最多 " + std::to_string(limits.max_depth) + " 层）");
  }
  if (ec) {
    return Error::Invalid(field, "请求体不是合法的 JSON");
  }
  return value;
}

Result<const boost::json::object*> RequireObject(const boost::json::value& body) {
  if (!body.is_object()) {
    return Error::Invalid(std::string(kBodyField), "请求体必须是 JSON 对象");
  }
  return &body.get_object();
}

Result<size_t> CheckText(std::string_view text, std::string_view field, TextKind kind) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++count) {
    size_t n = SequenceLength(static_cast<unsigned char>(text[i]));
    int32_t cp = n == 0 || i + n > text.size() ? -1 : Decode(text, i, n);
    if (cp < 0) {
      return Error::Invalid(std::string(field), Quoted(field) + "不是合法的 UTF-8 文本");
    }
    if (IsControl(cp) && !IsAllowedControl(cp, kind)) {
      return Error::Invalid(std::string(field), Quoted(field) + "不能包含控制字符");
    }
    i += n;
  }
  return count;
}

Result<std::string> RequireString(const boost::json::object& object, std::string_view field,
                                  size_t max_len, TextKind kind) {
  const boost::json::value* value = Member(object, field);
  if (value == nullptr) {
    return Missing(field);
  }
  CG_ASSIGN_OR_RETURN(std::string text, ReadString(*value, field, max_len, kind));
  if (text.empty()) {
    return Error::Invalid(std::string(field), Quoted(field) + "不能为空");
  }
  return text;
}

Result<std::optional<std::string>> OptionalString(const boost::json::object& object,
                                                  std::string_view field, size_t max_len,
                                                  TextKind kind) {
  const boost::json::value* value = Member(object, field);
  if (value == nullptr) {
    return std::optional<std::string>();
  }
  CG_ASSIGN_OR_RETURN(std::string text, ReadString(*value, field, max_len, kind));
  return std::optional<std::string>(std::move(text));
}

Result<int64_t> RequireInt(const boost::json::object& object, std::string_view field, int64_t min,
                           int64_t max) {
  const boost::json::value* value = Member(object, field);
  if (value == nullptr) {
    return Missing(field);
  }
  return ReadInt(*value, field, min, max);
}

Result<std::optional<int64_t>> OptionalInt(const boost::json::object& object,
                                           std::string_view field, int64_t min, int64_t max) {
  const boost::json::value* value = Member(object, field);
  if (value == nullptr) {
    return std::optional<int64_t>();
  }
  CG_ASSIGN_OR_RETURN(int64_t number, ReadInt(*value, field, min, max));
  return std::optional<int64_t>(number);
}

Result<bool> RequireBool(const boost::json::object& object, std::string_view field) {
  const boost::json::value* value = Member(object, field);
  if (value == nullptr) {
    return Missing(field);
  }
  return ReadBool(*value, field);
}

Result<std::optional<bool>> OptionalBool(const boost::json::object& object,
                                         std::string_view field) {
  const boost::json::value* value = Member(object, field);
  if (value == nullptr) {
    return std::optional<bool>();
  }
  CG_ASSIGN_OR_RETURN(bool flag, ReadBool(*value, field));
  return std::optional<bool>(flag);
}

}  // namespace civicgrid::http
