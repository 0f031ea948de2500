# Every external library is found through pkg-config. A missing one stops
# configuration with the Debian package that provides it (scripts/setup installs them all).
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' (or run scripts/setup)")
endif()

function(elzero_require_pkg var module debpkg)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "${module} not found through pkg-config: install the Debian package '${debpkg}' (or run scripts/setup)")
  endif()
  message(STATUS "${module} ${${var}_VERSION}")
endfunction()

elzero_require_pkg(CAPSTONE capstone   libcapstone-dev)
elzero_require_pkg(GLIB     glib-2.0   libglib2.0-dev)
elzero_require_pkg(SDL2     sdl2       libsdl2-dev)
elzero_require_pkg(ZLIB     zlib       zlib1g-dev)
elzero_require_pkg(CHECK    check      check)
