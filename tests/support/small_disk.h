#pragma once

#include <filesystem>
#include <string_view>

namespace cryptometrics::testing {

// A tmpfs of a given size, mounted for this object's lifetime: a disk that fills up on purpose.
// Mounting needs root, which the tests have.
class SmallDisk {
 public:
  // `size` as mount(8) takes it: "1m", "64m". Throws std::system_error when it cannot mount.
  SmallDisk(std::filesystem::path path, std::string_view size);
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  void grow(std::string_view size);
  const std::filesystem::path& path() const { return path_; }

 private:
  void mount(std::string_view size, unsigned long flags);

  std::filesystem::path path_;
};

}  // namespace cryptometrics::testing
