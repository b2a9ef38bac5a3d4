// Open311 GeoReport v2 at /open311/v2/, with mySociety's servicerequestupdates
// extension (FixMyStreet), over the same TicketService as /api/v1.
//
//   GET  discovery.{json,xml}                 the service discovery document
//   GET  services.{json,xml}                  ticket categories offered (事件, 部件)
//   GET  services/{service_code}.{json,xml}   their attributes
//   POST requests.{json,xml}                  file a ticket (form-encoded, api_key)
//   GET  requests.{json,xml}                  public tickets, filtered, 90 days / 1000 at most
//   GET  requests/{service_request_id}.{json,xml}
//   GET  tokens/{token}.{json,xml}            tickets are numbered at once; a token is the number
//   GET  servicerequestupdates.{json,xml}     ticket events in a time range
//   POST servicerequestupdates.{json,xml}     a comment on a ticket (api_key)
//   GET  media/{id}                           a public ticket's photo (media_url points here)
//
// Every answer is JSON or XML after the path's extension; errors are the
// spec's list of {code, description}: 403 for a missing or bad api_key, 404
// for what does not exist, 400 for anything else the client sent. Reads need
// no key and see public tickets only, never names or phones. docs/open311.md
// is the user's description; tests/open311_conformance_test.cc checks it.
//
// The router's parameters match whole path segments, so the routes with an
// id take "{service_code_format}" = "E01.01.json" and split the extension.
#pragma once

#include "http/api/api.h"
#include "http/router.h"

namespace civicgrid::http {

void RegisterOpen311Routes(Router& router, ApiServices& services);

}  // namespace civicgrid::http
