# The daemon's pure logic (the .env file, the schema, strict JSON), with no I/O, so the server
# and the unit tests/fuzzers link the same code. Included by daemon/CMakeLists.txt.
find_package(cJSON CONFIG REQUIRED)
find_package(Threads REQUIRED)  # long pattern checks run on a big-stack thread (schema_values.cc)

add_library(omega_settingsd_model STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/env_file.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/schema.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/schema_field.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/schema_values.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/strict_json.cc
)
target_include_directories(omega_settingsd_model PUBLIC ${CMAKE_CURRENT_LIST_DIR}/src)
target_link_libraries(omega_settingsd_model PUBLIC cjson Threads::Threads)
target_compile_features(omega_settingsd_model PUBLIC cxx_std_17)
set_target_properties(omega_settingsd_model PROPERTIES POSITION_INDEPENDENT_CODE ON)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(omega_settingsd_model PRIVATE -Wall -Wextra)
endif()
