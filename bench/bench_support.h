// Shared pieces of the benchmarks in bench/: the machine line every figure is
// printed with, process memory from /proc, a monotonic stopwatch, a fixed-seed
// PRNG, a way to stop on an unexpected error, and a scratch PostgreSQL
// database (PgScratch; only benchmarks linking civicgrid_store use it). Benchmarks are programs,
// not tests: they print figures (as ratios to a limit measured in the same run) and exit non-zero
// only when something failed. Single-threaded helpers except Stopwatch and SplitMix64, which are
// plain values.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/open.h"

namespace civicgrid::bench {

// "2 cores, 23.4 GiB, <cpu model>" from /proc (std::thread for the cores).
std::string MachineLine();
// The 1-minute load average (/proc/loadavg), printed beside wall-clock figures.
double LoadAverage();
// CPU time (user + system) used by this process so far, all threads.
double ProcessCpuSeconds();
int CoreCount();

// Resident set now and its peak (VmRSS / VmHWM of /proc/self/status), in MiB.
struct Memory {
  double rss_mib = 0;
  double peak_mib = 0;
};
Memory ProcessMemory();

// Bytes this process has caused to be written to storage so far
// (write_bytes of /proc/self/io), in MiB.
double WrittenMib();

// The disk's durable-write latency in `dir`: the median of `rounds` appends
// of 16 KiB each followed by fdatasync, in milliseconds (what a durable
// commit waits for at least once).
double FdatasyncMs(const std::string& dir, int rounds = 60);

// A temporary directory on disk (TMPDIR or /tmp), removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Deterministic on every platform (no standard distributions).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// A ratio printed with the digits it needs: "1.31", "0.0095", "2160".
std::string Ratio(double r);

// Prints `what` and the error, and exits: a benchmark cannot go on without it.
[[noreturn]] void Fail(const std::string& what, const core::Error& error);

template <typename T>
T Must(core::Result<T> result, const std::string& what) {
  if (!result.ok()) Fail(what, result.error());
  return std::move(result).value();
}
inline void Must(const core::Status& status, const std::string& what) {
  if (!status.ok()) Fail(what, status.error());
}

// Exits with a usage message unless argv is pairs of `--name value` with
// names from `known`.
void CheckFlags(int argc, char** argv, const std::vector<std::string>& known, const char* usage);
// The value after `--name` in argv, or `fallback`.
std::string Flag(int argc, char** argv, const std::string& name, const std::string& fallback);

// The whole of a benchmark's main(): stdout line-buffered so figures appear as they are measured
// (also into a pipe or file), then `run(parse(argc, argv))` as the exit code.
template <typename Options>
int RunMain(int argc, char** argv, Options (*parse)(int, char**), int (*run)(const Options&)) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  return run(parse(argc, argv));
}

// `url` with its "{db}" replaced by `name` (PostgreSQL URLs of the benchmarks
// name the database that way).
inline std::string WithDb(std::string url, std::string_view name) {
  const size_t at = url.find("{db}");
  return at == std::string::npos ? url : url.replace(at, 4, name);
}

// Runs `sql` on a connection of its own to `url` (CREATE / DROP DATABASE).
inline core::Status AdminExec(const std::string& url, const std::string& sql) {
  CG_ASSIGN_OR_RETURN(auto admin, store::OpenDb(url, store::DbOptions{.pool_size = 1}));
  CG_ASSIGN_OR_RETURN(auto conn, admin->Acquire());
  return conn->ExecScript(sql);
}

// A scratch PostgreSQL database for one run: for a URL with "{db}", creates
// "<prefix>_<pid>" beside "postgres" (a file copy of database `copy_of` when
// given) and drops it in the destructor; any other URL is used as it is.
class PgScratch {
 public:
  PgScratch(std::string url, const std::string& prefix, const std::string& copy_of = "")
      : template_(std::move(url)) {
    if (template_.find("{db}") == std::string::npos) return;
    name_ = prefix + "_" + std::to_string(getpid());
    Must(AdminExec(WithDb(template_, "postgres"),
                   "CREATE DATABASE " + name_ +
                       (copy_of.empty() ? "" : " TEMPLATE " + copy_of + " STRATEGY FILE_COPY")),
         "create database");
  }
  ~PgScratch() {
    if (name_.empty()) return;
    (void)AdminExec(WithDb(template_, "postgres"),
                    "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  PgScratch(const PgScratch&) = delete;
  PgScratch& operator=(const PgScratch&) = delete;
  std::string url() const { return name_.empty() ? template_ : WithDb(template_, name_); }

 private:
  std::string template_;
  std::string name_;
};

}  // namespace civicgrid::bench
