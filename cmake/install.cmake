# What `cmake --install` puts in a prefix, for C and C++ consumers:
#   lib/libomega_config.so.0.<minor>   the shared library (omega::omega_config)
#   lib/libomega_config.a              the static library (omega::omega_config_static)
#   lib/libomega_log_level.a           the LOG_LEVEL helper (omega::omega_log_level)
#   include/omega_config.h, omega_config.hpp, omega_log_level.h
#   lib/cmake/omega_config/            find_package(omega_config [COMPONENTS static])
#   lib/pkgconfig/omega_config.pc, omega_log_level.pc
include(CMakePackageConfigHelpers)
set(OMEGA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/omega_config)

install(TARGETS omega_config omega_log_level EXPORT omega_config_targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The static library in an export set of its own: its link interface names hiredis, libsodium
# and OpenSSL, which the package config finds only for consumers that ask for it.
install(TARGETS omega_config_static EXPORT omega_config_static_targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/omega_config.h ${PROJECT_SOURCE_DIR}/include/omega_config.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT omega_config_targets NAMESPACE omega:: DESTINATION ${OMEGA_CMAKE_DIR})
install(EXPORT omega_config_static_targets NAMESPACE omega:: DESTINATION ${OMEGA_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/omega_configConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/omega_configConfig.cmake
  INSTALL_DESTINATION ${OMEGA_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/omega_configConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/omega_configConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/omega_configConfigVersion.cmake
  DESTINATION ${OMEGA_CMAKE_DIR})

# pkg-config: the prefix is found from the .pc file's own place, so an install moved or staged
# elsewhere (cmake --install --prefix X) still works; libdir/includedir hang off it unless the
# install dirs are absolute.
file(RELATIVE_PATH PC_PREFIX_FROM_PCFILEDIR "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" PC_PREFIX_FROM_PCFILEDIR "${PC_PREFIX_FROM_PCFILEDIR}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(PC_LIBDIR "\${exec_prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# What a static link adds (pkg-config --static): hiredis, libsodium, OpenSSL, the C++ runtime
# and threads, as Libs.private flags. Not Requires.private: pkg-config adds a Requires.private
# module's Cflags to every consumer's --cflags (hiredis's include dir, -D_FILE_OFFSET_BITS=64),
# which the public headers need none of, and would make the -dev packages of all three a
# requirement of shared-library users.
set(_omega_static_libs ${HIREDIS_LDFLAGS} ${SODIUM_LDFLAGS})
get_filename_component(_omega_ssl_dir "${OPENSSL_SSL_LIBRARY}" DIRECTORY)
if(NOT _omega_ssl_dir IN_LIST CMAKE_C_IMPLICIT_LINK_DIRECTORIES)
  list(APPEND _omega_static_libs "-L${_omega_ssl_dir}")
endif()
list(TRANSFORM OMEGA_CXX_RUNTIME_LIBS PREPEND "-l" OUTPUT_VARIABLE _omega_runtime_flags)
list(APPEND _omega_static_libs -lssl -lcrypto ${_omega_runtime_flags} -pthread)
string(JOIN " " PC_LIBS_PRIVATE ${_omega_static_libs})
foreach(pc omega_config omega_log_level)
  configure_file(${PROJECT_SOURCE_DIR}/pkgconfig/${pc}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
