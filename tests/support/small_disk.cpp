#include "support/small_disk.h"

#include <sys/mount.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace cryptometrics::testing {

SmallDisk::SmallDisk(std::filesystem::path path, std::string_view size) : path_{std::move(path)} {
  std::filesystem::create_directories(path_);
  mount(size, 0);
}

// Lazily: a process that still holds a file there (a service killed a moment ago) must not keep
// the disk mounted after the test.
SmallDisk::~SmallDisk() { ::umount2(path_.c_str(), MNT_DETACH); }

void SmallDisk::grow(std::string_view size) { mount(size, MS_REMOUNT); }

void SmallDisk::mount(std::string_view size, unsigned long flags) {
  const std::string options = "size=" + std::string{size};
  if (::mount("tmpfs", path_.c_str(), "tmpfs", flags, options.c_str()) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            "mounting a tmpfs of " + std::string{size} + " at " + path_.string());
  }
}

}  // namespace cryptometrics::testing
