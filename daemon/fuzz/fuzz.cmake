# libFuzzer targets, one per parser. Only with clang and -DOMEGA_FUZZ=ON (included by
# daemon/CMakeLists.txt). Each also registers a bounded smoke run (a fixed number of inputs)
# with ctest. A longer run, e.g.:
#   mkdir -p /tmp/c && fuzz_schema -dict=daemon/fuzz/schema.dict -max_total_time=300 \
#     /tmp/c daemon/fuzz/corpus/schema
# (libFuzzer writes new inputs into the FIRST directory: keep the seed corpus second.)
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "OMEGA_FUZZ needs clang (configure with CXX=clang++ CC=clang)")
endif()
find_package(Threads REQUIRED)
add_library(omega_settingsd_model_fuzz STATIC
  ${CMAKE_CURRENT_LIST_DIR}/../src/env_file.cc
  ${CMAKE_CURRENT_LIST_DIR}/../src/schema.cc
  ${CMAKE_CURRENT_LIST_DIR}/../src/schema_field.cc
  ${CMAKE_CURRENT_LIST_DIR}/../src/schema_values.cc
  ${CMAKE_CURRENT_LIST_DIR}/../src/strict_json.cc)
target_include_directories(omega_settingsd_model_fuzz PUBLIC ${CMAKE_CURRENT_LIST_DIR}/../src)
target_link_libraries(omega_settingsd_model_fuzz PUBLIC cjson Threads::Threads)
target_compile_options(omega_settingsd_model_fuzz PUBLIC
  -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g)
target_link_options(omega_settingsd_model_fuzz PUBLIC -fsanitize=address,undefined)
foreach(target env_file strict_json schema)
  add_executable(fuzz_${target} ${CMAKE_CURRENT_LIST_DIR}/fuzz_${target}.cc)
  target_link_libraries(fuzz_${target} PRIVATE omega_settingsd_model_fuzz)
  target_compile_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
endforeach()

enable_testing()  # the root enables testing only after add_subdirectory(daemon)
set(_omega_fuzz_seeds env_file=env strict_json=json schema=schema)
foreach(pair ${_omega_fuzz_seeds})
  string(REPLACE "=" ";" pair "${pair}")
  list(GET pair 0 target)
  list(GET pair 1 seeds)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus-${target})
  file(MAKE_DIRECTORY ${work})
  set(dict "")
  if(target STREQUAL "schema")
    set(dict -dict=${CMAKE_CURRENT_LIST_DIR}/schema.dict)
  endif()
  add_test(NAME fuzz_${target}_smoke
    COMMAND fuzz_${target} -runs=100000 -timeout=10 -rss_limit_mb=2048 ${dict}
            ${work} ${CMAKE_CURRENT_LIST_DIR}/corpus/${seeds})
endforeach()
