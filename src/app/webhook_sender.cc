#include "app/webhook_sender.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>

#include "core/crypto.h"
#include "core/text_encoding.h"

namespace civicgrid::app {
namespace {

// How much of a failing receiver's answer is kept in last_error.
constexpr size_t kErrorSnippetBytes = 200;

double DefaultRandom01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// A receiver's answer as storable text: valid UTF-8 (bad bytes become '?'),
// no control characters, at most kErrorSnippetBytes.
std::string Snippet(std::string_view body) {
  std::string text(body.substr(0, kErrorSnippetBytes));
  for (size_t bad = core::FindInvalidUtf8(text); bad != std::string_view::npos;
       bad = core::FindInvalidUtf8(text)) {
    text[bad] = '?';
  }
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text;
}

}  // namespace

std::string WebhookSignature(std::string_view secret, std::string_view timestamp,
                             std::string_view body) {
  core::EnsureSodium();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  auto update = [&state](std::string_view part) {
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size());
  };
  update(timestamp);
  update(".");
  update(body);
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(mac.data()));
  return "sha256=" + core::HexEncode(mac);
}

WebhookSender::WebhookSender(domain::WebhookService& service, http::OutboundClient& client,
                             const core::Clock& clock, WebhookSenderOptions options,
                             std::function<double()> random01)
    : service_(service),
      client_(client),
      clock_(clock),
      options_(options),
      random01_(random01 ? std::move(random01) : DefaultRandom01) {}

WebhookSender::~WebhookSender() { Stop(); }

int64_t WebhookSender::RetryDelayMs(const WebhookSenderOptions& options, int64_t failed_attempts,
                                    double u) {
  int64_t delay = std::min(options.first_retry_ms, options.max_retry_ms);
  for (int64_t i = 1; i < failed_attempts && delay < options.max_retry_ms; ++i) {
    delay = std::min(delay * 2, options.max_retry_ms);
  }
  double spread = 1.0 + options.jitter * (std::clamp(u, 0.0, 1.0) - 0.5);
  auto jittered = static_cast<int64_t>(std::llround(static_cast<double>(delay) * spread));
  return std::clamp<int64_t>(jittered, 1, options.max_retry_ms);
}

void WebhookSender::Deliver(const domain::OutboxItem& item, const std::function<int64_t()>& now,
                            SendReport& report) {
  ++report.attempted;
  std::string timestamp = std::to_string(now() / core::kMsPerSecond);
  http::OutboundRequest request;
  request.https = item.url.https;
  request.host = item.url.host;
  request.port = item.url.port;
  request.target = item.url.target;
  request.body = item.payload;
  request.headers = {
      {"X-Civicgrid-Event", item.event_type},
      {"X-Civicgrid-Delivery", std::to_string(item.id)},
      {"X-Civicgrid-Timestamp", timestamp},
      {"X-Civicgrid-Signature", WebhookSignature(item.secret, timestamp, item.payload)},
  };
  auto response = client_.Send(request);
  int64_t done = now();
  if (response.ok() && response->status >= 200 && response->status < 300) {
    ++report.delivered;
    if (auto marked = service_.MarkDelivered(item.id, done); !marked.ok()) {
      spdlog::warn("webhook: 投递 {} 已送达但未能记录: {}", item.id, marked.error().message);
    }
    return;
  }
  std::string error =
      response.ok() ? "HTTP " + std::to_string(response->status) : response.error().message;
  if (response.ok() && !response->body.empty()) error += ": " + Snippet(response->body);
  std::optional<int64_t> retry_at;
  if (item.attempts < options_.max_attempts) {
    retry_at = done + RetryDelayMs(options_, item.attempts, random01_());
    ++report.retrying;
  } else {
    ++report.failed;
  }
  if (auto marked = service_.MarkAttemptFailed(item.id, done, retry_at, error); !marked.ok()) {
    spdlog::warn("webhook: 投递 {} 的失败未能记录: {}", item.id, marked.error().message);
  }
}

void WebhookSender::Lane(int64_t endpoint_id, const std::function<int64_t()>& now,
                         SendReport& report) {
  int64_t lease_ms = client_.options().timeout.count() + options_.lease_margin_ms;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    int64_t t = now();
    auto claimed = service_.ClaimNext(endpoint_id, t, t + lease_ms);
    if (!claimed.ok()) {
      spdlog::warn("webhook: 读取待投递记录失败: {}", claimed.error().message);
      return;
    }
    if (!*claimed) return;
    Deliver(**claimed, now, report);
  }
}

core::Result<SendReport> WebhookSender::RunOnce(int64_t now_ms) {
  CG_ASSIGN_OR_RETURN(std::vector<int64_t> endpoints, service_.DueEndpoints(now_ms));
  size_t lanes = std::min<size_t>(std::max(options_.concurrency, 1u), endpoints.size());
  std::vector<SendReport> reports(lanes);
  std::atomic<size_t> next{0};
  std::function<int64_t()> now = [now_ms] { return now_ms; };
  auto work = [&](size_t lane) {
    for (size_t i = next++; i < endpoints.size(); i = next++) {
      Lane(endpoints[i], now, reports[lane]);
    }
  };
  std::vector<std::thread> threads;
  for (size_t lane = 1; lane < lanes; ++lane) threads.emplace_back(work, lane);
  if (lanes > 0) work(0);
  for (auto& thread : threads) thread.join();
  SendReport total;
  for (const SendReport& r : reports) {
    total.attempted += r.attempted;
    total.delivered += r.delivered;
    total.retrying += r.retrying;
    total.failed += r.failed;
  }
  return total;
}

void WebhookSender::Start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  woken_ = true;
  dispatcher_ = std::thread([this] { Dispatch(); });
  for (unsigned i = 0; i < std::max(options_.concurrency, 1u); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
}

void WebhookSender::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    stopping_ = true;
  }
  dispatch_cv_.notify_all();
  work_cv_.notify_all();
  dispatcher_.join();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  std::lock_guard lock(mutex_);
  queue_.clear();
  busy_.clear();
  running_ = false;
}

void WebhookSender::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  dispatch_cv_.notify_one();
}

void WebhookSender::Dispatch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    int64_t now = clock_.NowMs();
    auto due = service_.DueEndpoints(now);
    auto next = service_.NextDue();
    if (!due.ok()) spdlog::warn("webhook: 查询待投递记录失败: {}", due.error().message);
    lock.lock();
    if (due.ok()) {
      for (int64_t id : *due) {
        if (busy_.insert(id).second) queue_.push_back(id);
      }
      if (!queue_.empty()) work_cv_.notify_all();
    }
    int64_t wait_ms = options_.poll_ms;
    if (next.ok() && *next && **next > now) wait_ms = std::min(wait_ms, **next - now);
    dispatch_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                          [this] { return stopping_ || woken_; });
  }
}

void WebhookSender::Work() {
  std::function<int64_t()> now = [this] { return clock_.NowMs(); };
  std::unique_lock lock(mutex_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    int64_t endpoint_id = queue_.front();
    queue_.pop_front();
    lock.unlock();
    SendReport report;
    Lane(endpoint_id, now, report);
    lock.lock();
    busy_.erase(endpoint_id);
    woken_ = true;  // the lane may have left rows due meanwhile
    dispatch_cv_.notify_one();
  }
}

}  // namespace civicgrid::app
