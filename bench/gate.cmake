# gate_bench: the aiops-gate post-renderer on a 10 MB, 2,000-object stream (time and peak RSS, in process and
# as a subprocess). Prints a Markdown table; included by bench/CMakeLists.txt, part of the `benches` target.
add_executable(gate_bench ${CMAKE_CURRENT_LIST_DIR}/gate_bench.cpp)
target_link_libraries(gate_bench PRIVATE aiops_gate PkgConfig::LIBYAML fmt::fmt aiops_warnings)
add_dependencies(gate_bench aiops-gate)
target_compile_definitions(gate_bench PRIVATE AIOPS_GATE_BIN="$<TARGET_FILE:aiops-gate>")
if(TARGET benches)
  add_dependencies(benches gate_bench)
endif()
