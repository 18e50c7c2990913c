# Criterion unit tests for the daemon's pure logic (omega_settingsd_model), plus the small
# omega-model-check tool the Python schema test drives. Included by daemon/CMakeLists.txt when
# OMEGA_BUILD_TESTS is on.
enable_testing()  # the root enables testing only after add_subdirectory(daemon)
find_package(PkgConfig REQUIRED)
pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)

foreach(area env_file schema strict_json)
  add_executable(test_model_${area} ${CMAKE_CURRENT_LIST_DIR}/test_${area}.cc)
  target_link_libraries(test_model_${area} PRIVATE omega_settingsd_model PkgConfig::CRITERION)
  target_compile_definitions(test_model_${area} PRIVATE
    OMEGA_EXAMPLES_DIR="${CMAKE_CURRENT_LIST_DIR}/../../examples")
  add_test(NAME model_${area} COMMAND test_model_${area})
endforeach()

add_executable(omega-model-check ${CMAKE_CURRENT_LIST_DIR}/model_check_tool.cc)
target_link_libraries(omega-model-check PRIVATE omega_settingsd_model)
