// A main() for libFuzzer targets when the compiler has no -fsanitize=fuzzer
// (g++). It runs every corpus input, then a bounded number of deterministic
// mutations of them. There is no coverage feedback: this is a smoke run for CI
// under ASan+UBSan, not a replacement for libFuzzer (see fuzz/README.md).
//
// Each run draws a new seed (time and std::random_device), so repeated CI runs
// try different mutations; the seed is printed first, and -seed=N or the
// environment variable CIVICGRID_FUZZ_SEED=N replays a run exactly.
//
// The command line is libFuzzer's, so the same ctest entry works for both:
//   csv_fuzz [-flag=value ...] DIR_OR_FILE ...
// Flags: -runs (total inputs, corpus included; -1 = no limit), -max_total_time
// (seconds, 0 = no limit), -seed, -max_len, -timeout (seconds per input),
// -artifact_prefix, and one of the driver's own: -min_runs=N fails the run
// (exit 1) when fewer than N inputs ran, i.e. when the time limit cut it short
// on a slow machine. Other flags are ignored with a warning. When only files
// are given, each is run once and nothing is mutated (reproducing a crash).
//
// On a crash, a timeout or exit() inside the target, the input is written to
// <artifact_prefix>crash-<hash> (or timeout-/exit-) before the process dies.
// Single-threaded.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional libFuzzer hook; weak so that targets need not define it.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
// Present only when a sanitizer runtime is linked in.
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)());

namespace {

using Bytes = std::vector<uint8_t>;
namespace fs = std::filesystem;

constexpr size_t kMinMaxLen = 4096;         // -max_len when the corpus is smaller
constexpr unsigned kDefaultTimeout = 1200;  // seconds per input, as in libFuzzer
constexpr int kErrorExitCode = 77;          // libFuzzer's -error_exitcode
constexpr int kTimeoutExitCode = 70;        // libFuzzer's -timeout_exitcode
constexpr size_t kMaxStackedMutations = 4;
constexpr size_t kPoolSize = 64;  // recent mutants, so mutations can go deeper than one step

struct DriverOptions {
  int64_t runs = -1;             // total inputs run, corpus included; -1 = no limit
  int64_t max_total_time = 0;    // seconds; 0 = no limit
  std::optional<uint64_t> seed;  // the driver is deterministic for a given seed and corpus
  int64_t min_runs = 0;          // fewer runs than this (corpus included) is a failure
  size_t max_len = 0;            // 0 = max(kMinMaxLen, largest corpus input)
  unsigned timeout = kDefaultTimeout;
  std::string artifact_prefix = "./";
  std::vector<std::string> inputs;  // corpus directories and files
};

// What the signal, death and exit handlers need to save the input that was
// running. These handlers take no arguments, hence this one mutable global.
struct CrashContext {
  const uint8_t* data = nullptr;
  size_t size = 0;
  const char* corpus_file = nullptr;  // null for a mutated input
  uint64_t run = 0;
  bool running = false;
  bool saved = false;
  const char* artifact_prefix = "./";
};
CrashContext g_crash;

// Text building without allocation, for use inside signal handlers.
class SafeText {
 public:
  SafeText& Add(const char* text) {
    while (text != nullptr && *text != '\0' && length_ + 1 < buffer_.size()) {
      buffer_[length_++] = *text++;
    }
    buffer_[length_] = '\0';
    return *this;
  }
  SafeText& AddNumber(uint64_t value, unsigned base = 10) {
    std::array<char, 24> digits{};
    size_t i = digits.size() - 1;
    do {
      digits[--i] = "0123456789abcdef"[value % base];
      value /= base;
    } while (value != 0);
    return Add(&digits[i]);
  }
  const char* c_str() const { return buffer_.data(); }
  void WriteTo(int fd) const { (void)!write(fd, buffer_.data(), length_); }

 private:
  std::array<char, 1024> buffer_{};
  size_t length_ = 0;
};

uint64_t Fnv1a(const uint8_t* data, size_t size) {
  uint64_t hash = 14695981039346656037ULL;
  for (size_t i = 0; i < size; ++i) {
    hash = (hash ^ data[i]) * 1099511628211ULL;
  }
  return hash;
}

// Saves the running input once and says so on stderr. Async-signal-safe.
void SaveArtifact(const char* kind) {
  if (!g_crash.running || g_crash.saved) {
    return;
  }
  g_crash.saved = true;
  SafeText path;
  path.Add(g_crash.artifact_prefix).Add(kind).Add("-");
  path.AddNumber(Fnv1a(g_crash.data, g_crash.size), 16);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    (void)!write(fd, g_crash.data, g_crash.size);
    close(fd);
  }
  SafeText message;
  message.Add("==driver== ").Add(kind).Add(" on run #").AddNumber(g_crash.run);
  message.Add(g_crash.corpus_file != nullptr ? " (corpus file " : " (mutated input");
  message.Add(g_crash.corpus_file).Add("); ").AddNumber(g_crash.size).Add(" bytes saved to ");
  message.Add(path.c_str()).Add("\n");
  message.WriteTo(STDERR_FILENO);
}

void OnDeadlySignal(int signal_number) {
  SaveArtifact("crash");
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

void OnTimeout(int /*signal_number*/) {
  SaveArtifact("timeout");
  _exit(kTimeoutExitCode);
}

void OnExit() {
  if (g_crash.running) {
    SaveArtifact("exit");
    _exit(kErrorExitCode);
  }
}

void InstallHandlers() {
  // A sanitizer reports SEGV, BUS and FPE itself and then calls the death
  // callback; it leaves SIGILL (__builtin_trap) and SIGABRT to us.
  std::vector<int> signals = {SIGILL, SIGABRT};
  if (__sanitizer_set_death_callback != nullptr) {
    __sanitizer_set_death_callback([] { SaveArtifact("crash"); });
  } else {
    signals.insert(signals.end(), {SIGSEGV, SIGBUS, SIGFPE});
  }
  for (const int signal_number : signals) {
    std::signal(signal_number, OnDeadlySignal);
  }
  std::signal(SIGALRM, OnTimeout);
  std::atexit(OnExit);
}

void RunOne(const Bytes& input, const char* corpus_file, unsigned timeout) {
  g_crash.data = input.data();
  g_crash.size = input.size();
  g_crash.corpus_file = corpus_file;
  ++g_crash.run;
  g_crash.running = true;
  alarm(timeout);
  // A copy of exactly `size` bytes, so ASan sees reads past the end.
  const auto copy = std::make_unique<uint8_t[]>(input.size());
  std::copy(input.begin(), input.end(), copy.get());
  LLVMFuzzerTestOneInput(copy.get(), input.size());
  alarm(0);
  g_crash.running = false;
}

// SplitMix64: tiny, fast and the same sequence on every platform and library,
// unlike the std:: distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t bound) { return bound == 0 ? 0 : static_cast<size_t>(Next() % bound); }
  bool OneIn(size_t n) { return Below(n) == 0; }

 private:
  uint64_t state_;
};

// Bytes and tokens that matter to the formats we parse (CSV, JSON, GeoJSON,
// UTF-8/GBK, forms, paths, MP4): structure, quoting, line ends, odd numbers,
// bad UTF-8, escapes, box types.
using std::string_view_literals::operator""sv;  // keeps the NUL in "\x00"sv
// clang-format off
constexpr std::array kTokens = {
    "\""sv, ","sv, "\n"sv, "\r\n"sv, "\\"sv, "{"sv, "}"sv, "["sv, "]"sv, ":"sv, "-"sv, "."sv,
    "e"sv, "0"sv, " "sv, "'"sv, "\t"sv, "\x00"sv, "\xff"sv, "\x80"sv, "\xc3"sv, "\xe4\xb8"sv,
    "\xef\xbb\xbf"sv, "\\u0000"sv, "\\ud800"sv, "null"sv, "NaN"sv, "-1"sv, "1e309"sv,
    "18446744073709551616"sv,
    // Forms, request targets and routes.
    "%"sv, "&"sv, "="sv, "+"sv, "/"sv, "%2F"sv, "%2e"sv, "?"sv, "{id}"sv,
    // MP4 boxes: types the rewriter looks at, a 64-bit size marker, "to the end".
    "moov"sv, "trak"sv, "mdia"sv, "udta"sv, "meta"sv, "uuid"sv, "tkhd"sv, "mvhd"sv,
    "\x00\x00\x00\x01"sv, "\x00\x00\x00\x00"sv, "\x00\x00\x00\x08"sv};
// clang-format on
static_assert(std::ranges::none_of(kTokens, &std::string_view::empty));

// Stacks a few random edits on one input; other corpus inputs feed splices.
class Mutator {
 public:
  Mutator(const std::vector<Bytes>& corpus, uint64_t seed, size_t max_len)
      : corpus_(corpus), rng_(seed), max_len_(max_len) {}

  Bytes Next() {
    Bytes data = PickBase();
    const size_t count = 1 + rng_.Below(kMaxStackedMutations);
    for (size_t i = 0; i < count; ++i) {
      MutateOnce(data);
    }
    if (data.size() > max_len_) {
      data.resize(max_len_);
    }
    if (rng_.OneIn(4)) {
      Remember(data);
    }
    return data;
  }

 private:
  Bytes PickBase() {
    if (!pool_.empty() && rng_.OneIn(2)) {
      return pool_[rng_.Below(pool_.size())];
    }
    return corpus_.empty() ? Bytes{} : corpus_[rng_.Below(corpus_.size())];
  }

  void Remember(const Bytes& data) {
    if (pool_.size() < kPoolSize) {
      pool_.push_back(data);
    } else {
      pool_[rng_.Below(kPoolSize)] = data;
    }
  }

  void MutateOnce(Bytes& data) {
    switch (rng_.Below(8)) {
      case 0:
        return FlipBit(data);
      case 1:
        return SetByte(data);
      case 2:
        return InsertToken(data);
      case 3:
        return InsertRandomBytes(data);
      case 4:
        return EraseRange(data);
      case 5:
        return DuplicateChunk(data);
      case 6:
        return Splice(data);
      default:
        return InsertFromOther(data);
    }
  }

  size_t Position(const Bytes& data) { return rng_.Below(data.size() + 1); }
  // A length in [1, limit], biased towards short ones.
  size_t Length(size_t limit) { return 1 + rng_.Below(1 + rng_.Below(std::max<size_t>(limit, 1))); }
  uint8_t RandomByte() { return static_cast<uint8_t>(rng_.Next() & 0xff); }
  const Bytes& Other() {
    static const Bytes kEmpty;
    return corpus_.empty() ? kEmpty : corpus_[rng_.Below(corpus_.size())];
  }

  void FlipBit(Bytes& data) {
    if (data.empty()) {
      return InsertRandomBytes(data);
    }
    data[rng_.Below(data.size())] ^= static_cast<uint8_t>(1U << rng_.Below(8));
  }

  void SetByte(Bytes& data) {
    if (data.empty()) {
      return InsertToken(data);
    }
    const std::string_view token = kTokens[rng_.Below(kTokens.size())];
    const uint8_t value = rng_.OneIn(2) ? RandomByte() : static_cast<uint8_t>(token.front());
    data[rng_.Below(data.size())] = value;
  }

  void InsertToken(Bytes& data) {
    const std::string_view token = kTokens[rng_.Below(kTokens.size())];
    data.insert(data.begin() + static_cast<std::ptrdiff_t>(Position(data)), token.begin(),
                token.end());
  }

  void InsertRandomBytes(Bytes& data) {
    Bytes bytes(Length(8));
    std::generate(bytes.begin(), bytes.end(), [this] { return RandomByte(); });
    data.insert(data.begin() + static_cast<std::ptrdiff_t>(Position(data)), bytes.begin(),
                bytes.end());
  }

  void EraseRange(Bytes& data) {
    if (data.empty()) {
      return;
    }
    const size_t start = rng_.Below(data.size());
    const size_t length = std::min(Length(16), data.size() - start);
    const auto first = data.begin() + static_cast<std::ptrdiff_t>(start);
    data.erase(first, first + static_cast<std::ptrdiff_t>(length));
  }

  // Copies [start, start + length) of `from` into `data` at a random place.
  void InsertChunk(Bytes& data, const Bytes& from, size_t max_length) {
    if (from.empty()) {
      return;
    }
    const size_t start = rng_.Below(from.size());
    const size_t length = std::min(Length(max_length), from.size() - start);
    const auto first = from.begin() + static_cast<std::ptrdiff_t>(start);
    const Bytes chunk(first, first + static_cast<std::ptrdiff_t>(length));
    data.insert(data.begin() + static_cast<std::ptrdiff_t>(Position(data)), chunk.begin(),
                chunk.end());
  }

  void DuplicateChunk(Bytes& data) { InsertChunk(data, data, 64); }
  void InsertFromOther(Bytes& data) { InsertChunk(data, Other(), 64); }

  // Keeps a prefix of `data` and appends a suffix of another input.
  void Splice(Bytes& data) {
    const Bytes& other = Other();
    data.resize(Position(data));
    const auto from = other.begin() + static_cast<std::ptrdiff_t>(rng_.Below(other.size() + 1));
    data.insert(data.end(), from, other.end());
  }

  const std::vector<Bytes>& corpus_;
  Rng rng_;
  size_t max_len_;
  std::vector<Bytes> pool_;
};

template <typename T>
std::optional<T> ParseNumber(std::string_view text) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

void SetNumericFlag(std::string_view name, int64_t value, DriverOptions& options) {
  if (name == "runs") {
    options.runs = value;
  } else if (name == "max_total_time") {
    options.max_total_time = value;
  } else if (name == "seed") {
    options.seed = static_cast<uint64_t>(value);
  } else if (name == "min_runs") {
    options.min_runs = value;
  } else if (name == "max_len") {
    options.max_len = static_cast<size_t>(std::max<int64_t>(value, 0));
  } else if (name == "timeout") {
    options.timeout = static_cast<unsigned>(std::clamp<int64_t>(value, 0, int64_t{1} << 30));
  }
}

// Applies one "-name=value" flag; false when the value is malformed.
bool ApplyFlag(std::string_view name, std::string_view value, DriverOptions& options) {
  constexpr std::array<std::string_view, 6> kNumericFlags = {
      "runs", "max_total_time", "seed", "max_len", "timeout", "min_runs"};
  if (name == "artifact_prefix") {
    options.artifact_prefix = value;
    return true;
  }
  if (std::find(kNumericFlags.begin(), kNumericFlags.end(), name) == kNumericFlags.end()) {
    std::fprintf(stderr, "WARNING: flag -%.*s is ignored by the standalone driver\n",
                 static_cast<int>(name.size()), name.data());
    return true;
  }
  const auto number = ParseNumber<int64_t>(value);
  if (number) {
    SetNumericFlag(name, *number, options);
  }
  return number.has_value();
}

std::optional<DriverOptions> ParseCommandLine(int argc, char** argv) {
  DriverOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!arg.starts_with("-") || arg.starts_with("--")) {
      options.inputs.emplace_back(arg);
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string_view name =
        arg.substr(1, equals == std::string_view::npos ? arg.npos : equals - 1);
    const std::string_view value = equals == std::string_view::npos ? "" : arg.substr(equals + 1);
    if (!ApplyFlag(name, value, options)) {
      std::fprintf(stderr, "ERROR: bad value in %s\n", argv[i]);
      return std::nullopt;
    }
  }
  return options;
}

std::optional<Bytes> ReadFile(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return std::nullopt;
  }
  return Bytes(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

struct CorpusFile {
  std::string path;
  Bytes data;
};

// Regular files under each input, sorted so that runs are reproducible.
std::optional<std::vector<CorpusFile>> LoadCorpus(const std::vector<std::string>& inputs) {
  std::vector<std::string> paths;
  for (const auto& input : inputs) {
    std::error_code error;
    if (fs::is_regular_file(input, error)) {
      paths.push_back(input);
      continue;
    }
    if (!fs::is_directory(input, error)) {
      std::fprintf(stderr, "ERROR: %s is neither a file nor a directory\n", input.c_str());
      return std::nullopt;
    }
    for (const auto& entry : fs::recursive_directory_iterator(input, error)) {
      if (entry.is_regular_file()) {
        paths.push_back(entry.path().string());
      }
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<CorpusFile> corpus;
  for (auto& path : paths) {
    if (auto data = ReadFile(path)) {
      corpus.push_back({std::move(path), std::move(*data)});
    }
  }
  return corpus;
}

bool OnlyFiles(const std::vector<std::string>& inputs) {
  std::error_code error;
  return !inputs.empty() && std::all_of(inputs.begin(), inputs.end(), [&](const auto& input) {
    return fs::is_regular_file(input, error);
  });
}

size_t EffectiveMaxLen(const DriverOptions& options, const std::vector<Bytes>& corpus) {
  if (options.max_len != 0) {
    return options.max_len;
  }
  size_t largest = kMinMaxLen;
  for (const auto& input : corpus) {
    largest = std::max(largest, input.size());
  }
  return largest;
}

// Runs mutated inputs until `budget` runs (-1: no limit) or the deadline.
uint64_t RunMutations(const DriverOptions& options, uint64_t seed, const std::vector<Bytes>& corpus,
                      int64_t budget) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(options.max_total_time);
  Mutator mutator(corpus, seed, EffectiveMaxLen(options, corpus));
  uint64_t runs = 0;
  while (budget < 0 || runs < static_cast<uint64_t>(budget)) {
    if (options.max_total_time > 0 && Clock::now() >= deadline) {
      std::fprintf(stderr, "INFO: max_total_time=%lld s reached\n",
                   static_cast<long long>(options.max_total_time));
      break;
    }
    RunOne(mutator.Next(), nullptr, options.timeout);
    ++runs;
  }
  return runs;
}

int Fuzz(const DriverOptions& options, uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  const auto files = LoadCorpus(options.inputs);
  if (!files) {
    return 1;
  }
  std::vector<Bytes> corpus;
  for (const auto& file : *files) {
    RunOne(file.data, file.path.c_str(), options.timeout);
    corpus.push_back(file.data);
  }
  std::fprintf(stderr, "INFO: ran %zu corpus inputs\n", corpus.size());
  uint64_t mutated = 0;
  if (!OnlyFiles(options.inputs)) {
    const int64_t corpus_runs = static_cast<int64_t>(corpus.size());
    const int64_t budget = options.runs < 0 ? -1 : std::max<int64_t>(options.runs - corpus_runs, 0);
    mutated = RunMutations(options, seed, corpus, budget);
  }
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto total = static_cast<int64_t>(corpus.size() + mutated);
  std::fprintf(stderr, "Done %lld runs (%zu corpus + %llu mutated, seed %llu) in %.1f s\n",
               static_cast<long long>(total), corpus.size(),
               static_cast<unsigned long long>(mutated), static_cast<unsigned long long>(seed),
               seconds);
  if (total < options.min_runs) {
    std::fprintf(stderr,
                 "ERROR: only %lld runs, fewer than -min_runs=%lld: the time limit cut the run "
                 "short, so it searched less than it claims (slow machine, or a slow target)\n",
                 static_cast<long long>(total), static_cast<long long>(options.min_runs));
    return 1;
  }
  return 0;
}

// -seed=N, else CIVICGRID_FUZZ_SEED=N, else a new one from the clock and
// std::random_device, so that every run tries other mutations.
std::optional<uint64_t> ChooseSeed(const DriverOptions& options) {
  if (options.seed) {
    return options.seed;
  }
  if (const char* fixed = std::getenv("CIVICGRID_FUZZ_SEED"); fixed != nullptr && *fixed != '\0') {
    const auto seed = ParseNumber<uint64_t>(fixed);
    if (!seed) {
      std::fprintf(stderr, "ERROR: CIVICGRID_FUZZ_SEED=%s is not a number\n", fixed);
    }
    return seed;
  }
  std::random_device device;
  const auto now =
      static_cast<uint64_t>(std::chrono::high_resolution_clock::now().time_since_epoch().count());
  const uint64_t seed = ((uint64_t{device()} << 32) | device()) ^ now;
  return seed % 1'000'000'000'000ULL;  // short enough to copy from a log
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = ParseCommandLine(argc, argv);
  if (!options) {
    return 1;
  }
  const auto seed = ChooseSeed(*options);
  if (!seed) {
    return 1;
  }
  // First, so that a run that dies later can still be replayed.
  std::fprintf(stderr,
               "INFO: seed %llu (replay with -seed=%llu or CIVICGRID_FUZZ_SEED=%llu); standalone "
               "driver, no coverage feedback\n",
               static_cast<unsigned long long>(*seed), static_cast<unsigned long long>(*seed),
               static_cast<unsigned long long>(*seed));
  g_crash.artifact_prefix = options->artifact_prefix.c_str();
  if (LLVMFuzzerInitialize != nullptr) {
    LLVMFuzzerInitialize(&argc, &argv);
  }
  InstallHandlers();
  return Fuzz(*options, *seed);
}
