# libomega_log_level: the LOG_LEVEL helper of omega_log_level.h, a small static C library over
# the C ABI, installed with libomega_config (included by the top-level CMakeLists.txt).
add_library(omega_log_level STATIC ${CMAKE_CURRENT_LIST_DIR}/omega_log_level.c)
set_target_properties(omega_log_level PROPERTIES
  C_STANDARD 99
  C_STANDARD_REQUIRED ON
  POSITION_INDEPENDENT_CODE ON  # so that it links into a consumer's shared object too
  PUBLIC_HEADER ${CMAKE_CURRENT_LIST_DIR}/omega_log_level.h
  EXPORT_NAME omega_log_level)
target_include_directories(omega_log_level PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(omega_log_level PUBLIC omega_config Threads::Threads)
target_compile_options(omega_log_level PRIVATE -Wall -Wextra)
add_library(omega::omega_log_level ALIAS omega_log_level)
