// `civicgrid serve`: the HTTP server over an App until SIGINT or SIGTERM.
#pragma once

#include <cstddef>
#include <string>

#include "app/app.h"

namespace civicgrid::app {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  unsigned threads = 0;                   // I/O threads; 0: one per core
  unsigned workers = 0;                   // interactive handler workers; 0: InteractiveWorkers()
  unsigned long_workers = 0;              // long-lane workers (exports, imports, stats); 0: 2
  size_t queue_limit = 256;               // requests waiting for an interactive worker; then 503
  size_t long_queue_limit = 32;           // the same for the long lane
  bool access_log = true;                 // JSON access log lines on stdout
  bool secure_cookies = false;            // set behind HTTPS
  // The built web pages (see http/static_site.h); empty: "web/dist" if that
  // directory exists, else the API only. A given directory must exist.
  std::string web_dir;
  std::string tile_url;                  // map tile URL template; empty: offline maps
  std::string tile_coord_sys = "wgs84";  // the tiles' coordinates: wgs84 or gcj02
  std::string care_drop_dir;             // meter exports dropped here are ingested (care_drop.h)
};

// The interactive lane's workers when none are asked for. SQLite: max(4, 2 ×
// cores). PostgreSQL: cores + 1, at least 3. There each worker drives a
// database backend of its own, and when the database's CPU is saturated the
// intake writer's one backend gets an equal share with every reader's: the
// server raises its own intake threads' priority (IntakeOptions::nice), which
// is all SQLite's in-process writer needs, but cannot raise a PostgreSQL
// backend's. Fewer concurrent readers give the writer a larger share (city
// mix on 2 cores: submissions' p99 56–64 ms with 4 workers, 40–53 with 3;
// readers' 36–45 → 41–53; docs/benchmarks.md, session 19).
unsigned InteractiveWorkers(store::Backend backend, unsigned cores);
// `asked` when not 0, else InteractiveWorkers for this machine's cores (what
// `serve` runs; the benchmarks take the same).
unsigned InteractiveWorkersOr(unsigned asked, store::Backend backend);

// The default web directory, relative to the working directory.
inline constexpr const char* kDefaultWebDir = "web/dist";

// Blocks until a stop signal; returns the process exit code.
int Serve(App& app, const ServeOptions& options);

}  // namespace civicgrid::app
