# Cross-compiles for linux-arm64 with Debian's g++-aarch64-linux-gnu, whose
# glibc and libstdc++ live under /usr/aarch64-linux-gnu.
#   npx cmake-js compile --arch arm64 --CDCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# (scripts/prebuild.js --arch arm64 passes it for you). The system oneDNN is an
# x86-64 library here, so the arm64 build has no oneDNN plugin.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(QGEMM_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${QGEMM_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${QGEMM_CROSS_TRIPLE}-g++)
set(CMAKE_STRIP ${QGEMM_CROSS_TRIPLE}-strip)

set(CMAKE_FIND_ROOT_PATH /usr/${QGEMM_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Run test executables (ctest) under qemu-user when it is installed.
find_program(QGEMM_QEMU_AARCH64 qemu-aarch64-static)
if(QGEMM_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${QGEMM_QEMU_AARCH64};-L;/usr/${QGEMM_CROSS_TRIPLE})
endif()
