#include "core/pii.h"

#include <algorithm>
#include <cctype>

namespace civicgrid::core {
namespace {

constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr char kCheckChars[] = "10X98765432";
constexpr size_t kIdLength = 18;

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string NormalizeIdNumber(std::string_view raw) {
  std::string id(Trim(raw));
  if (!id.empty() && id.back() == 'x') id.back() = 'X';
  return id;
}

char IdNumberCheckChar(std::string_view first17) {
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckChars[sum % 11];
}

Status ValidateIdNumber(std::string_view id, std::string_view field) {
  std::string f(field);
  if (id.size() != kIdLength) return Error::Invalid(f, "身份证号码应为 18 位");
  if (!AllDigits(id.substr(0, 17)) ||
      !(std::isdigit(static_cast<unsigned char>(id[17])) || id[17] == 'X')) {
    return Error::Invalid(f, "身份证号码前 17 位应为数字，末位为数字或 X");
  }
  if (id[0] == '0') return Error::Invalid(f, "身份证号码的行政区划代码无效");
  CivilDate birth = IdNumberBirthDate(id);
  if (!IsValidDate(birth) || birth.year < 1900) {
    return Error::Invalid(f, "身份证号码中的出生日期无效");
  }
  if (IdNumberCheckChar(id) != id[17]) return Error::Invalid(f, "身份证号码校验位错误");
  return Ok();
}

CivilDate IdNumberBirthDate(std::string_view id) {
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (id[i] - '0');
    return v;
  };
  return CivilDate{num(6, 4), num(10, 2), num(12, 2)};
}

char IdNumberSex(std::string_view id) { return (id[16] - '0') % 2 == 1 ? 'M' : 'F'; }

std::string MaskIdNumber(std::string_view id) {
  if (id.size() < 8) return std::string(id.size(), '*');
  return std::string(id.substr(0, 4)) + std::string(id.size() - 8, '*') +
         std::string(id.substr(id.size() - 4));
}

std::string NormalizePhone(std::string_view raw) {
  std::string out;
  for (char c : Trim(raw)) {
    if (c != ' ' && c != '-') out.push_back(c);
  }
  if (out.rfind("+86", 0) == 0) out.erase(0, 3);
  return out;
}

Status ValidatePhone(std::string_view phone, std::string_view field) {
  std::string f(field);
  if (!AllDigits(phone)) return Error::Invalid(f, "电话号码只能包含数字");
  bool mobile = phone.size() == 11 && phone[0] == '1' && phone[1] >= '3' && phone[1] <= '9';
  bool landline = phone[0] == '0' && phone.size() >= 10 && phone.size() <= 12;
  if (!mobile && !landline) {
    return Error::Invalid(f, "电话号码应为 11 位手机号或带区号的固定电话");
  }
  return Ok();
}

std::string MaskPhone(std::string_view phone) {
  if (phone.size() < 8) return std::string(phone.size(), '*');
  return std::string(phone.substr(0, 3)) + std::string(phone.size() - 7, '*') +
         std::string(phone.substr(phone.size() - 4));
}

}  // namespace civicgrid::core
