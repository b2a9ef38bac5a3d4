// `civicgrid serve`: the HTTP server over an App until SIGINT or SIGTERM.
#pragma once

#include <string>

#include "app/app.h"

namespace civicgrid::app {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  unsigned threads = 0;                   // 0: one per core
  bool access_log = true;                 // JSON access log lines on stdout
  bool secure_cookies = false;            // set behind HTTPS
};

// Blocks until a stop signal; returns the process exit code.
int Serve(App& app, const ServeOptions& options);

}  // namespace civicgrid::app
