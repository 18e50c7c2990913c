# The libraries the reader core links, found in one place. When one is missing, configuring
# stops with one message that names every missing one and the Debian packages to install: the
# first thing a `pip install` of the sdist on a bare machine prints.
set(OMEGA_APT_PACKAGES build-essential cmake pkg-config libhiredis-dev libsodium-dev libssl-dev)
set(_omega_missing "")
set(_omega_missing_apt "")
macro(_omega_missing what apt)
  string(APPEND _omega_missing "\n  - ${what}")
  list(APPEND _omega_missing_apt ${apt})
endmacro()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(HIREDIS QUIET IMPORTED_TARGET hiredis)
  pkg_check_modules(SODIUM QUIET IMPORTED_TARGET libsodium)
  if(NOT HIREDIS_FOUND)
    _omega_missing("hiredis (pkg-config module 'hiredis')" libhiredis-dev)
  endif()
  if(NOT SODIUM_FOUND)
    _omega_missing("libsodium (pkg-config module 'libsodium')" libsodium-dev)
  endif()
else()
  _omega_missing("pkg-config (it finds hiredis and libsodium)" pkg-config)
endif()
find_package(OpenSSL 1.1.1 QUIET)  # TLS to Redis (common/tls_context.cc)
if(NOT OPENSSL_FOUND)
  _omega_missing("OpenSSL >= 1.1.1 (libssl, libcrypto)" libssl-dev)
endif()

if(_omega_missing)
  list(JOIN _omega_missing_apt " " _apt)
  list(JOIN OMEGA_APT_PACKAGES " " _all)
  message(FATAL_ERROR "omega-config cannot be built: missing${_omega_missing}\n"
    "On Debian or Ubuntu, install them with:\n"
    "    apt-get install ${_apt}\n"
    "(everything a build needs: apt-get install ${_all}; and python3-dev for the Python package)")
endif()
find_package(Threads REQUIRED)
