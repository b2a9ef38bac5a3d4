// Shared between the care service's files (not a public interface).
#pragma once

#include <string>
#include <string_view>

#include "domain/care/care_service.h"

namespace civicgrid::domain::care {

// "field" or "at.field".
std::string Field(std::string_view at, std::string_view field);
// The subject's columns (s: care_subject, r: resident), in the order FromRow reads.
extern const char* const kSubjectSelect;
CareSubject SubjectFromRow(const store::Row& r);

}  // namespace civicgrid::domain::care
