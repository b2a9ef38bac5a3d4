#include "bench_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "core/crypto.h"

namespace civicgrid::bench {
namespace {

// The first line of `file` starting with `key`, without the key; "" if none.
std::string ProcValue(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  }
  return "";
}

double KibToMib(const std::string& value) { return std::atof(value.c_str()) / 1024.0; }

std::string Trim(std::string s) {
  size_t start = s.find_first_not_of(" \t:");
  if (start == std::string::npos) return "";
  return s.substr(start, s.find_last_not_of(" \t") + 1 - start);
}

}  // namespace

int CoreCount() { return static_cast<int>(std::thread::hardware_concurrency()); }

std::string MachineLine() {
  double gib = KibToMib(ProcValue("/proc/meminfo", "MemTotal:")) / 1024.0;
  char memory[32];
  std::snprintf(memory, sizeof memory, "%.1f GiB", gib);
  std::ostringstream out;
  out << CoreCount() << " cores, " << memory << ", "
      << Trim(ProcValue("/proc/cpuinfo", "model name"));
  return out.str();
}

double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  in >> load;
  return load;
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Memory ProcessMemory() {
  return Memory{KibToMib(ProcValue("/proc/self/status", "VmRSS:")),
                KibToMib(ProcValue("/proc/self/status", "VmHWM:"))};
}

double WrittenMib() { return KibToMib(ProcValue("/proc/self/io", "write_bytes:")) / 1024.0; }

double FdatasyncMs(const std::string& dir, int rounds) {
  const std::string path = dir + "/fdatasync-probe";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  const std::string block(16 * 1024, 'x');
  std::vector<double> ms;
  off_t offset = 0;
  for (int i = 0; i < rounds; ++i) {
    if (::pwrite(fd, block.data(), block.size(), offset) != static_cast<ssize_t>(block.size())) {
      break;
    }
    offset += static_cast<off_t>(block.size());
    auto start = std::chrono::steady_clock::now();
    if (::fdatasync(fd) != 0) break;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (ms.empty()) return 0;
  std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
  return ms[ms.size() / 2];
}

TempDir::TempDir(const std::string& prefix) {
  path_ = (std::filesystem::temp_directory_path() / (prefix + core::RandomToken(6))).string();
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string Ratio(double r) {
  char out[32];
  std::snprintf(out, sizeof out, r >= 100 ? "%.0f" : r >= 0.1 ? "%.2f" : "%.2g", r);
  return out;
}

void Fail(const std::string& what, const core::Error& error) {
  std::fprintf(stderr, "bench: %s failed: %s%s%s\n", what.c_str(), error.message.c_str(),
               error.field.empty() ? "" : " field=", error.field.c_str());
  std::exit(1);
}

void CheckFlags(int argc, char** argv, const std::vector<std::string>& known, const char* usage) {
  for (int i = 1; i < argc; i += 2) {
    bool found = false;
    for (const std::string& name : known) found = found || argv[i] == "--" + name;
    if (!found || i + 1 >= argc) {
      std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
      std::exit(2);
    }
  }
}

std::string Flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

}  // namespace civicgrid::bench
