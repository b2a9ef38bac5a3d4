#include "core/thread_name.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace civicgrid::core {
namespace {

id_t ThisThreadsId() { return static_cast<id_t>(::syscall(SYS_gettid)); }

}  // namespace

void NameThisThread(std::string_view name) {
  std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

std::optional<int> ThisThreadsNice() {
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, ThisThreadsId());
  if (errno != 0) return std::nullopt;
  return nice;
}

bool AdjustThisThreadsNice(int delta) {
  if (delta == 0) return true;
  std::optional<int> current = ThisThreadsNice();
  if (!current) return false;
  const int wanted = std::clamp(*current + delta, -20, 19);
  return ::setpriority(PRIO_PROCESS, ThisThreadsId(), wanted) == 0;
}

}  // namespace civicgrid::core
