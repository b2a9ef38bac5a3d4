// The access matrix, generated from the router's own route table: every
// route × every demo role × (a target inside the role's scope, a target in the
// second street, outside every demo account's scope), and anonymously. The
// expected answers live in ONE table (kTable below); a route the router
// serves without a row there, or a row for a route it no longer serves, fails
// the test, so a new route cannot ship without its access decided here.
//
// Each (route, role, side) gets its own fresh target where a write can
// succeed (a resident to delete, a unit to unpair, a ticket to accept…), so
// an expected 403/404/409/422 is that role's own answer, never the echo of
// an earlier role's write. Every refused write is followed by a check that
// nothing in the database changed (every table's rows, the ticket versions
// with them); every accepted write must change something.
//
// Scope: "in" is the role's home (grid B1 for grid2, grid A1 and community A
// for everyone else); "out" is the second street S2 (community C, grid C1,
// unit U2), outside every demo account but the county admin's and unit1's
// (a unit admin's account sits at the county and reads through its unit, so
// the second street's org tree is inside its scope, its unit is not).
//
// Reading a row: outside scope answers 404 (the resource does not exist for
// you), inside scope without the permission 403, a write that names a place
// outside scope in its body 422 naming that field. The role → permission
// table is domain/access/caller.cc; a row here that disagrees with it is a
// bug in one of the two.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <sstream>

#include "api_harness.h"
#include "core/pii.h"
#include "domain/tickets/open311_keys.h"
#include "media/testing/test_media.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

// Expected statuses, in Usernames() order:
//   admin street1 secretary1 worker1 grid1 grid2 unit1 member1 resident1
// "in" is the role's home, "out" the second street; "=" in `out` means the
// route has no scoped target (the same request as `in`).
struct Row {
  const char* route;  // "METHOD /pattern", as the router has it
  unsigned anonymous;
  const char* in;
  const char* out;
};

// clang-format off
const Row kTable[] = {
  // route                                                 anon  in: admin street sec work grid1 grid2 unit member resident / out
  {"GET /healthz",                                         200, "200 200 200 200 200 200 200 200 200", "="},
  {"GET /metrics",                                         200, "200 200 200 200 200 200 200 200 200", "="},
  {"GET /api/v1/openapi.json",                             200, "200 200 200 200 200 200 200 200 200", "="},
  {"GET /api/v1/audit",                                    401, "200 403 403 403 403 403 403 403 403", "="},
  {"GET /api/v1/audit/verify",                             401, "200 403 403 403 403 403 403 403 403", "="},
  {"POST /api/v1/session",                                 200, "200 200 200 200 200 200 200 200 200", "="},
  {"DELETE /api/v1/session",                               204, "204 204 204 204 204 204 204 204 204", "="},
  {"GET /api/v1/me",                                       401, "200 200 200 200 200 200 200 200 200", "="},
  {"PUT /api/v1/me/password",                              401, "204 204 204 204 204 204 204 204 204", "="},
  {"POST /api/v1/tokens",                                  401, "201 201 201 201 201 201 201 201 201", "="},
  {"GET /api/v1/org-nodes",                                401, "200 200 200 200 200 200 200 200 200", "200 404 404 404 404 404 200 404 404"},
  {"POST /api/v1/org-nodes",                               401, "201 201 201 403 403 403 403 403 403", "201 422 422 403 403 403 403 403 403"},
  {"GET /api/v1/org-nodes/{id}",                           401, "200 200 200 200 200 200 200 200 200", "200 404 404 404 404 404 200 404 404"},
  {"PATCH /api/v1/org-nodes/{id}",                         401, "200 200 200 403 403 403 403 403 403", "200 404 404 403 403 403 403 403 403"},
  {"DELETE /api/v1/org-nodes/{id}",                        401, "204 204 204 403 403 403 403 403 403", "204 404 404 403 403 403 403 403 403"},
  {"GET /api/v1/org-nodes/{id}/staffing",                  401, "200 200 200 200 404 404 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/staffing",                                 401, "200 200 200 200 200 200 403 403 403", "="},
  {"GET /api/v1/grid-lookup",                              401, "200 200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200 200"},
  {"GET /api/v1/party-orgs",                               401, "200 200 200 200 200 200 200 200 200", "200 404 404 404 404 404 200 404 404"},
  {"POST /api/v1/party-orgs",                              401, "201 201 201 403 403 403 403 403 403", "201 422 422 403 403 403 403 403 403"},
  {"GET /api/v1/party-orgs/{id}",                          401, "200 200 200 200 200 200 200 200 404", "200 404 404 404 404 404 200 404 404"},
  {"GET /api/v1/service-centers",                          401, "200 200 200 200 200 200 200 200 200", "200 404 404 404 404 404 200 404 404"},
  {"POST /api/v1/service-centers",                         401, "201 201 201 403 403 403 403 403 403", "201 422 422 403 403 403 403 403 403"},
  {"GET /api/v1/residents",                                401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"POST /api/v1/residents",                               401, "201 403 201 201 201 201 403 403 403", "201 403 422 422 422 422 403 403 403"},
  {"GET /api/v1/residents/{id}",                           401, "200 200 200 200 200 200 403 403 200", "200 404 404 404 404 404 403 403 403"},
  {"PATCH /api/v1/residents/{id}",                         401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"DELETE /api/v1/residents/{id}",                        401, "204 403 204 204 204 204 403 403 403", "204 403 404 404 404 404 403 403 403"},
  {"GET /api/v1/residents/{id}/pii",                       401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"GET /api/v1/party-members",                            401, "200 200 200 200 200 200 200 403 403", "200 404 404 404 404 404 200 403 403"},
  {"POST /api/v1/party-members",                           401, "201 403 201 201 201 201 403 403 403", "201 403 422 422 422 422 403 403 403"},
  {"GET /api/v1/party-members/{id}",                       401, "200 200 200 200 200 200 200 200 403", "200 404 404 404 404 404 404 403 403"},
  {"PUT /api/v1/party-members/{id}/registration",          401, "200 403 200 200 422 422 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"GET /api/v1/units",                                    401, "200 200 200 200 403 403 200 403 403", "200 200 200 200 403 403 200 403 403"},
  {"POST /api/v1/units",                                   401, "201 201 403 403 403 403 403 403 403", "201 422 403 403 403 403 403 403 403"},
  {"GET /api/v1/units/{id}",                               401, "200 200 200 200 403 403 200 403 403", "200 404 404 404 403 403 404 403 403"},
  {"POST /api/v1/units/{id}/pairings",                     401, "201 201 403 403 403 403 403 403 403", "201 404 403 403 403 403 403 403 403"},
  {"DELETE /api/v1/units/{id}/pairings/{node_id}",         401, "204 204 403 403 403 403 403 403 403", "204 404 403 403 403 403 403 403 403"},
  {"GET /api/v1/staff",                                    401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"POST /api/v1/staff",                                   401, "201 403 201 201 422 422 403 403 403", "201 403 422 422 422 422 403 403 403"},
  {"GET /api/v1/staff/{id}",                               401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"POST /api/v1/staff/{id}/grids",                        401, "201 403 201 201 404 404 403 403 403", "201 403 404 404 404 404 403 403 403"},
  {"DELETE /api/v1/staff/{id}/grids/{grid_id}",            401, "204 403 204 204 204 204 403 403 403", "204 403 404 404 404 404 403 403 403"},
  {"POST /api/v1/accounts",                                401, "201 201 403 403 403 403 403 403 403", "201 422 403 403 403 403 403 403 403"},
  {"GET /api/v1/accounts",                                 401, "200 200 403 403 403 403 403 403 403", "200 404 403 403 403 403 403 403 403"},
  {"GET /api/v1/accounts/{id}",                            401, "200 200 403 403 403 403 403 403 403", "200 404 403 403 403 403 403 403 403"},
  {"PATCH /api/v1/accounts/{id}",                          401, "200 200 403 403 403 403 403 403 403", "200 404 403 403 403 403 403 403 403"},
  {"POST /api/v1/accounts/{id}/password-reset",            401, "200 200 403 403 403 403 403 403 403", "200 404 403 403 403 403 403 403 403"},
  {"GET /api/v1/communities",                              200, "200 200 200 200 200 200 200 200 200", "="},
  {"POST /api/v1/registrations/sms-code",                  202, "202 202 202 202 202 202 202 202 202", "="},
  {"POST /api/v1/registrations",                           201, "201 201 201 201 201 201 201 201 201", "="},
  {"GET /api/v1/registrations",                            401, "200 403 200 200 200 200 403 403 403", "="},
  {"POST /api/v1/registrations/{account_id}/confirm",      401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"POST /api/v1/registrations/{account_id}/decline",      401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"POST /api/v1/imports/residents",                       401, "200 403 200 200 200 200 403 403 403", "200 403 422 422 422 422 403 403 403"},
  {"POST /api/v1/imports/party-members",                   401, "200 403 200 200 200 200 403 403 403", "200 403 422 422 422 422 403 403 403"},
  {"POST /api/v1/imports/units",                           401, "200 200 403 403 403 403 403 403 403", "200 422 403 403 403 403 403 403 403"},
  {"POST /api/v1/imports/grid-boundaries",                 401, "200 200 200 403 403 403 403 403 403", "200 422 422 403 403 403 403 403 403"},
  {"GET /api/v1/exports/residents.csv",                    401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/exports/party-members.csv",                401, "200 200 200 200 200 200 200 403 403", "200 404 404 404 404 404 200 403 403"},
  {"GET /api/v1/exports/units.csv",                        401, "200 200 200 200 403 403 200 403 403", "="},
  {"GET /api/v1/categories",                               401, "200 200 200 200 200 200 200 200 200", "="},
  {"POST /api/v1/categories",                              401, "201 403 403 403 403 403 403 403 403", "="},
  {"PATCH /api/v1/categories/{id}",                        401, "200 403 403 403 403 403 403 403 403", "="},
  {"POST /api/v1/tickets",                                 401, "201 201 201 201 201 201 201 201 201", "201 422 422 422 422 422 201 201 201"},
  {"GET /api/v1/tickets",                                  401, "200 200 200 200 200 200 200 200 200", "200 404 404 404 404 404 200 404 404"},
  {"GET /api/v1/tickets/nearby",                           401, "200 200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200 200"},
  {"GET /api/v1/tickets/{id}",                             401, "200 200 200 200 200 200 404 404 200", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/tickets/{id}/events",                      401, "200 200 200 200 200 200 404 404 200", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/tickets/{id}/events",                     401, "200 200 200 200 403 403 404 404 403", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/tickets/{id}/escalations",                 401, "200 200 200 200 200 200 404 404 200", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/tickets/{id}/contact",                     401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"GET /api/v1/tickets/{id}/assignees",                   401, "200 200 200 200 403 403 404 404 403", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/tickets/{id}/follow",                     401, "204 204 204 204 204 204 404 404 204", "204 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/board",                                    401, "200 200 200 200 200 200 200 200 200", "="},
  {"GET /api/v1/tickets/stream",                           401, "200 200 200 200 200 200 200 200 200", "="},
  {"GET /api/v1/web-config",                               200, "200 200 200 200 200 200 200 200 200", "="},
  {"GET /api/v1/tickets/counts",                           401, "200 200 200 200 200 200 403 403 403", "="},
  // The grid asked for is the place's first grid: grid workers of another grid and residents (scoped to
  // their home) do not reach it (404); their maps use org-nodes?kind=grid.
  {"GET /api/v1/org-nodes/{id}/grids.geojson",             401, "200 200 200 200 404 404 200 200 404", "200 404 404 404 404 404 200 404 404"},
  {"GET /api/v1/stats/rates/trend",                        401, "200 200 200 200 404 404 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/exports/rates.csv",                        401, "200 200 200 200 404 404 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/wishes",                                   401, "200 200 200 200 200 200 200 200 200", "200 404 404 404 404 404 200 404 404"},
  {"GET /api/v1/stats/rates",                              401, "200 200 200 200 404 404 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/stats/rankings",                           401, "200 200 404 404 404 404 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"POST /api/v1/attachments",                             401, "201 201 201 201 201 201 201 201 201", "="},
  {"GET /api/v1/attachments/{id}",                         401, "200 200 200 200 200 200 404 404 200", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/attachments/{id}/thumbnail",               401, "200 200 200 200 200 200 404 404 200", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/attachments/{id}/meta",                    401, "200 200 200 200 200 200 404 404 200", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/webhooks",                                401, "201 201 403 403 403 403 403 403 403", "201 422 403 403 403 403 403 403 403"},
  {"GET /api/v1/webhooks",                                 401, "200 200 403 403 403 403 403 403 403", "="},
  {"DELETE /api/v1/webhooks/{id}",                         401, "204 204 403 403 403 403 403 403 403", "204 404 403 403 403 403 403 403 403"},
  {"GET /api/v1/webhooks/{id}/deliveries",                 401, "200 200 403 403 403 403 403 403 403", "200 404 403 403 403 403 403 403 403"},
  // The time bank: a person's own passbook (staff accounts hold none: 404); staff of the place
  // (county, street, secretary, community worker) read, keep rewards, redeem at the counter; a
  // unit admin reads its members' statements; a resident's civility account cannot buy a
  // member-points reward (422); grid workers and unit admins keep no rewards (403).
  {"GET /api/v1/timebank/me",                              401, "404 404 404 404 404 404 404 200 200", "="},
  {"GET /api/v1/timebank/me/statement",                    401, "404 404 404 404 404 404 404 200 200", "="},
  {"GET /api/v1/timebank/statements",                      401, "200 200 200 200 404 404 200 200 404", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/timebank/postings/{id}/reversal",         401, "201 201 201 201 403 403 403 403 403", "201 404 404 404 403 403 403 403 403"},
  {"GET /api/v1/timebank/rewards",                         401, "200 200 200 200 404 404 404 200 200", "200 404 404 404 404 404 404 200 200"},
  {"POST /api/v1/timebank/rewards",                        401, "201 201 201 201 403 403 403 403 403", "201 422 422 422 403 403 403 403 403"},
  {"PATCH /api/v1/timebank/rewards/{id}",                  401, "200 200 200 200 403 403 403 403 403", "200 404 404 404 403 403 403 403 403"},
  {"GET /api/v1/timebank/redemptions",                     401, "200 200 200 200 404 404 404 200 200", "="},
  {"POST /api/v1/timebank/redemptions",                    401, "201 201 201 201 403 403 403 201 422", "201 404 404 404 403 403 403 404 404"},
  {"POST /api/v1/timebank/redemptions/{id}/hand-over",     401, "200 200 200 200 403 403 403 403 403", "200 404 404 404 403 403 403 403 403"},
  {"POST /api/v1/timebank/redemptions/{id}/cancel",        401, "200 200 200 200 404 404 404 200 404", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/timebank/rankings",                        401, "200 200 200 200 403 403 403 403 403", "200 404 404 404 403 403 403 403 403"},
  {"GET /api/v1/exports/timebank-rankings.csv",            401, "200 200 200 200 403 403 403 403 403", "200 404 404 404 403 403 403 403 403"},
  // Compounds and the red, yellow and black lists (docs/governance.md). A compound is seen by staff
  // whose scope holds it or one of its buildings, by its property company's unit admin and by its
  // committee members (resident1 sits on the home compound's committee; member1 on none).
  {"GET /api/v1/compounds",                                401, "200 200 200 200 200 200 200 200 200", "200 404 404 404 404 404 200 404 404"},
  {"GET /api/v1/compounds/{id}",                           401, "200 200 200 200 200 200 200 404 200", "200 404 404 404 404 404 404 404 404"},
  {"PUT /api/v1/compounds/{id}/governance",                401, "200 200 200 403 403 403 403 404 403", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/compounds/{id}/standings",                 401, "200 200 200 200 200 200 200 404 200", "200 404 404 404 404 404 404 404 404"},
  {"PUT /api/v1/buildings/{id}/governance",                401, "200 200 200 403 403 403 403 403 404", "200 404 404 404 404 404 403 404 404"},
  {"GET /api/v1/ranking-periods",                          401, "200 200 200 200 200 200 200 200 200", "="},
  {"POST /api/v1/ranking-periods",                         401, "201 201 201 403 403 403 403 403 403", "201 422 422 403 403 403 403 403 403"},
  {"GET /api/v1/ranking-periods/{id}",                     401, "200 200 200 200 200 200 200 404 200", "200 404 404 404 404 404 404 404 404"},
  {"PATCH /api/v1/ranking-periods/{id}",                   401, "200 200 200 403 403 403 403 404 403", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/ranking-periods/{id}/state",              401, "200 200 200 403 403 403 403 404 403", "200 404 404 404 404 404 404 404 404"},
  // Each role sends its own group's sheet (admin and street1: the community's; they rate nothing).
  {"POST /api/v1/ranking-periods/{id}/score-sheets",       401, "403 403 201 201 201 201 201 404 201", "403 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/ranking-periods/{id}/standings",           401, "200 200 200 200 200 200 200 404 200", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/exports/timebank-rankings.xlsx",           401, "200 200 200 200 403 403 403 403 403", "200 404 404 404 403 403 403 403 403"},
  {"GET /api/v1/duty/skills",                              401, "200 200 200 200 200 200 200 200 200", "="},
  {"POST /api/v1/duty/skills",                             401, "201 403 403 403 403 403 403 403 403", "="},
  {"GET /api/v1/duty/registrations",                       401, "200 200 200 200 200 200 200 200 200", "200 404 404 404 404 404 200 200 200"},
  {"POST /api/v1/duty/registrations",                      401, "201 403 201 201 201 201 422 422 422", "201 422 422 422 422 422 422 422 422"},
  {"POST /api/v1/duty/registrations/{id}/confirm",         401, "200 403 200 200 403 403 404 404 404", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/duty/registrations/{id}/decline",         401, "200 403 200 200 403 403 404 404 404", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/duty/members/{id}/profile",                401, "200 200 200 200 200 200 200 200 404", "200 404 404 404 404 404 404 404 404"},
  {"PUT /api/v1/duty/members/{id}/profile",                401, "200 403 200 200 200 200 200 200 404", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/duty/unit-registrations",                  401, "200 200 200 200 403 403 200 403 403", "="},
  {"POST /api/v1/duty/unit-registrations",                 401, "201 201 403 403 422 422 201 422 422", "201 422 422 422 422 422 422 422 422"},
  {"POST /api/v1/duty/unit-registrations/{id}/posts",      401, "201 201 403 403 422 422 422 422 422", "201 422 422 422 422 422 422 422 422"},
  {"POST /api/v1/duty/posts/{id}/members",                 401, "422 422 422 422 404 404 404 404 404", "422 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/duty/branches/{id}/members",              401, "200 403 200 200 404 404 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"GET /api/v1/duty/coverage/communities",                401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/duty/coverage/units",                      401, "200 200 200 200 403 403 200 403 403", "="},
  {"GET /api/v1/duty/teams",                               401, "200 200 200 200 200 200 200 200 200", "200 404 404 404 404 404 200 404 404"},
  {"POST /api/v1/duty/teams",                              401, "201 403 201 201 422 422 403 403 422", "201 422 422 422 422 422 403 422 422"},
  {"POST /api/v1/duty/teams/{id}/members",                 401, "200 403 200 200 404 404 403 403 404", "200 404 404 404 404 404 403 404 404"},
  {"GET /api/v1/duty/activities",                          401, "200 200 200 200 200 200 200 200 200", "200 404 404 404 404 404 200 404 404"},
  {"POST /api/v1/duty/activities",                         401, "201 403 201 201 422 422 403 403 422", "201 422 422 422 422 422 403 422 422"},
  {"POST /api/v1/duty/activity-series",                    401, "201 403 201 201 422 422 403 403 422", "201 422 422 422 422 422 403 422 422"},
  {"GET /api/v1/duty/activities/{id}",                     401, "200 200 200 200 404 404 200 200 404", "200 404 404 404 404 404 200 404 404"},
  {"POST /api/v1/duty/activities/{id}/signup",             401, "403 403 403 403 403 403 403 201 403", "403 403 403 403 403 403 403 404 403"},
  {"DELETE /api/v1/duty/activities/{id}/signup",           401, "403 403 403 403 403 403 403 200 403", "403 403 403 403 403 403 403 404 403"},
  {"GET /api/v1/duty/activities/{id}/signups",             401, "200 200 200 200 404 404 200 200 404", "200 404 404 404 404 404 200 404 404"},
  {"GET /api/v1/duty/activities/{id}/code",                401, "200 403 200 200 404 404 403 403 404", "200 404 404 404 404 404 403 404 404"},
  {"POST /api/v1/duty/activities/{id}/check",              401, "403 403 403 403 403 403 403 200 403", "403 403 403 403 403 403 403 404 403"},
  {"POST /api/v1/duty/activities/{id}/no-shows",           401, "200 403 200 200 404 404 403 403 404", "200 404 404 404 404 404 403 404 404"},
  {"GET /api/v1/duty/signups",                             401, "404 404 404 404 404 404 404 200 404", "="},
  {"POST /api/v1/duty/signups/{id}/approve",               401, "200 403 200 200 404 404 403 403 404", "200 404 404 404 404 404 403 404 404"},
  {"GET /api/v1/care/subjects",                            401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"POST /api/v1/care/subjects",                           401, "201 403 201 201 201 201 403 403 403", "201 403 422 422 422 422 403 403 403"},
  {"GET /api/v1/care/subjects/{id}",                       401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"PATCH /api/v1/care/subjects/{id}",                     401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"PUT /api/v1/care/subjects/{id}/absence",               401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"POST /api/v1/care/subjects/{id}/meters",               401, "201 403 201 201 201 201 403 403 403", "201 403 404 404 404 404 403 403 403"},
  {"POST /api/v1/care/readings",                           401, "200 403 200 200 200 200 403 403 403", "200 403 422 422 422 422 403 403 403"},
  {"GET /api/v1/care/alerts",                              401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"POST /api/v1/care/alerts/{id}/acknowledge",            401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"GET /api/v1/party-life/meetings",                      401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"POST /api/v1/party-life/meetings",                     401, "201 403 201 201 201 201 403 403 403", "201 403 422 422 422 422 403 403 403"},
  {"GET /api/v1/party-life/meetings/{id}",                 401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/party-life/cadence",                       401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/party-life/rules",                         401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"PUT /api/v1/party-life/rules",                         401, "200 200 200 403 403 403 403 403 403", "200 422 422 403 403 403 403 403 403"},
  {"POST /api/v1/party-life/evaluate",                     401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"GET /api/v1/party-life/warnings",                      401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"POST /api/v1/party-life/warnings/{id}/acknowledge",    401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"GET /api/v1/party-life/my-warning",                    401, "404 404 404 404 404 404 404 200 404", "="},
  {"POST /api/v1/party-life/members/{id}/dues",            401, "201 403 201 201 201 201 403 403 403", "201 403 404 404 404 404 403 403 403"},
  {"PUT /api/v1/party-life/members/{id}/category",         401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"GET /api/v1/visits",                                   401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"POST /api/v1/visits",                                  401, "201 403 201 201 201 201 403 403 403", "201 403 422 422 422 422 403 403 403"},
  {"GET /api/v1/visits/plan",                              401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/visits/coverage",                          401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/visits/households",                        401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/visits/{id}",                              401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"GET /api/v1/visits/{id}/note",                         401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"GET /api/v1/visit-campaigns",                          401, "200 200 200 200 200 200 403 403 403", "="},
  {"POST /api/v1/visit-campaigns",                         401, "201 201 201 403 403 403 403 403 403", "201 422 422 403 403 403 403 403 403"},
  {"GET /api/v1/coverage",                                  401, "200 200 200 200 403 403 403 403 403", "200 404 404 404 403 403 403 403 403"},
  {"GET /api/v1/coverage/outside",                          401, "200 200 200 200 403 403 403 403 403", "200 404 404 404 403 403 403 403 403"},
  {"GET /api/v1/funds",                                     401, "200 200 200 200 403 403 403 403 403", "200 404 404 404 403 403 403 403 403"},
  {"POST /api/v1/funds/allocations",                        401, "201 201 403 403 403 403 403 403 403", "201 404 403 403 403 403 403 403 403"},
  {"POST /api/v1/funds/default-allocations",                401, "200 200 403 403 403 403 403 403 403", "200 404 403 403 403 403 403 403 403"},
  {"POST /api/v1/funds/spendings",                          401, "201 201 201 403 403 403 403 403 403", "201 404 404 403 403 403 403 403 403"},
  {"POST /api/v1/funds/entries/{id}/reversal",              401, "201 201 201 403 403 403 403 403 403", "201 404 404 403 403 403 403 403 403"},
  {"GET /api/v1/funds/statement",                           401, "200 200 200 200 403 403 403 403 403", "200 404 404 404 403 403 403 403 403"},
  {"POST /api/v1/care/alerts/{id}/close",                  401, "200 403 200 200 200 200 403 403 403", "200 403 404 404 404 404 403 403 403"},
  // Deliberation meetings (docs/deliberation.md): organised by admins, secretaries and community
  // workers over the community; read by staff and party members in scope, residents of the
  // community, admins of invited units; proposed by residents for their own community.
  {"GET /api/v1/deliberation/meetings",                    401, "200 200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200 200"},
  {"POST /api/v1/deliberation/meetings",                   401, "201 201 201 201 403 403 403 403 403", "201 422 422 422 403 403 403 403 403"},
  {"POST /api/v1/deliberation/series",                     401, "201 201 201 201 403 403 403 403 403", "201 422 422 422 403 403 403 403 403"},
  {"GET /api/v1/deliberation/meetings/{id}",               401, "200 200 200 200 404 404 404 200 200", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/deliberation/meetings/{id}/registrations",401, "201 201 201 201 404 404 404 201 201", "201 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/deliberation/meetings/{id}/code",          401, "200 200 200 200 404 404 404 403 403", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/deliberation/meetings/{id}/check",        401, "200 200 200 200 404 404 404 200 200", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/deliberation/meetings/{id}/agenda",       401, "201 201 201 201 404 404 404 403 403", "201 404 404 404 404 404 404 404 404"},
  {"PUT /api/v1/deliberation/meetings/{id}/minutes",       401, "200 200 200 200 404 404 404 403 403", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/deliberation/meetings/{id}/decisions",    401, "201 201 201 201 404 404 404 403 403", "201 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/deliberation/decisions/{id}",              401, "200 200 200 200 404 404 404 200 200", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/deliberation/proposals",                   401, "200 200 200 200 200 200 403 403 200", "200 200 200 200 200 200 403 403 200"},
  {"POST /api/v1/deliberation/proposals",                  401, "403 403 403 403 403 403 403 403 201", "="},
  {"GET /api/v1/deliberation/reminders",                   401, "200 200 200 200 200 200 200 200 200", "="},
  // Issue 10 §3: the organiser cancels a meeting, lists and declines registrations; anyone reads
  // their own notices (gov3).
  {"POST /api/v1/deliberation/meetings/{id}/cancel",       401, "200 200 200 200 404 404 404 403 403", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/deliberation/meetings/{id}/registrations", 401, "200 200 200 200 404 404 404 403 403", "200 404 404 404 404 404 404 404 404"},
  {"POST /api/v1/deliberation/meetings/{id}/registrations/{registration_id}/decline", 401, "200 200 200 200 404 404 404 403 403", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/notices",                                  401, "200 200 200 200 200 200 200 200 200", "="},
  // The screen's map of open care alerts and visit coverage: staff who read people, in scope.
  {"GET /api/v1/care/map",                                 401, "200 200 200 200 200 200 403 403 403", "200 404 404 404 404 404 403 403 403"},
  // Issue 9: skills renamed/retired, posts, functional branch members, cancel/disband, notices,
  // quarterly service cards (duty-api).
  {"PATCH /api/v1/duty/skills/{id}",                       401, "200 403 403 403 403 403 403 403 403", "="},
  {"GET /api/v1/duty/unit-registrations/{id}/posts",       401, "200 200 200 200 404 404 200 200 404", "200 404 404 404 404 404 404 404 404"},
  {"DELETE /api/v1/duty/posts/{id}/members/{member_id}",   401, "403 403 403 403 404 404 200 200 404", "403 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/duty/branches/{id}/members",               401, "200 200 200 200 404 404 403 403 403", "200 404 404 404 404 404 403 403 403"},
  {"DELETE /api/v1/duty/branches/{id}/members/{member_id}",401, "200 403 200 200 404 404 403 403 403", "200 403 404 404 404 404 403 403 403"},
  {"POST /api/v1/duty/activities/{id}/cancel",             401, "200 403 200 200 404 404 403 403 404", "200 404 404 404 404 404 403 404 404"},
  {"POST /api/v1/duty/teams/{id}/disband",                 401, "200 403 200 200 404 404 403 403 404", "200 404 404 404 404 404 403 404 404"},
  {"DELETE /api/v1/duty/teams/{id}/members/{member_id}",   401, "200 403 200 200 404 404 403 403 404", "200 404 404 404 404 404 403 404 404"},
  {"GET /api/v1/duty/notices",                             401, "403 403 403 403 403 403 403 200 403", "="},
  {"GET /api/v1/duty/service-cards",                       401, "200 200 200 200 200 200 200 200 404", "200 404 404 404 404 404 404 404 404"},
  {"GET /api/v1/exports/service-cards.csv",                401, "200 200 200 200 403 403 200 403 403", "200 404 404 404 403 403 404 403 403"},
  {"GET /api/v1/exports/service-cards.xlsx",               401, "200 200 200 200 403 403 200 403 403", "200 404 404 404 403 403 404 403 403"},
};
// clang-format on

// Open311 answers by api_key, not by session; its own group. Columns: no
// api_key, a wrong one, the county's key. "in" targets grid A1 (a public
// ticket), "out" the second street (a ticket that is not public).
// clang-format off
const Row kOpen311Table[] = {
  // route                                                         in: none bad good / out
  {"GET /open311/v2/discovery.json",                             0, "200 200 200", "200 200 200"},
  {"GET /open311/v2/discovery.xml",                              0, "200 200 200", "200 200 200"},
  {"GET /open311/v2/services.json",                              0, "200 200 200", "200 200 200"},
  {"GET /open311/v2/services.xml",                               0, "200 200 200", "200 200 200"},
  {"GET /open311/v2/services/{service_code_format}",             0, "200 200 200", "200 200 200"},
  {"POST /open311/v2/requests.json",                             0, "403 403 200", "403 403 200"},
  {"POST /open311/v2/requests.xml",                              0, "403 403 200", "403 403 200"},
  {"GET /open311/v2/requests.json",                              0, "200 200 200", "200 200 200"},
  {"GET /open311/v2/requests.xml",                               0, "200 200 200", "200 200 200"},
  {"GET /open311/v2/requests/{service_request_id_format}",       0, "200 200 200", "404 404 404"},
  {"GET /open311/v2/tokens/{token_format}",                      0, "200 200 200", "404 404 404"},
  {"GET /open311/v2/servicerequestupdates.json",                 0, "200 200 200", "200 200 200"},
  {"GET /open311/v2/servicerequestupdates.xml",                  0, "200 200 200", "200 200 200"},
  {"POST /open311/v2/servicerequestupdates.json",                0, "403 403 200", "403 403 404"},
  {"POST /open311/v2/servicerequestupdates.xml",                 0, "403 403 200", "403 403 404"},
  {"GET /open311/v2/media/{id}",                                 0, "200 200 200", "404 404 404"},
};
// clang-format on

std::vector<unsigned> Statuses(const std::string& text) {
  std::vector<unsigned> out;
  std::istringstream in(text);
  for (unsigned v = 0; in >> v;) out.push_back(v);
  return out;
}

// What to send for one (route, role, side).
struct Call {
  enum class Via {
    kSession,       // the role's logged-in client
    kFreshSession,  // a new client logged in as the role (the call ends its session)
    kNoSession,     // a client without a session (logging in)
    kStream,        // the role's session on a raw socket; only the status line is read
  };
  Call(std::string m, std::string t, std::string b = "", Headers h = {})
      : method(std::move(m)), target(std::move(t)), body(std::move(b)), headers(std::move(h)) {}
  std::string method;
  std::string target;
  std::string body;
  Headers headers;
  Via via = Via::kSession;
  std::function<void()> after;  // undoes what the call did to the account (password)
};

// Where a role's targets are.
struct Place {
  domain::OrgNode street, community, grid, building;
  int grid_index = 0;  // for GridCenter()
  domain::PartyOrg branch;
  domain::Resident resident;
  domain::PartyMember member;
  domain::Unit unit;
  int64_t staff_id = 0;
  int64_t ticket_id = 0;  // not public, submitted by the place's resident account
  std::string ticket_number;
  int64_t attachment_id = 0;  // on that ticket
  int64_t webhook_id = 0;
  std::string resident_user;  // who submits the place's tickets
  // A compound of the community (property company: the place's unit; committee: the place's
  // resident; the place's building) and a scoring period of the community holding it.
  int64_t compound_id = 0;
  int64_t period_id = 0;
  std::map<std::string, std::string> sheet_scores;  // group → "scores" JSON, every item at max
};

using Build = std::function<Call(size_t role, bool out)>;

class AccessMatrixTest : public ApiTest {
 protected:
  AccessMatrixTest() {
    second_street_ = true;
    sms_ = &sms_recorder_;
  }

  void SetUp() override {
    ApiTest::SetUp();
    if (skipped_ || HasFatalFailure()) return;
    ASSERT_NO_THROW(BuildPlaces());
    ASSERT_NO_THROW(InstallChangeCounters());
  }

  static std::string Id(int64_t id) { return std::to_string(id); }
  static bool IsWrite(const std::string& method) { return method != "GET" && method != "HEAD"; }

  domain::Caller Admin() { return Must(app_->CallerFor("admin"), "admin caller"); }

  // A valid ID number no other fixture uses (born on 16 March, unlike the harness's).
  std::string FreshIdNumber() {
    const int n = serial_++;
    std::string first17 = fmt::format("131022{:04}0316{:03}", 1950 + n / 1000 % 50, n % 1000);
    return first17 + core::IdNumberCheckChar(first17);
  }
  std::string Unique(const std::string& prefix) { return prefix + std::to_string(serial_++); }

  static std::string Loc(core::LonLat p) { return fmt::format("[{:.6f},{:.6f}]", p.lon, p.lat); }
  int64_t CategoryId(const std::string& code) {
    return Must(app_->categories().GetByCode(code), code).id;
  }

  // A not public 暴露垃圾 report at `p` by the place's resident, with
  // `attachment_ids` (JSON array text).
  json::object SubmitTicket(const Place& p, const std::string& attachment_ids = "[]") {
    auto r = As(p.resident_user)
                 .Send("POST", "/api/v1/tickets",
                       R"({"category_id":)" + Id(CategoryId("E01.01")) +
                           R"(,"is_public":false,"description":")" + Unique("楼道杂物堆积") +
                           R"(","phone":"13700000001","contact_name":"张先生","location":)" +
                           Loc(GridCenter(p.grid_index)) + R"(,"attachment_ids":)" +
                           attachment_ids + "}");
    EXPECT_EQ(r.status, 201u) << r.body;
    if (r.status != 201u) throw std::runtime_error("ticket");
    return r.Json().as_object();
  }

  void BuildPlaces() {
    const domain::Caller admin = Admin();
    Place a;
    a.street = w_.street;
    a.community = w_.community_a;
    a.grid = w_.grid_a1;
    a.building = w_.building_a1;
    a.grid_index = 0;
    a.branch = w_.branch_a1;
    a.resident = w_.ra1;
    a.member = w_.member;
    a.unit = w_.unit;
    a.resident_user = "resident1";
    Place b = a;
    b.community = w_.community_b;
    b.grid = w_.grid_b1;
    b.building = w_.building_b1;
    b.grid_index = 2;
    b.branch = w_.branch_b1;
    b.resident = w_.rb1;
    b.unit = Must(app_->units().Create(
                      admin, domain::NewUnit{w_.street.id, domain::UnitKind::kPropertyCompany,
                                             "西关物业", std::nullopt, "", ""}),
                  "unit B");
    Must(app_->units().Pair(admin, b.unit.id, w_.community_b.id, std::nullopt), "pair B");
    b.member = Must(app_->party().CreateMember(admin, domain::NewPartyMember{"党员七",
                                                                             FreshIdNumber(),
                                                                             std::nullopt,
                                                                             w_.branch_b1.id,
                                                                             std::nullopt,
                                                                             w_.community_b.id,
                                                                             std::nullopt,
                                                                             {},
                                                                             false}),
                    "member B");
    Place c;
    const Outside& o = w_.outside;
    c.street = o.street;
    c.community = o.community;
    c.grid = o.grid;
    c.building = o.building;
    c.grid_index = 3;
    c.branch = o.branch;
    c.resident = o.resident;
    c.member = o.member;
    c.unit = o.unit;
    c.resident_user = "resident2";
    for (Place* p : {&a, &b, &c}) {
      p->staff_id = StaffAt(*p, true);
      const std::string photo =
          media::testing::TestJpeg(24 + p->grid_index, 16, 40 + 30 * p->grid_index);
      auto up = As(p->resident_user)
                    .Send("POST", "/api/v1/attachments", photo, {{"Content-Type", "image/jpeg"}});
      ASSERT_EQ(up.status, 201u) << up.body;
      p->attachment_id = up.Json().at("id").as_int64();
      json::object t = SubmitTicket(*p, "[" + Id(p->attachment_id) + "]");
      p->ticket_id = t.at("id").as_int64();
      p->ticket_number = std::string(t.at("number").as_string());
      p->webhook_id = WebhookAt(*p);
    }
    for (Place* p : {&a, &b, &c}) {
      p->compound_id = FreshCompound(*p, p->building.id);
      p->period_id = FreshPeriod(*p, true);
    }
    home_a_ = a;
    home_b_ = b;
    away_ = c;
    // Every member has a warning (member1 reads its own).
    Must(app_->partylife().Evaluate(admin, std::nullopt, std::nullopt), "evaluate");
  }

  static void MustOk(const core::Status& status, const std::string& what) {
    EXPECT_TRUE(status.ok()) << what << ": " << (status.ok() ? "" : status.error().message);
    if (!status.ok()) throw std::runtime_error(what);
  }
  // A compound of the place's community linked to its unit (as property company), its resident
  // (on the owners' committee) and `building` (a building of its grid).
  int64_t FreshCompound(const Place& p, int64_t building) {
    const domain::Caller admin = Admin();
    const int64_t id =
        Must(app_->tree().Create(
                 &admin,
                 domain::NewOrgNode{p.community.id, domain::OrgKind::kCompound,
                                    p.community.code + Unique("C"), Unique("小区"), std::nullopt}),
             "compound")
            .id;
    auto conn = Must(app_->db().Acquire(), "connection");
    auto tx = Must(store::Transaction::Begin(*conn), "tx");
    MustOk(
        app_->governance().InsertLinks(*conn, id, p.unit.id, "业委会", std::nullopt, std::nullopt),
        "links");
    Must(conn->Execute("INSERT INTO committee_member (compound_id, name, duty, resident_id, "
                       "created_at) VALUES ($1, '委员', 'member', $2, 0)",
                       {id, p.resident.id}),
         "member");
    Must(conn->Execute("INSERT INTO building_governance (building_id, compound_id) VALUES ($1, $2)",
                       {building, id}),
         "building");
    MustOk(tx.Commit(), "commit");
    return id;
  }
  // A period of the place's community (moved to scoring when `scoring`).
  int64_t FreshPeriod(Place& p, bool scoring) {
    domain::NewPeriod np;
    np.node_id = p.community.id;
    np.quarter = "2026-Q3";
    domain::RankingPeriod period = Must(app_->governance().CreatePeriod(Admin(), np), "period");
    if (scoring) {
      period = Must(app_->governance().Advance(Admin(), period.id, domain::PeriodState::kScoring,
                                               std::nullopt),
                    "scoring");
      for (size_t g = 0; g < domain::kRaterGroups; ++g) {
        std::string scores;
        for (const auto& c : period.criteria[g]) {
          scores += (scores.empty() ? "" : ",") +
                    fmt::format(R"({{"criterion_id":{},"points":{}}})", c.id, c.max_points);
        }
        p.sheet_scores[std::string(domain::RaterGroupName(domain::kAllRaterGroups[g]))] =
            "[" + scores + "]";
      }
    }
    return period.id;
  }

  // A grid worker of the place's community, assigned to its grid when `assigned`.
  int64_t StaffAt(const Place& p, bool assigned) {
    domain::NewStaff s;
    s.kind = domain::StaffKind::kGridWorker;
    s.employment = domain::Employment::kFullTime;
    s.node_id = p.community.id;
    s.name = Unique("网格员");
    s.phone = "13600000001";
    if (assigned) s.grid_ids = {p.grid.id};
    return Must(app_->staff().Create(Admin(), s), "staff").id;
  }
  int64_t WebhookAt(const Place& p) {
    domain::NewWebhookEndpoint e;
    e.url = "http://127.0.0.1:9/" + Unique("hook");
    e.node_id = p.community.id;
    return Must(app_->webhooks().Create(Admin(), e), "webhook").id;
  }
  int64_t FreshResident(const Place& p) {
    return Must(app_->residents().Create(Admin(),
                                         domain::NewResident{p.building.id, Unique("3-"), "新居民",
                                                             FreshIdNumber(), std::nullopt, 0}),
                "resident")
        .id;
  }
  // An elder living alone at the place, enrolled in 云监护 with a fresh water meter.
  struct CareTarget {
    int64_t id = 0;
    std::string meter;
  };
  CareTarget FreshCareSubject(const Place& p) {
    int64_t resident =
        Must(app_->residents().Create(Admin(),
                                      domain::NewResident{p.building.id, Unique("8-"), "独居老人",
                                                          FreshIdNumber(), std::nullopt, 1}),
             "care resident")
            .id;
    domain::NewCareSubject s;
    s.resident_id = resident;
    s.consent_by = "本人";
    s.consent_method = "written";
    std::string meter = Unique("W");
    s.meters.push_back(domain::NewMeter{domain::MeterKind::kWater, meter, std::nullopt,
                                        std::nullopt, std::nullopt});
    return CareTarget{Must(app_->care().Enrol(Admin(), s), "care subject").id, meter};
  }
  // An open silence alert of a fresh care subject at the place.
  int64_t FreshCareAlert(const Place& p) {
    int64_t subject = FreshCareSubject(p).id;
    auto conn = Must(app_->db().Acquire(), "connection");
    return Must(
        conn->QueryInt("INSERT INTO care_alert (subject_id, rule, path, raised_at) SELECT "
                       "id, 'silence', path, 0 FROM care_subject WHERE id = $1 RETURNING id",
                       {subject}),
        "care alert");
  }
  std::string Today() const { return core::FormatDate(core::ShanghaiDate(app_->clock().NowMs())); }
  // A 主题党日 of the place's branch attended by its member.
  int64_t FreshPartyMeeting(const Place& p) {
    domain::NewPartyMeeting m;
    m.party_org_id = p.branch.id;
    m.kind = domain::MeetingKind::kThemeDay;
    m.held_on = Today();
    m.title = Unique("主题党日");
    m.attendee_ids = {p.member.id};
    return Must(app_->partylife().RecordMeeting(Admin(), m), "meeting").id;
  }
  // A fresh member of the place's branch with an evaluated (unacknowledged) warning.
  int64_t FreshWarnedMember(const Place& p) {
    int64_t member = FreshMember(p);
    Must(app_->partylife().Evaluate(Admin(), std::nullopt, p.grid.id), "evaluate");
    return member;
  }
  // A meeting of the place's community starting `from_now_ms` from now (议事协商).
  int64_t FreshMeeting(const Place& p, int64_t from_now_ms = core::kMsPerDay) {
    domain::NewMeeting m;
    m.community_id = p.community.id;
    m.title = Unique("议事会");
    m.starts_at = core::FormatUtc(app_->clock().NowMs() + from_now_ms);
    return Must(app_->deliberation().Create(Admin(), m), "meeting").id;
  }
  // A decision (with its follow-up ticket) of a fresh meeting at the place.
  int64_t FreshDecision(const Place& p) {
    domain::NewDecision d;
    d.title = Unique("决定");
    d.owner = "王经理";
    d.due_date = "2027-01-31";
    return Must(app_->deliberation().Decide(Admin(), FreshMeeting(p), d), "decision").id;
  }
  int64_t FreshBuilding(const Place& p) {
    const domain::Caller admin = Admin();
    return Must(app_->tree().Create(
                    &admin, domain::NewOrgNode{p.grid.id, domain::OrgKind::kBuilding,
                                               p.grid.code + Unique("-"), "新楼", std::nullopt}),
                "building")
        .id;
  }
  int64_t FreshMember(const Place& p) {
    return Must(app_->party().CreateMember(Admin(), domain::NewPartyMember{"新党员",
                                                                           FreshIdNumber(),
                                                                           std::nullopt,
                                                                           p.branch.id,
                                                                           std::nullopt,
                                                                           std::nullopt,
                                                                           std::nullopt,
                                                                           {},
                                                                           false}),
                "member")
        .id;
  }
  // A unit sitting in the place's street, paired with its community when `paired`.
  int64_t FreshUnit(const Place& p, bool paired) {
    domain::Unit u = Must(
        app_->units().Create(Admin(), domain::NewUnit{p.street.id, domain::UnitKind::kEnterprise,
                                                      Unique("企业"), std::nullopt, "", ""}),
        "unit");
    if (paired) Must(app_->units().Pair(Admin(), u.id, p.community.id, std::nullopt), "pair");
    return u.id;
  }
  int64_t FreshCategory() {
    domain::Category c;
    c.code = Unique("T");
    c.name = Unique("测试类别");
    c.group = domain::CategoryGroup::kEvent;
    c.handler = domain::CategoryHandler::kCommunity;
    c.accept_minutes = 60;
    c.respond_minutes = 120;
    c.resolve_minutes = 1440;
    return Must(app_->categories().Create(Admin(), c), "category").id;
  }

  const Place& Home(size_t role) const { return Usernames()[role] == "grid2" ? home_b_ : home_a_; }
  const Place& At(size_t role, bool out) const { return out ? away_ : Home(role); }

  // The request for each route; keys as in kTable.
  std::map<std::string, Build> Builders();

  // Every table but `session` (reading with a session touches it) gets row triggers that count
  // its inserts, updates and deletes in zz_test_change; the webhook outbox counts only inserts
  // and deletes (its rows carry retry state). Snapshot() reads the counters: a write that
  // touched no row leaves them equal. Reading every table's rows before and after each write
  // did the same at a hundred times the cost.
  void InstallChangeCounters() {
    auto conn = Must(app_->db().Acquire(), "connection");
    const bool sqlite = app_->db().backend() == store::Backend::kSqlite;
    std::string list_sql = sqlite ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                                    "NOT LIKE 'sqlite_%' ORDER BY name"
                                  : "SELECT tablename FROM pg_tables WHERE schemaname = "
                                    "current_schema() ORDER BY tablename";
    std::vector<std::string> tables;
    for (const store::Row& t : Must(conn->Query(list_sql), "tables")) {
      if (t.Text(0) != "session") tables.push_back(t.Text(0));
    }
    Must(conn->Execute("CREATE TABLE zz_test_change (tbl TEXT PRIMARY KEY, n BIGINT NOT NULL)"),
         "zz_test_change");
    if (!sqlite) {
      Must(conn->Execute("CREATE FUNCTION zz_test_touch() RETURNS trigger LANGUAGE plpgsql AS $$ "
                         "BEGIN INSERT INTO zz_test_change (tbl, n) VALUES (TG_TABLE_NAME, 1) "
                         "ON CONFLICT (tbl) DO UPDATE SET n = zz_test_change.n + 1; "
                         "RETURN NULL; END $$"),
           "zz_test_touch");
    }
    for (const std::string& t : tables) {
      std::vector<std::string> ops = {"INSERT", "DELETE"};
      if (t != "webhook_outbox") ops.push_back("UPDATE");
      for (const std::string& op : ops) {
        const std::string name = "zz_tc_" + t + "_" + op;
        Must(conn->Execute(
                 sqlite ? fmt::format("CREATE TRIGGER {} AFTER {} ON {} BEGIN INSERT INTO "
                                      "zz_test_change (tbl, n) VALUES ('{}', 1) ON CONFLICT "
                                      "(tbl) DO UPDATE SET n = n + 1; END",
                                      name, op, t, t)
                        : fmt::format("CREATE TRIGGER {} AFTER {} ON {} FOR EACH ROW EXECUTE "
                                      "FUNCTION zz_test_touch()",
                                      name, op, t)),
             name);
      }
    }
  }

  std::map<std::string, std::string> Snapshot() {
    auto conn = Must(app_->db().Acquire(), "connection");
    std::map<std::string, std::string> out;
    for (const store::Row& r : Must(conn->Query("SELECT tbl, n FROM zz_test_change"), "counts")) {
      out[r.Text(0)] = r.at(1).ToString();
    }
    return out;
  }

  static std::string Changed(const std::map<std::string, std::string>& before,
                             const std::map<std::string, std::string>& after) {
    std::string tables;
    for (const auto& [table, rows] : after) {
      auto it = before.find(table);
      if (it == before.end() || it->second != rows) tables += table + " ";
    }
    return tables;
  }

  // Sends `call` as Usernames()[role] (or without credentials when
  // `anonymous`); the status.
  unsigned Send(const Call& call, size_t role, bool anonymous) {
    const std::string& user = Usernames()[role];
    switch (call.via) {
      case Call::Via::kSession:
        if (anonymous)
          return Anonymous()->Send(call.method, call.target, call.body, call.headers).status;
        return As(user).Send(call.method, call.target, call.body, call.headers).status;
      case Call::Via::kFreshSession: {
        auto client = Anonymous();
        client->set_cookie_jar(true);
        if (!anonymous) {
          auto login =
              client->Send("POST", "/api/v1/session",
                           R"({"username":")" + user + R"(","password":")" + kPassword + R"("})");
          EXPECT_EQ(login.status, 200u) << login.body;
        }
        return client->Send(call.method, call.target, call.body, call.headers).status;
      }
      case Call::Via::kNoSession:
        return Anonymous()->Send(call.method, call.target, call.body, call.headers).status;
      case Call::Via::kStream:
        return StreamStatus(call.target, anonymous ? "" : As(user).cookies().at("cg_session"));
    }
    return 0;
  }

  // The status of a Server-Sent Events answer, read from its header only.
  unsigned StreamStatus(const std::string& target, const std::string& session) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server_->port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{20, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      return 0;
    }
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n";
    if (!session.empty()) request += "Cookie: cg_session=" + session + "\r\n";
    request += "\r\n";
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string head;
    char chunk[512];
    while (head.find("\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      head.append(chunk, static_cast<size_t>(n));
    }
    ::close(fd);
    // "HTTP/1.1 200 OK"
    if (head.size() < 12) return 0;
    return static_cast<unsigned>(std::stoi(head.substr(9, 3)));
  }

  // An account in the place's building, for the account administration routes.
  int64_t FreshAccount(const Place& p) {
    domain::NewAccount a{Unique("acct"), "新账号",     kPassword,    domain::Role::kResident,
                         p.building.id,  std::nullopt, std::nullopt, std::nullopt};
    return Must(app_->accounts().CreateAccount(nullptr, a), "account");
  }
  std::string FreshPhone() { return fmt::format("135{:08}", serial_++); }
  // A pending self-registration in the place's community.
  int64_t FreshRegistration(const Place& p) {
    const std::string phone = FreshPhone();
    domain::RetryAfter retry;
    auto sent = app_->registrations().RequestCode(phone, retry);
    EXPECT_TRUE(sent.ok()) << sent.error().message;
    auto login = Must(app_->registrations().Register({phone, sms_recorder_.LastCode(phone),
                                                      "long-enough-1", "新居民", p.community.id}),
                      "registration");
    return login.caller.account_id;
  }

  // The time bank: 60 approved minutes (10 points) for the place's member, as its own
  // posting; a reward of its community (cost 1); a pending redemption of it by the member.
  int64_t CreditHours(const Place& p) {
    auto conn = Must(app_->db().Acquire(), "connection");
    auto tx = Must(store::Transaction::Begin(*conn), "transaction");
    domain::ApprovedHours h;
    h.holder_member_id = p.member.id;
    h.activity_id = 1;
    h.minutes = 60;
    h.approved_by = 1;
    h.served_at = app_->clock().NowMs();
    h.idempotency_key = Unique("matrix-");
    int64_t id = Must(app_->timebank().CreditApprovedHours(*conn, h), "credit").posting_id;
    EXPECT_TRUE(tx.Commit().ok());
    return id;
  }
  int64_t FreshReward(const Place& p) {
    domain::NewReward r;
    r.node_id = p.community.id;
    r.name = Unique("洗衣液");
    r.cost = 1;
    r.stock = 5;
    return Must(app_->timebank().CreateReward(Admin(), r), "reward").id;
  }
  int64_t FreshRedemption(const Place& p) {
    CreditHours(p);
    domain::RedeemRequest req;
    req.reward_id = FreshReward(p);
    req.holder_kind = domain::HolderKind::kMember;
    req.holder_id = p.member.id;
    return Must(app_->timebank().Redeem(Admin(), req), "redemption").id;
  }
  void AddTimeBankBuilders(std::map<std::string, Build>& b);
  void AddVisitBuilders(std::map<std::string, Build>& b);
  void AddDutyManageBuilders(std::map<std::string, Build>& b);
  // The registration of `unit` with `community` (made by the county admin the first time).
  int64_t UnitRegistration(int64_t unit, int64_t community) {
    for (const auto& reg : Must(app_->duty().ListUnitRegistrations(Admin(), unit), "unit regs")) {
      if (reg.community_id == community) return reg.id;
    }
    return Must(app_->duty().RegisterUnit(Admin(), unit, community), "unit registration").id;
  }

  RecordingSms sms_recorder_;
  Place home_a_, home_b_, away_;
  int serial_ = 300;
};

std::map<std::string, Build> AccessMatrixTest::Builders() {
  std::map<std::string, Build> b;
  auto get = [](std::string target) {
    return [target](size_t, bool) { return Call{"GET", target, "", {}}; };
  };
  // --- system, session, account -------------------------------------------
  b["GET /healthz"] = get("/healthz");
  b["GET /metrics"] = get("/metrics");
  b["GET /api/v1/openapi.json"] = get("/api/v1/openapi.json");
  b["GET /api/v1/audit"] = get("/api/v1/audit");
  b["GET /api/v1/audit/verify"] = get("/api/v1/audit/verify");
  b["POST /api/v1/session"] = [](size_t role, bool) {
    Call c{"POST",
           "/api/v1/session",
           R"({"username":")" + Usernames()[role] + R"(","password":")" + kPassword + R"("})",
           {}};
    c.via = Call::Via::kNoSession;
    return c;
  };
  b["DELETE /api/v1/session"] = [](size_t, bool) {
    Call c{"DELETE", "/api/v1/session", "", {}};
    c.via = Call::Via::kFreshSession;
    return c;
  };
  b["GET /api/v1/me"] = get("/api/v1/me");
  b["PUT /api/v1/me/password"] = [this](size_t role, bool) {
    Call c{"PUT",
           "/api/v1/me/password",
           R"({"old_password":")" + std::string(kPassword) + R"(","new_password":"changed-1234"})",
           {}};
    c.via = Call::Via::kFreshSession;
    c.after = [this, role] {
      const std::string& user = Usernames()[role];
      auto caller = app_->CallerFor(user);
      if (caller.ok()) (void)app_->accounts().ChangePassword(*caller, "changed-1234", kPassword);
      clients_.erase(user);  // its sessions ended with the old password
    };
    return c;
  };
  b["POST /api/v1/tokens"] = [](size_t, bool) {
    return Call{"POST", "/api/v1/tokens", R"({"name":"集成"})", {}};
  };
  // Lists: "in" is the caller's own scope, "out" asks for the second street.
  auto list = [this](std::string path, std::string param = "within") {
    return [this, path, param](size_t, bool out) {
      std::string target = path;
      if (out) target += "?" + param + "=" + Id(away_.community.id);
      return Call{"GET", target, "", {}};
    };
  };
  auto post = [](std::string target, std::string body) {
    return Call{"POST", std::move(target), std::move(body), {}};
  };
  // --- org tree, party organisations, service centres --------------------------
  b["GET /api/v1/org-nodes"] = list("/api/v1/org-nodes");
  b["POST /api/v1/org-nodes"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    return post("/api/v1/org-nodes", R"({"parent_id":)" + Id(p.grid.id) +
                                         R"(,"kind":"building","code":")" + p.grid.code +
                                         Unique("-") + R"(","name":"新楼"})");
  };
  b["GET /api/v1/org-nodes/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/org-nodes/" + Id(At(role, out).building.id), "", {}};
  };
  b["PATCH /api/v1/org-nodes/{id}"] = [this](size_t role, bool out) {
    return Call{"PATCH",
                "/api/v1/org-nodes/" + Id(FreshBuilding(At(role, out))),
                R"({"name":"改名楼"})",
                {}};
  };
  b["DELETE /api/v1/org-nodes/{id}"] = [this](size_t role, bool out) {
    return Call{"DELETE", "/api/v1/org-nodes/" + Id(FreshBuilding(At(role, out))), "", {}};
  };
  b["GET /api/v1/org-nodes/{id}/staffing"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/org-nodes/" + Id(At(role, out).community.id) + "/staffing", "", {}};
  };
  b["GET /api/v1/staffing"] = get("/api/v1/staffing");
  b["GET /api/v1/grid-lookup"] = [this](size_t role, bool out) {
    core::LonLat c = GridCenter(At(role, out).grid_index);
    return Call{
        "GET", fmt::format("/api/v1/grid-lookup?lon={:.6f}&lat={:.6f}", c.lon, c.lat), "", {}};
  };
  b["GET /api/v1/party-orgs"] = list("/api/v1/party-orgs");
  b["POST /api/v1/party-orgs"] = [this, post](size_t role, bool out) {
    return post("/api/v1/party-orgs", R"({"node_id":)" + Id(At(role, out).grid.id) +
                                          R"(,"kind":"grid_group","name":")" + Unique("党小组") +
                                          R"("})");
  };
  b["GET /api/v1/party-orgs/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/party-orgs/" + Id(At(role, out).branch.id), "", {}};
  };
  b["GET /api/v1/service-centers"] = list("/api/v1/service-centers");
  b["POST /api/v1/service-centers"] = [this, post](size_t role, bool out) {
    return post("/api/v1/service-centers",
                R"({"node_id":)" + Id(At(role, out).community.id) + R"(,"name":")" +
                    Unique("服务中心") + R"(","floor_area_m2":600,"location":[116.41,39.51]})");
  };
  // --- residents ---------------------------------------------------------------
  b["GET /api/v1/residents"] = list("/api/v1/residents");
  b["POST /api/v1/residents"] = [this, post](size_t role, bool out) {
    return post("/api/v1/residents", R"({"building_id":)" + Id(At(role, out).building.id) +
                                         R"(,"room":")" + Unique("6-") +
                                         R"(","name":"新居民","id_number":")" + FreshIdNumber() +
                                         R"("})");
  };
  b["GET /api/v1/residents/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/residents/" + Id(At(role, out).resident.id), "", {}};
  };
  b["PATCH /api/v1/residents/{id}"] = [this](size_t role, bool out) {
    const Place& p = At(role, out);
    return Call{"PATCH",
                "/api/v1/residents/" + Id(FreshResident(p)),
                R"({"building_id":)" + Id(p.building.id) + R"(,"room":")" + Unique("7-") + R"("})",
                {}};
  };
  b["DELETE /api/v1/residents/{id}"] = [this](size_t role, bool out) {
    return Call{"DELETE", "/api/v1/residents/" + Id(FreshResident(At(role, out))), "", {}};
  };
  b["GET /api/v1/residents/{id}/pii"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/residents/" + Id(At(role, out).resident.id) + "/pii", "", {}};
  };
  // --- party members -------------------------------------------------------------
  b["GET /api/v1/party-members"] = list("/api/v1/party-members");
  b["POST /api/v1/party-members"] = [this, post](size_t role, bool out) {
    return post("/api/v1/party-members", R"({"name":"新党员","id_number":")" + FreshIdNumber() +
                                             R"(","party_org_id":)" + Id(At(role, out).branch.id) +
                                             "}");
  };
  b["GET /api/v1/party-members/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/party-members/" + Id(At(role, out).member.id), "", {}};
  };
  b["PUT /api/v1/party-members/{id}/registration"] = [this](size_t role, bool out) {
    const Place& p = At(role, out);
    return Call{"PUT",
                "/api/v1/party-members/" + Id(FreshMember(p)) + "/registration",
                R"({"community_id":)" + Id(p.community.id) + "}",
                {}};
  };
  // --- units ------------------------------------------------------------------------
  b["GET /api/v1/units"] = list("/api/v1/units", "paired_with");
  b["POST /api/v1/units"] = [this, post](size_t role, bool out) {
    return post("/api/v1/units", R"({"node_id":)" + Id(At(role, out).street.id) +
                                     R"(,"kind":"enterprise","name":")" + Unique("企业") + R"("})");
  };
  b["GET /api/v1/units/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/units/" + Id(At(role, out).unit.id), "", {}};
  };
  b["POST /api/v1/units/{id}/pairings"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    return post("/api/v1/units/" + Id(FreshUnit(p, false)) + "/pairings",
                R"({"node_id":)" + Id(p.community.id) + "}");
  };
  b["DELETE /api/v1/units/{id}/pairings/{node_id}"] = [this](size_t role, bool out) {
    const Place& p = At(role, out);
    return Call{"DELETE",
                "/api/v1/units/" + Id(FreshUnit(p, true)) + "/pairings/" + Id(p.community.id),
                "",
                {}};
  };
  // --- staff and accounts -------------------------------------------------------------
  b["GET /api/v1/staff"] = list("/api/v1/staff");
  b["POST /api/v1/staff"] = [this, post](size_t role, bool out) {
    return post("/api/v1/staff", R"({"kind":"community_worker","node_id":)" +
                                     Id(At(role, out).community.id) + R"(,"name":")" +
                                     Unique("社工") + R"("})");
  };
  b["GET /api/v1/staff/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/staff/" + Id(At(role, out).staff_id), "", {}};
  };
  b["POST /api/v1/staff/{id}/grids"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    return post("/api/v1/staff/" + Id(StaffAt(p, false)) + "/grids",
                R"({"grid_id":)" + Id(p.grid.id) + "}");
  };
  b["DELETE /api/v1/staff/{id}/grids/{grid_id}"] = [this](size_t role, bool out) {
    const Place& p = At(role, out);
    return Call{
        "DELETE", "/api/v1/staff/" + Id(StaffAt(p, true)) + "/grids/" + Id(p.grid.id), "", {}};
  };
  b["POST /api/v1/accounts"] = [this, post](size_t role, bool out) {
    return post("/api/v1/accounts", R"({"username":")" + Unique("user") +
                                        R"(","display_name":"新","password":"long-enough-1",)"
                                        R"("role":"resident","scope_node_id":)" +
                                        Id(At(role, out).building.id) + "}");
  };
  b["GET /api/v1/accounts"] = list("/api/v1/accounts");
  b["GET /api/v1/accounts/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/accounts/" + Id(FreshAccount(At(role, out))), "", {}};
  };
  b["PATCH /api/v1/accounts/{id}"] = [this](size_t role, bool out) {
    return Call{
        "PATCH", "/api/v1/accounts/" + Id(FreshAccount(At(role, out))), R"({"disabled":true})", {}};
  };
  b["POST /api/v1/accounts/{id}/password-reset"] = [this, post](size_t role, bool out) {
    return post("/api/v1/accounts/" + Id(FreshAccount(At(role, out))) + "/password-reset", "");
  };
  b["GET /api/v1/communities"] = get("/api/v1/communities");
  b["POST /api/v1/registrations/sms-code"] = [this](size_t, bool) {
    Call c{"POST", "/api/v1/registrations/sms-code", R"({"phone":")" + FreshPhone() + R"("})", {}};
    c.via = Call::Via::kNoSession;
    return c;
  };
  b["POST /api/v1/registrations"] = [this](size_t, bool) {
    const std::string phone = FreshPhone();
    domain::RetryAfter retry;
    (void)app_->registrations().RequestCode(phone, retry);
    Call c{"POST",
           "/api/v1/registrations",
           R"({"phone":")" + phone + R"(","code":")" + sms_recorder_.LastCode(phone) +
               R"(","password":"long-enough-1","name":"新居民","community_id":)" +
               Id(home_a_.community.id) + "}",
           {}};
    c.via = Call::Via::kNoSession;
    return c;
  };
  b["GET /api/v1/registrations"] = get("/api/v1/registrations?state=pending");
  b["POST /api/v1/registrations/{account_id}/confirm"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    return post("/api/v1/registrations/" + Id(FreshRegistration(p)) + "/confirm",
                R"({"resident_id":)" + Id(FreshResident(p)) + "}");
  };
  b["POST /api/v1/registrations/{account_id}/decline"] = [this, post](size_t role, bool out) {
    return post("/api/v1/registrations/" + Id(FreshRegistration(At(role, out))) + "/decline",
                R"({"reason":"不在本社区"})");
  };
  // --- imports and exports ---------------------------------------------------------------
  b["POST /api/v1/imports/residents"] = [this, post](size_t role, bool out) {
    return post("/api/v1/imports/residents",
                "name,id_number,building_code,room\n新居民," + FreshIdNumber() + "," +
                    At(role, out).building.code + "," + Unique("8-") + "\n");
  };
  b["POST /api/v1/imports/party-members"] = [this, post](size_t role, bool out) {
    return post("/api/v1/imports/party-members", "name,id_number,party_org_id\n新党员," +
                                                     FreshIdNumber() + "," +
                                                     Id(At(role, out).branch.id) + "\n");
  };
  b["POST /api/v1/imports/units"] = [this, post](size_t role, bool out) {
    return post("/api/v1/imports/units", "name,kind,node_code\n" + Unique("单位") + ",enterprise," +
                                             At(role, out).street.code + "\n");
  };
  b["POST /api/v1/imports/grid-boundaries"] = [this, post](size_t role, bool out) {
    // The grid's own square again (the lookup stays as it was).
    const Place& p = At(role, out);
    core::LonLat c = GridCenter(p.grid_index);
    const double w = c.lon - 0.005, s = c.lat - 0.005, e = w + 0.01, n = s + 0.01;
    return post("/api/v1/imports/grid-boundaries",
                fmt::format(R"({{"type":"FeatureCollection","features":[{{"type":"Feature",)"
                            R"("properties":{{"code":"{}"}},"geometry":{{"type":"Polygon",)"
                            R"("coordinates":[[[{:.4f},{:.4f}],[{:.4f},{:.4f}],[{:.4f},{:.4f}],)"
                            R"([{:.4f},{:.4f}],[{:.4f},{:.4f}]]]}}}}]}})",
                            p.grid.code, w, s, e, s, e, n, w, n, w, s));
  };
  b["GET /api/v1/exports/residents.csv"] = list("/api/v1/exports/residents.csv");
  b["GET /api/v1/exports/party-members.csv"] = list("/api/v1/exports/party-members.csv");
  b["GET /api/v1/exports/units.csv"] = get("/api/v1/exports/units.csv");
  // --- attachments -------------------------------------------------------------------------
  b["POST /api/v1/attachments"] = [this](size_t role, bool out) {
    // Distinct bytes per call: a second upload of the same bytes is not new.
    return Call{
        "POST",
        "/api/v1/attachments",
        media::testing::TestJpeg(32 + static_cast<int>(role), out ? 20 : 18, serial_++ % 200),
        {{"Content-Type", "image/jpeg"}}};
  };
  b["GET /api/v1/attachments/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/attachments/" + Id(At(role, out).attachment_id), "", {}};
  };
  b["GET /api/v1/attachments/{id}/thumbnail"] = [this](size_t role, bool out) {
    return Call{
        "GET", "/api/v1/attachments/" + Id(At(role, out).attachment_id) + "/thumbnail", "", {}};
  };
  b["GET /api/v1/attachments/{id}/meta"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/attachments/" + Id(At(role, out).attachment_id) + "/meta", "", {}};
  };
  // --- webhooks ----------------------------------------------------------------------------------
  b["GET /api/v1/webhooks"] = get("/api/v1/webhooks");
  b["POST /api/v1/webhooks"] = [this, post](size_t role, bool out) {
    return post("/api/v1/webhooks", R"({"url":"http://127.0.0.1:9/)" + Unique("hook") +
                                        R"(","node_id":)" + Id(At(role, out).community.id) + "}");
  };
  b["DELETE /api/v1/webhooks/{id}"] = [this](size_t role, bool out) {
    return Call{"DELETE", "/api/v1/webhooks/" + Id(WebhookAt(At(role, out))), "", {}};
  };
  b["GET /api/v1/webhooks/{id}/deliveries"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/webhooks/" + Id(At(role, out).webhook_id) + "/deliveries", "", {}};
  };
  // --- tickets, the board, categories, the stream, stats ------------------------------------
  b["GET /api/v1/tickets/stream"] = [](size_t, bool) {
    Call c{"GET", "/api/v1/tickets/stream", "", {}};
    c.via = Call::Via::kStream;
    return c;
  };
  b["GET /api/v1/categories"] = get("/api/v1/categories");
  b["POST /api/v1/categories"] = [this, post](size_t, bool) {
    return post("/api/v1/categories",
                R"({"code":")" + Unique("X") + R"(","name":")" + Unique("新类别") +
                    R"(","group":"event","handler":"community","accept_minutes":60,)"
                    R"("respond_minutes":120,"resolve_minutes":1440})");
  };
  b["PATCH /api/v1/categories/{id}"] = [this](size_t, bool) {
    return Call{"PATCH",
                "/api/v1/categories/" + Id(FreshCategory()),
                R"({"name":")" + Unique("改名类别") + R"("})",
                {}};
  };
  b["POST /api/v1/tickets"] = [this, post](size_t role, bool out) {
    return post("/api/v1/tickets", R"({"category_id":)" + Id(CategoryId("E01.01")) +
                                       R"(,"is_public":false,"description":")" +
                                       Unique("井盖松动") + R"(","location":)" +
                                       Loc(GridCenter(At(role, out).grid_index)) + "}");
  };
  b["GET /api/v1/tickets"] = list("/api/v1/tickets");
  b["GET /api/v1/tickets/nearby"] = [this](size_t role, bool out) {
    core::LonLat c = GridCenter(At(role, out).grid_index);
    return Call{"GET",
                fmt::format("/api/v1/tickets/nearby?category_id={}&lon={:.6f}&lat={:.6f}",
                            CategoryId("E01.01"), c.lon, c.lat),
                "",
                {}};
  };
  auto ticket_get = [this](std::string suffix) {
    return [this, suffix](size_t role, bool out) {
      return Call{"GET", "/api/v1/tickets/" + Id(At(role, out).ticket_id) + suffix, "", {}};
    };
  };
  b["GET /api/v1/tickets/{id}"] = ticket_get("");
  b["GET /api/v1/tickets/{id}/events"] = ticket_get("/events");
  b["GET /api/v1/tickets/{id}/escalations"] = ticket_get("/escalations");
  b["GET /api/v1/tickets/{id}/contact"] = ticket_get("/contact");
  b["GET /api/v1/tickets/{id}/assignees"] = ticket_get("/assignees");
  b["POST /api/v1/tickets/{id}/events"] = [this, post](size_t role, bool out) {
    const int64_t id = SubmitTicket(At(role, out)).at("id").as_int64();
    return post("/api/v1/tickets/" + Id(id) + "/events", R"({"type":"accept"})");
  };
  b["POST /api/v1/tickets/{id}/follow"] = [this, post](size_t role, bool out) {
    const int64_t id = SubmitTicket(At(role, out)).at("id").as_int64();
    return post("/api/v1/tickets/" + Id(id) + "/follow", "");
  };
  b["GET /api/v1/board"] = get("/api/v1/board");
  b["GET /api/v1/web-config"] = get("/api/v1/web-config");
  b["GET /api/v1/tickets/counts"] = get("/api/v1/tickets/counts");
  b["GET /api/v1/wishes"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/wishes?community_id=" + Id(At(role, out).community.id), "", {}};
  };
  b["GET /api/v1/org-nodes/{id}/grids.geojson"] = [this](size_t role, bool out) {
    return Call{
        "GET", "/api/v1/org-nodes/" + Id(At(role, out).community.id) + "/grids.geojson", "", {}};
  };
  b["GET /api/v1/stats/rates/trend"] = [this](size_t role, bool out) {
    return Call{
        "GET", "/api/v1/stats/rates/trend?node_id=" + Id(At(role, out).community.id), "", {}};
  };
  b["GET /api/v1/exports/rates.csv"] = [this](size_t role, bool out) {
    return Call{
        "GET", "/api/v1/exports/rates.csv?node_id=" + Id(At(role, out).community.id), "", {}};
  };
  b["GET /api/v1/stats/rates"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/stats/rates?node_id=" + Id(At(role, out).community.id), "", {}};
  };
  b["GET /api/v1/stats/rankings"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/stats/rankings?parent_id=" + Id(At(role, out).street.id), "", {}};
  };
  AddTimeBankBuilders(b);
  AddVisitBuilders(b);
  AddDutyManageBuilders(b);
  // --- compounds and the red, yellow and black lists
  // ----------------------------------------------
  b["GET /api/v1/compounds"] = list("/api/v1/compounds");
  b["GET /api/v1/compounds/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/compounds/" + Id(At(role, out).compound_id), "", {}};
  };
  b["PUT /api/v1/compounds/{id}/governance"] = [this](size_t role, bool out) {
    const Place& p = At(role, out);
    return Call{"PUT",
                "/api/v1/compounds/" + Id(FreshCompound(p, FreshBuilding(p))) + "/governance",
                R"({"committee_name":")" + Unique("业委会") + R"("})",
                {}};
  };
  b["GET /api/v1/compounds/{id}/standings"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/compounds/" + Id(At(role, out).compound_id) + "/standings", "", {}};
  };
  b["PUT /api/v1/buildings/{id}/governance"] = [this](size_t role, bool out) {
    const Place& p = At(role, out);
    return Call{"PUT",
                "/api/v1/buildings/" + Id(FreshBuilding(p)) + "/governance",
                R"({"compound_id":)" + Id(p.compound_id) + "}",
                {}};
  };
  b["GET /api/v1/ranking-periods"] = get("/api/v1/ranking-periods");
  b["POST /api/v1/ranking-periods"] = [this, post](size_t role, bool out) {
    return post("/api/v1/ranking-periods",
                R"({"node_id":)" + Id(At(role, out).community.id) + R"(,"quarter":"2026-Q4"})");
  };
  b["GET /api/v1/ranking-periods/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/ranking-periods/" + Id(At(role, out).period_id), "", {}};
  };
  b["PATCH /api/v1/ranking-periods/{id}"] = [this](size_t role, bool out) {
    Place p = At(role, out);
    return Call{"PATCH",
                "/api/v1/ranking-periods/" + Id(FreshPeriod(p, false)),
                R"({"name":")" + Unique("评比") + R"("})",
                {}};
  };
  b["POST /api/v1/ranking-periods/{id}/state"] = [this, post](size_t role, bool out) {
    Place p = At(role, out);
    return post("/api/v1/ranking-periods/" + Id(FreshPeriod(p, false)) + "/state",
                R"({"state":"scoring"})");
  };
  b["POST /api/v1/ranking-periods/{id}/score-sheets"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    static const char* const kGroups[] = {
        "community",    "community",        "community",        "community",       "grid_workers",
        "grid_workers", "property_company", "owners_committee", "owners_committee"};
    const std::string group = kGroups[role];
    return post("/api/v1/ranking-periods/" + Id(p.period_id) + "/score-sheets",
                R"({"compound_id":)" + Id(p.compound_id) + R"(,"group":")" + group +
                    R"(","scores":)" + p.sheet_scores.at(group) + "}");
  };
  b["GET /api/v1/ranking-periods/{id}/standings"] = [this](size_t role, bool out) {
    return Call{
        "GET", "/api/v1/ranking-periods/" + Id(At(role, out).period_id) + "/standings", "", {}};
  };
  // --- 双报到, teams and activities (docs/duty.md) ---------------------------------------------
  // Targets made through the services as the county admin; member1 (registered with community A)
  // is the member who signs up and checks in.
  auto duty_skill = [this] {
    return Must(app_->duty().CreateSkill(Admin(), Unique("技能")), "skill").id;
  };
  auto duty_request = [this](const Place& p) {
    domain::NewDualRegistration n{FreshMember(p), p.community.id, {}, {}, "自愿报到", "2026-09-20"};
    return Must(app_->duty().Request(Admin(), n), "registration").id;
  };
  auto duty_unit_reg = [this](const Place& p) {
    return Must(app_->duty().RegisterUnit(Admin(), FreshUnit(p, true), p.community.id), "unit reg")
        .id;
  };
  auto duty_activity = [this](const Place& p, int64_t starts_in_ms) {
    domain::NewActivity a;
    a.node_id = p.community.id;
    a.title = Unique("清扫");
    a.category = "环境整治";
    a.place = GridCenter(p.grid_index);
    a.starts_at = app_->clock().NowMs() + starts_in_ms;
    a.ends_at = a.starts_at + core::kMsPerHour;
    a.signup_opens_at = a.starts_at - core::kMsPerDay;
    a.capacity = 10;
    return Must(app_->activities().Create(Admin(), a), "activity").id;
  };
  auto member1 = [this] { return Must(app_->CallerFor("member1"), "member1"); };
  auto json_body = [](std::string_view fields) { return "{" + std::string(fields) + "}"; };
  b["GET /api/v1/duty/skills"] = get("/api/v1/duty/skills");
  b["POST /api/v1/duty/skills"] = [this, post](size_t, bool) {
    return post("/api/v1/duty/skills", R"({"name":")" + Unique("技能") + R"("})");
  };
  b["GET /api/v1/duty/registrations"] = list("/api/v1/duty/registrations");
  b["POST /api/v1/duty/registrations"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    return post("/api/v1/duty/registrations",
                R"({"member_id":)" + Id(FreshMember(p)) + R"(,"community_id":)" +
                    Id(p.community.id) +
                    R"(,"commitment_text":"自愿报到","commitment_date":"2026-09-20"})");
  };
  b["POST /api/v1/duty/registrations/{id}/confirm"] = [this, post, duty_request](size_t role,
                                                                                 bool out) {
    return post("/api/v1/duty/registrations/" + Id(duty_request(At(role, out))) + "/confirm", "{}");
  };
  b["POST /api/v1/duty/registrations/{id}/decline"] = [this, post, duty_request](size_t role,
                                                                                 bool out) {
    return post("/api/v1/duty/registrations/" + Id(duty_request(At(role, out))) + "/decline",
                R"({"reason":"不在本社区居住"})");
  };
  b["GET /api/v1/duty/members/{id}/profile"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/duty/members/" + Id(At(role, out).member.id) + "/profile", "", {}};
  };
  b["PUT /api/v1/duty/members/{id}/profile"] = [this](size_t role, bool out) {
    return Call{"PUT",
                "/api/v1/duty/members/" + Id(At(role, out).member.id) + "/profile",
                R"({"skill_ids":[],"availability":[{"weekday":6,"start":"06:30","end":"08:00"}]})",
                {}};
  };
  b["GET /api/v1/duty/unit-registrations"] = get("/api/v1/duty/unit-registrations");
  b["POST /api/v1/duty/unit-registrations"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    // unit1's own unit for unit1 (paired with A); a fresh paired unit for the others.
    int64_t unit = Usernames()[role] == "unit1" && !out ? w_.unit.id : FreshUnit(p, true);
    return post("/api/v1/duty/unit-registrations",
                R"({"unit_id":)" + Id(unit) + R"(,"community_id":)" + Id(p.community.id) + "}");
  };
  b["POST /api/v1/duty/unit-registrations/{id}/posts"] = [this, post, duty_unit_reg, duty_skill](
                                                             size_t role, bool out) {
    return post("/api/v1/duty/unit-registrations/" + Id(duty_unit_reg(At(role, out))) + "/posts",
                R"({"title":"楼道维修","skill_id":)" + Id(duty_skill()) + R"(,"headcount":2})");
  };
  b["POST /api/v1/duty/posts/{id}/members"] = [this, post, duty_unit_reg, duty_skill](size_t role,
                                                                                      bool out) {
    const Place& p = At(role, out);
    domain::NewPost n{duty_unit_reg(p), "楼道维修", duty_skill(), 2};
    int64_t post_id = Must(app_->duty().CreatePost(Admin(), n), "post").id;
    return post("/api/v1/duty/posts/" + Id(post_id) + "/members",
                R"({"member_id":)" + Id(p.member.id) + "}");
  };
  b["POST /api/v1/duty/branches/{id}/members"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    domain::NewPartyOrg org{p.community.id, std::nullopt, domain::PartyOrgKind::kFunctionalBranch,
                            Unique("功能型党支部")};
    int64_t branch = Must(app_->party().CreateOrg(Admin(), org), "functional branch").id;
    int64_t member = FreshMember(p);
    Must(app_->duty().RegisterByStaff(Admin(), member, p.community.id), "registered");
    return post("/api/v1/duty/branches/" + Id(branch) + "/members",
                R"({"member_id":)" + Id(member) + "}");
  };
  b["GET /api/v1/duty/coverage/communities"] = list("/api/v1/duty/coverage/communities");
  b["GET /api/v1/duty/coverage/units"] = get("/api/v1/duty/coverage/units");
  b["GET /api/v1/duty/teams"] = list("/api/v1/duty/teams");
  b["POST /api/v1/duty/teams"] = [this, post](size_t role, bool out) {
    return post("/api/v1/duty/teams", R"({"community_id":)" + Id(At(role, out).community.id) +
                                          R"(,"name":")" + Unique("志愿服务队") + R"("})");
  };
  b["POST /api/v1/duty/teams/{id}/members"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    int64_t team =
        Must(app_->activities().CreateTeam(Admin(), {p.community.id, Unique("服务队")}), "team").id;
    return post("/api/v1/duty/teams/" + Id(team) + "/members",
                R"({"member_id":)" + Id(FreshMember(p)) + R"(,"leader":true})");
  };
  b["GET /api/v1/duty/activities"] = list("/api/v1/duty/activities");
  auto activity_body = [this, json_body](const Place& p) {
    core::LonLat c = GridCenter(p.grid_index);
    int64_t starts = app_->clock().NowMs() + core::kMsPerDay;
    return json_body(R"("node_id":)" + Id(p.community.id) + R"(,"title":")" + Unique("清扫") +
                     R"(","category":"环境整治","capacity":5,"place":)" + Loc(c) +
                     R"(,"starts_at":")" + core::FormatUtc(starts) + R"(","ends_at":")" +
                     core::FormatUtc(starts + core::kMsPerHour) + R"(")");
  };
  b["POST /api/v1/duty/activities"] = [this, post, activity_body](size_t role, bool out) {
    return post("/api/v1/duty/activities", activity_body(At(role, out)));
  };
  b["POST /api/v1/duty/activity-series"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    return post("/api/v1/duty/activity-series",
                R"({"node_id":)" + Id(p.community.id) + R"(,"title":")" + Unique("周六清扫") +
                    R"(","category":"环境整治","capacity":30,"place":)" +
                    Loc(GridCenter(p.grid_index)) +
                    R"(,"rule":{"kind":"weekly","weekday":6,"time":"06:30","duration_minutes":90,)"
                    R"("first_date":"2026-01-01"}})");
  };
  b["GET /api/v1/duty/activities/{id}"] = [this, duty_activity](size_t role, bool out) {
    return Call{"GET",
                "/api/v1/duty/activities/" + Id(duty_activity(At(role, out), core::kMsPerDay)),
                "",
                {}};
  };
  b["POST /api/v1/duty/activities/{id}/signup"] = [this, post, duty_activity](size_t role,
                                                                              bool out) {
    return post(
        "/api/v1/duty/activities/" + Id(duty_activity(At(role, out), core::kMsPerDay)) + "/signup",
        "");
  };
  b["DELETE /api/v1/duty/activities/{id}/signup"] = [this, duty_activity, member1](size_t role,
                                                                                   bool out) {
    int64_t id = duty_activity(At(role, out), core::kMsPerDay);
    if (!out && Usernames()[role] != "grid2") {
      Must(app_->activities().SignUp(member1(), id), "signed up");  // member1 lives in A
    }
    return Call{"DELETE", "/api/v1/duty/activities/" + Id(id) + "/signup", "", {}};
  };
  b["GET /api/v1/duty/activities/{id}/signups"] = [this, duty_activity](size_t role, bool out) {
    return Call{
        "GET",
        "/api/v1/duty/activities/" + Id(duty_activity(At(role, out), core::kMsPerDay)) + "/signups",
        "",
        {}};
  };
  b["GET /api/v1/duty/activities/{id}/code"] = [this, duty_activity](size_t role, bool out) {
    return Call{"GET",
                "/api/v1/duty/activities/" + Id(duty_activity(At(role, out), core::kMsPerDay)) +
                    "/code?kind=in",
                "",
                {}};
  };
  b["POST /api/v1/duty/activities/{id}/check"] = [this, post, duty_activity, member1](size_t role,
                                                                                      bool out) {
    int64_t id = duty_activity(At(role, out), 10 * core::kMsPerMinute);
    if (!out && Usernames()[role] != "grid2") {
      Must(app_->activities().SignUp(member1(), id), "signed up");  // member1 lives in A
    }
    auto code = Must(app_->activities().IssueCode(Admin(), id, domain::CodeKind::kCheckIn), "code");
    return post("/api/v1/duty/activities/" + Id(id) + "/check",
                R"({"kind":"in","code":")" + code.code + R"("})");
  };
  b["POST /api/v1/duty/activities/{id}/no-shows"] = [this, post, duty_activity](size_t role,
                                                                                bool out) {
    return post("/api/v1/duty/activities/" +
                    Id(duty_activity(At(role, out), -2 * core::kMsPerHour)) + "/no-shows",
                "");
  };
  b["GET /api/v1/duty/signups"] = get("/api/v1/duty/signups");
  b["POST /api/v1/duty/signups/{id}/approve"] = [this, post, duty_activity, member1](size_t role,
                                                                                     bool out) {
    const Place& p = out ? away_ : home_a_;  // member1's own sign-up, in A or (by the admin) in C
    (void)role;
    int64_t id = duty_activity(p, 10 * core::kMsPerMinute);
    domain::Caller who = member1();
    if (out) {
      who = Must(app_->CallerFor("member2"), "member2");
    }
    Must(app_->activities().SignUp(who, id), "signed up");
    auto code = Must(app_->activities().IssueCode(Admin(), id, domain::CodeKind::kCheckIn), "code");
    int64_t signup =
        Must(app_->activities().Check(who, id, domain::CodeKind::kCheckIn, code.code, {}), "in").id;
    return post("/api/v1/duty/signups/" + Id(signup) + "/approve", R"({"minutes":30})");
  };
  // --- care (云监护) ------------------------------------------------------------------------
  b["GET /api/v1/care/subjects"] = list("/api/v1/care/subjects");
  b["POST /api/v1/care/subjects"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    int64_t resident =
        Must(app_->residents().Create(Admin(),
                                      domain::NewResident{p.building.id, Unique("9-"), "独居老人",
                                                          FreshIdNumber(), std::nullopt, 1}),
             "care resident")
            .id;
    return post(
        "/api/v1/care/subjects",
        R"({"resident_id":)" + Id(resident) +
            R"(,"consent_by":"本人","consent_method":"verbal","meters":[{"kind":"water","external_id":")" +
            Unique("W") + R"("}]})");
  };
  b["GET /api/v1/care/subjects/{id}"] = [this](size_t role, bool out) {
    return Call{"GET", "/api/v1/care/subjects/" + Id(FreshCareSubject(At(role, out)).id), "", {}};
  };
  b["PATCH /api/v1/care/subjects/{id}"] = [this](size_t role, bool out) {
    return Call{"PATCH",
                "/api/v1/care/subjects/" + Id(FreshCareSubject(At(role, out)).id),
                R"({"silence_hours":10})",
                {}};
  };
  b["PUT /api/v1/care/subjects/{id}/absence"] = [this](size_t role, bool out) {
    return Call{"PUT",
                "/api/v1/care/subjects/" + Id(FreshCareSubject(At(role, out)).id) + "/absence",
                R"({"from":"2026-12-01","until":"2026-12-03"})",
                {}};
  };
  b["POST /api/v1/care/subjects/{id}/meters"] = [this, post](size_t role, bool out) {
    return post("/api/v1/care/subjects/" + Id(FreshCareSubject(At(role, out)).id) + "/meters",
                R"({"kind":"gas","external_id":")" + Unique("G") + R"("})");
  };
  b["POST /api/v1/care/readings"] = [this, post](size_t role, bool out) {
    CareTarget t = FreshCareSubject(At(role, out));
    return post("/api/v1/care/readings", R"({"readings":[{"meter":")" + t.meter + R"(","at":")" +
                                             core::FormatUtc(app_->clock().NowMs() - 60'000) +
                                             R"(","value":1.5}]})");
  };
  b["GET /api/v1/care/alerts"] = list("/api/v1/care/alerts");
  b["GET /api/v1/care/map"] = list("/api/v1/care/map");
  b["POST /api/v1/care/alerts/{id}/acknowledge"] = [this, post](size_t role, bool out) {
    return post("/api/v1/care/alerts/" + Id(FreshCareAlert(At(role, out))) + "/acknowledge", "");
  };
  // --- party life -----------------------------------------------------------------------------
  b["GET /api/v1/party-life/meetings"] = list("/api/v1/party-life/meetings");
  b["POST /api/v1/party-life/meetings"] = [this, post](size_t role, bool out) {
    const Place& p = At(role, out);
    return post("/api/v1/party-life/meetings",
                R"({"party_org_id":)" + Id(p.branch.id) + R"(,"kind":"theme_day","held_on":")" +
                    Today() + R"(","title":"主题党日","attendee_ids":[)" + Id(p.member.id) + "]}");
  };
  b["GET /api/v1/party-life/meetings/{id}"] = [this](size_t role, bool out) {
    return Call{
        "GET", "/api/v1/party-life/meetings/" + Id(FreshPartyMeeting(At(role, out))), "", {}};
  };
  b["GET /api/v1/party-life/cadence"] = list("/api/v1/party-life/cadence");
  b["GET /api/v1/party-life/rules"] = list("/api/v1/party-life/rules", "node_id");
  b["PUT /api/v1/party-life/rules"] = [this](size_t role, bool out) {
    return Call{"PUT",
                "/api/v1/party-life/rules",
                R"({"node_id":)" + Id(At(role, out).community.id) + R"(,"absence_red":)" +
                    std::to_string(7 + serial_++ % 10) + "}",
                {}};
  };
  b["POST /api/v1/party-life/evaluate"] = [this, post](size_t role, bool out) {
    return post("/api/v1/party-life/evaluate", R"({"within":)" + Id(At(role, out).grid.id) + "}");
  };
  b["GET /api/v1/party-life/warnings"] = list("/api/v1/party-life/warnings");
  b["POST /api/v1/party-life/warnings/{id}/acknowledge"] = [this, post](size_t role, bool out) {
    return post(
        "/api/v1/party-life/warnings/" + Id(FreshWarnedMember(At(role, out))) + "/acknowledge",
        "{}");
  };
  b["GET /api/v1/party-life/my-warning"] = get("/api/v1/party-life/my-warning");
  b["POST /api/v1/party-life/members/{id}/dues"] = [this, post](size_t role, bool out) {
    return post("/api/v1/party-life/members/" + Id(FreshMember(At(role, out))) + "/dues",
                R"({"month":"2026-01","amount_cents":300})");
  };
  b["PUT /api/v1/party-life/members/{id}/category"] = [this](size_t role, bool out) {
    return Call{"PUT",
                "/api/v1/party-life/members/" + Id(FreshMember(At(role, out))) + "/category",
                R"({"category":"mobile"})",
                {}};
  };
  // --- the 15-minute circle and community funds (docs/coverage.md) ----------------------------
  b["GET /api/v1/coverage"] = list("/api/v1/coverage");
  b["GET /api/v1/coverage/outside"] = list("/api/v1/coverage/outside");
  b["GET /api/v1/funds"] = [this](size_t, bool out) {
    std::string target = "/api/v1/funds?year=2026";
    if (out) target += "&within=" + Id(away_.community.id);
    return Call{"GET", target, "", {}};
  };
  b["POST /api/v1/funds/allocations"] = [this, post](size_t role, bool out) {
    return post("/api/v1/funds/allocations",
                R"({"community_id":)" + Id(At(role, out).community.id) +
                    R"(,"fund":"work","year":2026,"amount_fen":5000})");
  };
  b["POST /api/v1/funds/default-allocations"] = [this, post](size_t role, bool out) {
    static int year = 2040;  // a year of its own per call, so every accepted call allocates
    (void)role;
    std::string body = R"({"year":)" + std::to_string(++year);
    if (out) body += R"(,"within":)" + Id(away_.community.id);
    return post("/api/v1/funds/default-allocations", body + "}");
  };
  // Spendings fall in this year (spent_on defaults to today); the account is funded first.
  auto this_year = [this] { return core::ShanghaiDate(app_->clock().NowMs()).year; };
  auto funded = [this, this_year](const Place& p) {
    Must(app_->funds().Allocate(
             Admin(), domain::NewAllocation{p.community.id, "work", this_year(), 100'000, "", ""}),
         "allocation");
  };
  b["POST /api/v1/funds/spendings"] = [this, post, funded, this_year](size_t role, bool out) {
    const Place& p = At(role, out);
    funded(p);
    return post("/api/v1/funds/spendings",
                R"({"community_id":)" + Id(p.community.id) + R"(,"fund":"work","year":)" +
                    std::to_string(this_year()) +
                    R"(,"amount_fen":300,"category":"activities","memo":"茶歇"})");
  };
  b["POST /api/v1/funds/entries/{id}/reversal"] = [this, post, funded, this_year](size_t role,
                                                                                  bool out) {
    const Place& p = At(role, out);
    funded(p);
    domain::NewSpending s{p.community.id, "work",   this_year(),  300,
                          "office",       "打印纸", std::nullopt, ""};
    int64_t id = Must(app_->funds().Spend(Admin(), s), "spending").id;
    return post("/api/v1/funds/entries/" + Id(id) + "/reversal", R"({"memo":"录错"})");
  };
  b["GET /api/v1/funds/statement"] = [this](size_t role, bool out) {
    return Call{"GET",
                "/api/v1/funds/statement?fund=work&year=2026&community_id=" +
                    Id(At(role, out).community.id),
                "",
                {}};
  };
  b["POST /api/v1/care/alerts/{id}/close"] = [this, post](size_t role, bool out) {
    return post("/api/v1/care/alerts/" + Id(FreshCareAlert(At(role, out))) + "/close", "");
  };
  // --- deliberation meetings (议事协商) ------------------------------------------------------
  const std::string meetings = "/api/v1/deliberation/meetings/";
  b["GET /api/v1/deliberation/meetings"] = list("/api/v1/deliberation/meetings", "community_id");
  b["POST /api/v1/deliberation/meetings"] = [this, post](size_t role, bool out) {
    return post("/api/v1/deliberation/meetings",
                R"({"community_id":)" + Id(At(role, out).community.id) + R"(,"title":")" +
                    Unique("联席会") + R"(","starts_at":"2027-01-04T09:00:00+08:00"})");
  };
  b["POST /api/v1/deliberation/series"] = [this, post](size_t role, bool out) {
    return post("/api/v1/deliberation/series",
                R"({"community_id":)" + Id(At(role, out).community.id) + R"(,"title":")" +
                    Unique("逢四说事") +
                    R"(","rule":{"kind":"days_of_month","days":[4,14,24],"time":"09:00"},)"
                    R"("first_date":"2027-01-01","last_date":"2027-01-31"})");
  };
  b["GET /api/v1/deliberation/meetings/{id}"] = [this, meetings](size_t role, bool out) {
    return Call{"GET", meetings + Id(FreshMeeting(At(role, out))), "", {}};
  };
  b["POST /api/v1/deliberation/meetings/{id}/registrations"] = [this, post, meetings](size_t role,
                                                                                      bool out) {
    return post(meetings + Id(FreshMeeting(At(role, out))) + "/registrations", "");
  };
  b["GET /api/v1/deliberation/meetings/{id}/code"] = [this, meetings](size_t role, bool out) {
    return Call{"GET", meetings + Id(FreshMeeting(At(role, out))) + "/code", "", {}};
  };
  b["POST /api/v1/deliberation/meetings/{id}/check"] = [this, post, meetings](size_t role,
                                                                              bool out) {
    int64_t id = FreshMeeting(At(role, out), 10 * core::kMsPerMinute);
    auto code = Must(app_->deliberation().IssueCode(Admin(), id), "meeting code");
    return post(meetings + Id(id) + "/check", R"({"code":")" + code.code + R"("})");
  };
  b["POST /api/v1/deliberation/meetings/{id}/agenda"] = [this, post, meetings](size_t role,
                                                                               bool out) {
    return post(meetings + Id(FreshMeeting(At(role, out))) + "/agenda",
                R"({"title":")" + Unique("议题") + R"("})");
  };
  b["PUT /api/v1/deliberation/meetings/{id}/minutes"] = [this, meetings](size_t role, bool out) {
    return Call{"PUT",
                meetings + Id(FreshMeeting(At(role, out), -2 * core::kMsPerHour)) + "/minutes",
                R"({"minutes":"议定事项"})",
                {}};
  };
  b["POST /api/v1/deliberation/meetings/{id}/decisions"] = [this, post, meetings](size_t role,
                                                                                  bool out) {
    return post(meetings + Id(FreshMeeting(At(role, out))) + "/decisions",
                R"({"title":")" + Unique("决定") +
                    R"(","owner":"王经理","due_date":"2027-01-31","weight":2})");
  };
  b["GET /api/v1/deliberation/decisions/{id}"] = [this](size_t role, bool out) {
    return Call{
        "GET", "/api/v1/deliberation/decisions/" + Id(FreshDecision(At(role, out))), "", {}};
  };
  b["GET /api/v1/deliberation/proposals"] = list("/api/v1/deliberation/proposals", "community_id");
  b["POST /api/v1/deliberation/proposals"] = [this, post](size_t, bool) {
    return post("/api/v1/deliberation/proposals", R"({"title":")" + Unique("提议") + R"("})");
  };
  b["GET /api/v1/deliberation/reminders"] = [](size_t, bool) {
    return Call{"GET", "/api/v1/deliberation/reminders", "", {}};
  };
  b["POST /api/v1/deliberation/meetings/{id}/cancel"] = [this, post, meetings](size_t role,
                                                                               bool out) {
    return post(meetings + Id(FreshMeeting(At(role, out))) + "/cancel", R"({"reason":"改期"})");
  };
  b["GET /api/v1/deliberation/meetings/{id}/registrations"] = [this, meetings](size_t role,
                                                                               bool out) {
    return Call{"GET", meetings + Id(FreshMeeting(At(role, out))) + "/registrations", "", {}};
  };
  b["POST /api/v1/deliberation/meetings/{id}/registrations/{registration_id}/decline"] =
      [this, post, meetings](size_t role, bool out) {
        const int64_t id = FreshMeeting(At(role, out));
        auto reg = Must(app_->deliberation().Register(Admin(), id), "registration");
        return post(meetings + Id(id) + "/registrations/" + Id(reg.id) + "/decline",
                    R"({"reason":"名额已满"})");
      };
  b["GET /api/v1/notices"] = [](size_t, bool) { return Call{"GET", "/api/v1/notices", "", {}}; };
  return b;
}

// --- visits (民情台账) -------------------------------------------------------------------------
void AccessMatrixTest::AddVisitBuilders(std::map<std::string, Build>& b) {
  auto within = [this](std::string path) {
    return [this, path](size_t role, bool out) {
      return Call{"GET", path + "?within=" + Id(At(role, out).grid.id), "", {}};
    };
  };
  // A visit at the place's household, recorded by the county admin.
  auto fresh_visit = [this](const Place& p) {
    domain::NewVisit v;
    v.household_id = p.resident.household_id.value_or(0);
    v.note = "家中无人照看";
    return Must(app_->visits().Record(Admin(), v), "visit").id;
  };
  b["GET /api/v1/visits"] = within("/api/v1/visits");
  b["POST /api/v1/visits"] = [this](size_t role, bool out) {
    const Place& p = At(role, out);
    return Call{"POST",
                "/api/v1/visits",
                R"({"household_id":)" + Id(p.resident.household_id.value_or(0)) +
                    R"(,"needs":["care"],"flags":["elder_alone"]})",
                {}};
  };
  b["GET /api/v1/visits/plan"] = within("/api/v1/visits/plan");
  b["GET /api/v1/visits/coverage"] = within("/api/v1/visits/coverage");
  b["GET /api/v1/visits/households"] = within("/api/v1/visits/households");
  b["GET /api/v1/visits/{id}"] = [this, fresh_visit](size_t role, bool out) {
    return Call{"GET", "/api/v1/visits/" + Id(fresh_visit(At(role, out))), "", {}};
  };
  b["GET /api/v1/visits/{id}/note"] = [this, fresh_visit](size_t role, bool out) {
    return Call{"GET", "/api/v1/visits/" + Id(fresh_visit(At(role, out))) + "/note", "", {}};
  };
  b["GET /api/v1/visit-campaigns"] = [](size_t, bool) {
    return Call{"GET", "/api/v1/visit-campaigns", "", {}};
  };
  // The caller assigns the place's household to themselves.
  b["POST /api/v1/visit-campaigns"] = [this](size_t role, bool out) {
    const Place& p = At(role, out);
    const int64_t me = Must(app_->CallerFor(Usernames()[role]), "caller").account_id;
    return Call{
        "POST",
        "/api/v1/visit-campaigns",
        R"({"name":")" + Unique("千户访") + R"(","node_id":)" + Id(p.community.id) +
            R"(,"starts_on":"2026-12-01","ends_on":"2026-12-31","assignments":[{"visitor_account_id":)" +
            Id(me) + R"(,"household_ids":[)" + Id(p.resident.household_id.value_or(0)) + "]}]}",
        {}};
  };
}

// --- the time bank -------------------------------------------------------------------------
void AccessMatrixTest::AddTimeBankBuilders(std::map<std::string, Build>& b) {
  auto get = [](std::string target) {
    return [target](size_t, bool) { return Call{"GET", target, "", {}}; };
  };
  b["GET /api/v1/timebank/me"] = get("/api/v1/timebank/me");
  b["GET /api/v1/timebank/me/statement"] = get("/api/v1/timebank/me/statement");
  b["GET /api/v1/timebank/redemptions"] = get("/api/v1/timebank/redemptions");
  b["GET /api/v1/timebank/statements"] = [this](size_t role, bool out) {
    return Call{
        "GET",
        "/api/v1/timebank/statements?holder_kind=member&holder_id=" + Id(At(role, out).member.id),
        "",
        {}};
  };
  b["POST /api/v1/timebank/postings/{id}/reversal"] = [this](size_t role, bool out) {
    return Call{"POST",
                "/api/v1/timebank/postings/" + Id(CreditHours(At(role, out))) + "/reversal",
                R"({"memo":"误记"})",
                {}};
  };
  b["GET /api/v1/timebank/rewards"] = [this](size_t, bool out) {
    std::string target = "/api/v1/timebank/rewards";
    if (out) target += "?node_id=" + Id(away_.community.id);
    return Call{"GET", target, "", {}};
  };
  b["POST /api/v1/timebank/rewards"] = [this](size_t role, bool out) {
    return Call{"POST",
                "/api/v1/timebank/rewards",
                R"({"node_id":)" + Id(At(role, out).community.id) + R"(,"name":")" +
                    Unique("毛巾") + R"(","cost":5,"stock":3})",
                {}};
  };
  b["PATCH /api/v1/timebank/rewards/{id}"] = [this](size_t role, bool out) {
    return Call{"PATCH",
                "/api/v1/timebank/rewards/" + Id(FreshReward(At(role, out))),
                R"({"stock":9})",
                {}};
  };
  // Staff redeem at the counter for the place's member; people for themselves.
  b["POST /api/v1/timebank/redemptions"] = [this](size_t role, bool out) {
    const Place& p = At(role, out);
    int64_t reward = FreshReward(p);
    CreditHours(p);  // the member's balance (member1's own at home)
    std::string body = R"({"reward_id":)" + Id(reward);
    const std::string& user = Usernames()[role];
    if (user != "member1" && user != "resident1") {
      body += R"(,"holder_kind":"member","holder_id":)" + Id(p.member.id);
    }
    return Call{"POST", "/api/v1/timebank/redemptions", body + "}", {}};
  };
  b["POST /api/v1/timebank/redemptions/{id}/hand-over"] = [this](size_t role, bool out) {
    return Call{"POST",
                "/api/v1/timebank/redemptions/" + Id(FreshRedemption(At(role, out))) + "/hand-over",
                "",
                {}};
  };
  b["POST /api/v1/timebank/redemptions/{id}/cancel"] = [this](size_t role, bool out) {
    return Call{"POST",
                "/api/v1/timebank/redemptions/" + Id(FreshRedemption(At(role, out))) + "/cancel",
                "",
                {}};
  };
  b["GET /api/v1/timebank/rankings"] = [this](size_t role, bool out) {
    return Call{
        "GET", "/api/v1/timebank/rankings?node_id=" + Id(At(role, out).community.id), "", {}};
  };
  b["GET /api/v1/exports/timebank-rankings.csv"] = [this](size_t role, bool out) {
    return Call{"GET",
                "/api/v1/exports/timebank-rankings.csv?node_id=" + Id(At(role, out).community.id),
                "",
                {}};
  };
  b["GET /api/v1/exports/timebank-rankings.xlsx"] = [this](size_t role, bool out) {
    return Call{"GET",
                "/api/v1/exports/timebank-rankings.xlsx?node_id=" + Id(At(role, out).community.id),
                "",
                {}};
  };
}

TEST_P(AccessMatrixTest, EveryRouteHasARowAndEveryRowARoute) {
  std::set<std::string> served;
  for (const http::RouteInfo& r : router_.Routes()) {
    if (r.pattern.rfind("/open311/", 0) == 0) continue;  // Open311OnlyAnswersItsKeys
    served.insert(r.method + " " + r.pattern);
  }
  std::set<std::string> rows;
  for (const Row& row : kTable) {
    EXPECT_TRUE(rows.insert(row.route).second) << "two rows for " << row.route;
  }
  const auto builders = Builders();
  for (const std::string& route : served) {
    EXPECT_TRUE(rows.count(route)) << "route without a row in kTable: " << route;
    EXPECT_TRUE(builders.count(route)) << "route without a request in Builders(): " << route;
  }
  for (const std::string& route : rows) {
    EXPECT_TRUE(served.count(route)) << "row for a route the router does not serve: " << route;
  }
}

TEST_P(AccessMatrixTest, EveryRouteEveryRoleInsideAndOutsideScope) {
  const auto builders = Builders();
  std::map<std::string, const Row*> rows;
  for (const Row& row : kTable) rows[row.route] = &row;
  std::string corrected;  // the rows as observed, for every row that failed
  for (const http::RouteInfo& info : router_.Routes()) {
    const std::string route = info.method + " " + info.pattern;
    if (info.pattern.rfind("/open311/", 0) == 0) continue;
    auto b = builders.find(route);
    if (b == builders.end()) continue;  // EveryRouteHasARowAndEveryRowARoute says so
    const Row* row = rows.count(route) ? rows[route] : nullptr;
    std::vector<unsigned> in, out;
    if (row != nullptr) {
      in = Statuses(row->in);
      out = std::string(row->out) == "=" ? in : Statuses(row->out);
    }
    const bool scoped = row == nullptr || std::string(row->out) != "=";
    std::vector<unsigned> seen_in, seen_out;
    unsigned seen_anonymous = Send(b->second(0, false), 0, true);
    bool ok = row != nullptr && in.size() == Usernames().size() &&
              out.size() == Usernames().size() && seen_anonymous == row->anonymous;
    for (bool outside : {false, true}) {
      if (outside && !scoped) break;
      for (size_t role = 0; role < Usernames().size(); ++role) {
        const std::string& user = Usernames()[role];
        Call call = b->second(role, outside);
        std::map<std::string, std::string> before;
        if (IsWrite(call.method)) before = Snapshot();
        unsigned status = Send(call, role, false);
        if (call.after) call.after();
        (outside ? seen_out : seen_in).push_back(status);
        const std::vector<unsigned>& expected = outside ? out : in;
        if (role < expected.size()) {
          EXPECT_EQ(status, expected[role])
              << route << " as " << user << (outside ? " outside" : " inside")
              << " scope: " << call.method << " " << call.target;
          ok = ok && status == expected[role];
        }
        if (IsWrite(call.method) && call.via == Call::Via::kSession) {
          std::string changed = Changed(before, Snapshot());
          if (status >= 400) {
            EXPECT_EQ(changed, "") << route << " as " << user << " was refused (" << status
                                   << ") but changed the database";
          } else {
            EXPECT_NE(changed, "")
                << route << " as " << user << " answered " << status << " but changed nothing";
          }
        }
      }
    }
    if (!scoped) seen_out = seen_in;
    if (!ok) {
      auto text = [](const std::vector<unsigned>& v) {
        std::string s;
        for (unsigned x : v) s += (s.empty() ? "" : " ") + std::to_string(x);
        return s;
      };
      corrected += fmt::format("  {{\"{}\", {}, \"{}\", \"{}\"}},\n", route, seen_anonymous,
                               text(seen_in), scoped ? text(seen_out) : "=");
    }
  }
  EXPECT_EQ(corrected, "") << "rows as observed (check each against the access model before "
                              "copying it into kTable):\n"
                           << corrected;
}

std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

TEST_P(AccessMatrixTest, Open311AnswersByItsKeysInsideAndOutside) {
  domain::Open311Directory directory(app_->db(), app_->clock(), app_->accounts(), app_->audit(),
                                     app_->tickets());
  const std::string key =
      Must(directory.CreateKey(nullptr, {"matrix", w_.county.id, std::nullopt}), "key").plain_key;
  // A public ticket with a photo in grid A1.
  auto up = As("resident1")
                .Send("POST", "/api/v1/attachments", media::testing::TestJpeg(40, 30, 90),
                      {{"Content-Type", "image/jpeg"}});
  ASSERT_EQ(up.status, 201u) << up.body;
  const int64_t photo = up.Json().at("id").as_int64();
  auto filed = As("resident1")
                   .Send("POST", "/api/v1/tickets",
                         R"({"category_id":)" + Id(CategoryId("E01.01")) +
                             R"(,"is_public":true,"description":"路灯不亮","location":)" +
                             Loc(GridCenter(0)) + R"(,"attachment_ids":[)" + Id(photo) + "]}");
  ASSERT_EQ(filed.status, 201u) << filed.body;
  const std::string public_number(filed.Json().at("number").as_string());
  const std::string keys[] = {"", "not-a-key", key};
  using Form = std::vector<std::pair<std::string, std::string>>;
  auto form = [](const Form& fields) {
    std::string body;
    for (const auto& [k, v] : fields) {
      body += (body.empty() ? "" : "&") + FormEncode(k) + "=" + FormEncode(v);
    }
    return body;
  };
  // The request for a route, with api_key `k` (none when empty), in or out.
  auto build = [&](const http::RouteInfo& info, const std::string& k, bool out) -> Call {
    std::string path = info.pattern;
    auto fill = [&](const std::string& param, const std::string& value) {
      size_t at = path.find("{" + param + "}");
      if (at != std::string::npos) path.replace(at, param.size() + 2, value);
    };
    const std::string number = out ? away_.ticket_number : public_number;
    fill("service_code_format", "E01.01.json");
    fill("service_request_id_format", number + ".json");
    fill("token_format", number + ".json");
    fill("id", Id(out ? away_.attachment_id : photo));
    Form fields;
    if (!k.empty()) fields.emplace_back("api_key", k);
    if (info.method == "GET") {
      std::string query = form(fields);
      return Call{"GET", path + (query.empty() ? "" : "?" + query), "", {}};
    }
    fields.emplace_back("jurisdiction_id", "131022");
    if (path.find("servicerequestupdates") != std::string::npos) {
      fields.insert(fields.end(), {{"service_request_id", number},
                                   {"update_id", Unique("fms-")},
                                   {"status", "OPEN"},
                                   {"description", "还没修好"},
                                   {"updated_datetime", core::FormatUtc(app_->clock().NowMs())},
                                   {"email", "li@example.com"}});
    } else {
      core::LonLat at = GridCenter(out ? 3 : 0);
      fields.insert(fields.end(), {{"service_code", "E01.01"},
                                   {"lat", fmt::format("{:.6f}", at.lat)},
                                   {"long", fmt::format("{:.6f}", at.lon)},
                                   {"description", Unique("垃圾堆积")},
                                   {"email", "zhang@example.com"}});
    }
    return Call{info.method,
                path,
                form(fields),
                {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}};
  };
  std::map<std::string, const Row*> rows;
  for (const Row& row : kOpen311Table) rows[row.route] = &row;
  std::set<std::string> served;
  std::string corrected;
  for (const http::RouteInfo& info : router_.Routes()) {
    if (info.pattern.rfind("/open311/", 0) != 0) continue;
    const std::string route = info.method + " " + info.pattern;
    served.insert(route);
    const Row* row = rows.count(route) ? rows[route] : nullptr;
    EXPECT_NE(row, nullptr) << "Open311 route without a row in kOpen311Table: " << route;
    std::vector<unsigned> seen[2];
    bool ok = row != nullptr;
    for (bool out : {false, true}) {
      std::vector<unsigned> expected;
      if (row != nullptr) expected = Statuses(out ? row->out : row->in);
      for (size_t k = 0; k < 3; ++k) {
        Call call = build(info, keys[k], out);
        std::map<std::string, std::string> before;
        if (IsWrite(call.method)) before = Snapshot();
        unsigned status =
            Anonymous()->Send(call.method, call.target, call.body, call.headers).status;
        seen[out].push_back(status);
        if (k < expected.size()) {
          EXPECT_EQ(status, expected[k]) << route << " with key #" << k << (out ? " out" : " in");
        }
        ok = ok && expected.size() == 3 && status == expected[k];
        if (IsWrite(call.method) && status >= 400) {
          EXPECT_EQ(Changed(before, Snapshot()), "")
              << route << " refused but changed the database";
        }
      }
    }
    if (!ok) {
      corrected += fmt::format("  {{\"{}\", 0, \"{} {} {}\", \"{} {} {}\"}},\n", route, seen[0][0],
                               seen[0][1], seen[0][2], seen[1][0], seen[1][1], seen[1][2]);
    }
  }
  for (const Row& row : kOpen311Table) {
    EXPECT_TRUE(served.count(row.route))
        << "row for a route the router does not serve: " << row.route;
  }
  EXPECT_EQ(corrected, "") << "rows as observed:\n" << corrected;
}

TEST_P(AccessMatrixTest, ListsContainOnlyTheCallersSubtree) {
  struct Visible {
    std::string user;
    size_t residents;
    size_t grids;
  };
  // The second street's resident and grid count for the county admin only.
  const Visible cases[] = {{"admin", 4, 4},   {"street1", 3, 3}, {"secretary1", 2, 2},
                           {"worker1", 2, 2}, {"grid1", 1, 1},   {"grid2", 1, 1},
                           {"street2", 1, 1}, {"grid3", 1, 1}};
  for (const Visible& v : cases) {
    auto residents = As(v.user).Send("GET", "/api/v1/residents?limit=100").Json();
    size_t people = 0;
    for (const auto& item : residents.at("items").as_array()) {
      // Only the harness's residents (the matrix fixtures add none before this test).
      people += std::string_view(item.at("name").as_string()).starts_with("居民") ? 1 : 0;
    }
    EXPECT_EQ(people, v.residents) << v.user;
    auto grids = As(v.user).Send("GET", "/api/v1/org-nodes?kind=grid").Json();
    EXPECT_EQ(grids.at("items").as_array().size(), v.grids) << v.user;
  }
  // grid1 sees only grid A1's resident, never grid2's.
  auto mine = As("grid1").Send("GET", "/api/v1/residents").Json();
  EXPECT_EQ(mine.at("items").as_array()[0].at("id").as_int64(), w_.ra1.id);
}

TEST_P(AccessMatrixTest, WritesLandOnlyInsideScope) {
  //                   admin street sec  worker grid1 grid2 unit member resident
  const unsigned into_b1[] = {201, 403, 422, 422, 422, 201, 403, 403, 403};
  const int64_t before = Count("resident");
  int64_t created = 0;
  for (size_t i = 0; i < Usernames().size(); ++i) {
    std::string body = R"({"building_id":)" + Id(w_.building_b1.id) + R"(,"room":"9-90)" +
                       std::to_string(i) + R"(","name":"新居民","id_number":")" +
                       IdNumber(100 + static_cast<int>(i)) + R"("})";
    auto response = As(Usernames()[i]).Send("POST", "/api/v1/residents", body);
    EXPECT_EQ(response.status, into_b1[i]) << Usernames()[i] << ": " << response.body;
    if (response.status == 422) {
      EXPECT_EQ(response.Json().at("error").at("field").as_string(), "building_id");
    }
    created += response.status == 201 ? 1 : 0;
  }
  EXPECT_EQ(created, 2);
  EXPECT_EQ(Count("resident"), before + 2);
}

// The other direction: the second street's own accounts reach their street
// and nothing of the first one's (the matrix's "out" seen from inside).
TEST_P(AccessMatrixTest, SecondStreetAccountsReachTheirStreetOnly) {
  struct Case {
    std::string user, mine, theirs;
    unsigned mine_status, theirs_status;
  };
  const std::string residents = "/api/v1/residents/", tickets = "/api/v1/tickets/";
  const Case cases[] = {
      {"street2", tickets + Id(away_.ticket_id), tickets + Id(home_a_.ticket_id), 200, 404},
      {"secretary2", residents + Id(away_.resident.id), residents + Id(home_a_.resident.id), 200,
       404},
      {"grid3", residents + Id(away_.resident.id), residents + Id(home_b_.resident.id), 200, 404},
      {"grid3", tickets + Id(away_.ticket_id), tickets + Id(home_b_.ticket_id), 200, 404},
      {"resident2", tickets + Id(away_.ticket_id), tickets + Id(home_a_.ticket_id), 200, 404},
      {"unit2", "/api/v1/units/" + Id(away_.unit.id), "/api/v1/units/" + Id(home_a_.unit.id), 200,
       404},
      {"member2", "/api/v1/party-members/" + Id(away_.member.id),
       "/api/v1/party-members/" + Id(home_a_.member.id), 200, 403},
      {"secretary2", "/api/v1/org-nodes/" + Id(away_.grid.id),
       "/api/v1/org-nodes/" + Id(home_a_.grid.id), 200, 404},
  };
  for (const Case& c : cases) {
    auto mine = As(c.user).Send("GET", c.mine);
    EXPECT_EQ(mine.status, c.mine_status) << c.user << " GET " << c.mine << ": " << mine.body;
    EXPECT_EQ(As(c.user).Send("GET", c.theirs).status, c.theirs_status)
        << c.user << " GET " << c.theirs;
  }
  // A write from the second street into the first one lands nowhere.
  auto snapshot = Snapshot();
  auto refused = As("secretary2").Send("DELETE", residents + Id(home_a_.resident.id));
  EXPECT_EQ(refused.status, 404u) << refused.body;
  EXPECT_EQ(Changed(snapshot, Snapshot()), "");
}

// --- managing 双报到 and activities (docs/duty.md) ----------------------------------------------
void AccessMatrixTest::AddDutyManageBuilders(std::map<std::string, Build>& b) {
  auto call = [](std::string method, std::string target, std::string body = "") {
    return Call{std::move(method), std::move(target), std::move(body), {}};
  };
  auto skill = [this] {
    return Must(app_->duty().CreateSkill(Admin(), Unique("技能")), "skill").id;
  };
  b["PATCH /api/v1/duty/skills/{id}"] = [call, skill](size_t, bool) {
    return call("PATCH", "/api/v1/duty/skills/" + Id(skill()), R"({"retired":true})");
  };
  // Posts: in, the posts of member1's unit (unit1's own) in community A; out, those of the second
  // street's unit in community C. A post filled by the unit's member, made fresh for each call.
  auto filled_post = [this, skill](bool out) {
    const Place& p = out ? away_ : home_a_;
    domain::NewPost n{UnitRegistration(p.unit.id, p.community.id), Unique("岗位"), skill(), 2};
    int64_t post = Must(app_->duty().CreatePost(Admin(), n), "post").id;
    Must(app_->duty().FillPost(Must(app_->CallerFor(out ? "member2" : "member1"), "member"), post,
                               p.member.id),
         "filled");
    return post;
  };
  b["GET /api/v1/duty/unit-registrations/{id}/posts"] = [this, call, filled_post](size_t,
                                                                                  bool out) {
    filled_post(out);
    const Place& p = out ? away_ : home_a_;
    return call("GET", "/api/v1/duty/unit-registrations/" +
                           Id(UnitRegistration(p.unit.id, p.community.id)) + "/posts");
  };
  b["DELETE /api/v1/duty/posts/{id}/members/{member_id}"] = [this, call, filled_post](size_t,
                                                                                      bool out) {
    return call("DELETE", "/api/v1/duty/posts/" + Id(filled_post(out)) + "/members/" +
                              Id((out ? away_ : home_a_).member.id));
  };
  // A functional branch of the place's community holding a member registered there.
  auto branch = [this](const Place& p, int64_t* member) {
    domain::NewPartyOrg org{p.community.id, std::nullopt, domain::PartyOrgKind::kFunctionalBranch,
                            Unique("功能型党支部")};
    int64_t id = Must(app_->party().CreateOrg(Admin(), org), "functional branch").id;
    *member = FreshMember(p);
    Must(app_->duty().RegisterByStaff(Admin(), *member, p.community.id), "registered");
    EXPECT_TRUE(app_->duty().AddToBranch(Admin(), id, *member).ok());
    return id;
  };
  b["GET /api/v1/duty/branches/{id}/members"] = [this, call, branch](size_t role, bool out) {
    int64_t member = 0;
    return call("GET", "/api/v1/duty/branches/" + Id(branch(At(role, out), &member)) + "/members");
  };
  b["DELETE /api/v1/duty/branches/{id}/members/{member_id}"] = [this, call, branch](size_t role,
                                                                                    bool out) {
    int64_t member = 0;
    int64_t id = branch(At(role, out), &member);
    return call("DELETE", "/api/v1/duty/branches/" + Id(id) + "/members/" + Id(member));
  };
  b["POST /api/v1/duty/activities/{id}/cancel"] = [this, call](size_t role, bool out) {
    const Place& p = At(role, out);
    domain::NewActivity a;
    a.node_id = p.community.id;
    a.title = Unique("清扫");
    a.category = "环境整治";
    a.place = GridCenter(p.grid_index);
    a.starts_at = app_->clock().NowMs() + core::kMsPerDay;
    a.ends_at = a.starts_at + core::kMsPerHour;
    a.capacity = 10;
    int64_t id = Must(app_->activities().Create(Admin(), a), "activity").id;
    return call("POST", "/api/v1/duty/activities/" + Id(id) + "/cancel");
  };
  // A team of the place's community with a member of the place.
  auto team = [this](const Place& p, int64_t* member) {
    int64_t id =
        Must(app_->activities().CreateTeam(Admin(), {p.community.id, Unique("服务队")}), "team").id;
    *member = FreshMember(p);
    Must(app_->activities().AddTeamMember(Admin(), id, *member, false), "team member");
    return id;
  };
  b["POST /api/v1/duty/teams/{id}/disband"] = [this, call, team](size_t role, bool out) {
    int64_t member = 0;
    return call("POST", "/api/v1/duty/teams/" + Id(team(At(role, out), &member)) + "/disband");
  };
  b["DELETE /api/v1/duty/teams/{id}/members/{member_id}"] = [this, call, team](size_t role,
                                                                               bool out) {
    int64_t member = 0;
    int64_t id = team(At(role, out), &member);
    return call("DELETE", "/api/v1/duty/teams/" + Id(id) + "/members/" + Id(member));
  };
  b["GET /api/v1/duty/notices"] = [call](size_t, bool) {
    return call("GET", "/api/v1/duty/notices");
  };
  b["GET /api/v1/duty/service-cards"] = [this, call](size_t role, bool out) {
    return call("GET", "/api/v1/duty/service-cards?quarter=2026Q4&member_id=" +
                           Id(At(role, out).member.id));
  };
  for (const char* ext : {"csv", "xlsx"}) {
    const std::string route = std::string("GET /api/v1/exports/service-cards.") + ext;
    b[route] = [this, call, ext](size_t role, bool out) {
      return call("GET", std::string("/api/v1/exports/service-cards.") + ext +
                             "?quarter=2026Q4&unit_id=" + Id(At(role, out).unit.id));
    };
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessMatrixTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
