// Personal data rules: validation of resident ID numbers (GB 11643-1999, the
// 18-character 居民身份证号码 with its ISO 7064 MOD 11-2 check character) and
// phone numbers, and the masked forms shown to roles without the permission
// to see them. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/time.h"

namespace civicgrid::core {

// Upper-cases a trailing 'x' and trims surrounding spaces.
std::string NormalizeIdNumber(std::string_view raw);
// The check character ('0'..'9' or 'X') for the first 17 digits.
char IdNumberCheckChar(std::string_view first17);
// Validates a normalised 18-character ID number: digits, a real birth date,
// the check character. Errors name `field` and say what is wrong.
Status ValidateIdNumber(std::string_view id_number, std::string_view field);
CivilDate IdNumberBirthDate(std::string_view valid_id_number);
// 'M' or 'F' from the 17th digit (odd = male).
char IdNumberSex(std::string_view valid_id_number);
// "1310**********123X": the first four and last four characters.
std::string MaskIdNumber(std::string_view id_number);

// Removes spaces and dashes, and a leading +86.
std::string NormalizePhone(std::string_view raw);
// A mainland mobile (11 digits, 1[3-9]...) or a landline with area code
// (0 + 9..11 digits).
Status ValidatePhone(std::string_view phone, std::string_view field);
// "138****5678": the first three and last four digits.
std::string MaskPhone(std::string_view phone);

}  // namespace civicgrid::core
