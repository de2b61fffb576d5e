# The CLI argument-vector harness (fuzz/cli_argv.cpp), for fuzz/CMakeLists.txt (INFSIM_FUZZ=ON):
# include(${CMAKE_CURRENT_SOURCE_DIR}/cli_argv.cmake) there. It links the CLI as a library
# (infsim_cli_lib: infsim_cli_main) and libFuzzer's main; corpus: fuzz/corpus/cli_argv/.
add_executable(fuzz_cli_argv ${CMAKE_CURRENT_LIST_DIR}/cli_argv.cpp)
target_link_libraries(fuzz_cli_argv PRIVATE infsim_cli_lib infsim_warnings)
target_compile_definitions(fuzz_cli_argv PRIVATE INFSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_link_options(fuzz_cli_argv PRIVATE -fsanitize=fuzzer)
