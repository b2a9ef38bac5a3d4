#include "http/open311/form.h"

#include "core/text_encoding.h"
#include "http/response.h"

namespace civicgrid::http::open311 {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

core::Result<std::string> DecodeFormComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
      continue;
    }
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= text.size() || HexValue(text[i + 1]) < 0 || HexValue(text[i + 2]) < 0) {
      return core::Error::Invalid(std::string(kBodyField), "表单中的百分号编码不完整");
    }
    const int hi = HexValue(text[i + 1]);
    const int lo = HexValue(text[i + 2]);
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (!core::IsValidUtf8(out)) {
    return core::Error::Invalid(std::string(kBodyField), "表单内容不是有效的 UTF-8 文本");
  }
  return out;
}

core::Result<Form> Form::Parse(std::string_view body) {
  Form form;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    if (form.fields_.size() == kMaxFields) {
      return core::Error::Invalid(std::string(kBodyField),
                                  "表单字段不能超过 " + std::to_string(kMaxFields) + " 个");
    }
    const size_t eq = pair.find('=');
    CG_ASSIGN_OR_RETURN(std::string name, DecodeFormComponent(pair.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      CG_ASSIGN_OR_RETURN(value, DecodeFormComponent(pair.substr(eq + 1)));
    }
    if (name.empty()) return core::Error::Invalid(std::string(kBodyField), "表单字段缺少名称");
    form.fields_.emplace_back(std::move(name), std::move(value));
  }
  return form;
}

std::optional<std::string> Form::Get(std::string_view name) const {
  for (const auto& [key, value] : fields_) {
    if (key == name && !value.empty()) return value;
  }
  return std::nullopt;
}

}  // namespace civicgrid::http::open311
