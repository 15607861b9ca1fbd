# diagnose_bench: classification speed of `kubectl aiops diagnose` (Evidence in memory → Findings) for a
# namespace of 1,000 pods with 100 failing in ten ways. Prints Markdown tables; included by
# bench/CMakeLists.txt, and part of the `benches` target that bench/run.sh runs.
add_executable(diagnose_bench ${CMAKE_CURRENT_LIST_DIR}/diagnose_bench.cpp)
target_link_libraries(diagnose_bench PRIVATE aiops_diagnose aiops_warnings)
if(TARGET benches)
  add_dependencies(benches diagnose_bench)
endif()
