# history_bench: the metrics history store at a week of 1,000 containers (ingest rate, bytes per sample, the
# p95/p99 and pooled queries of recommend/report, compaction). Prints Markdown tables; included by
# bench/CMakeLists.txt, and part of the `benches` target that bench/run.sh runs.
add_executable(history_bench ${CMAKE_CURRENT_LIST_DIR}/history_bench.cpp)
target_link_libraries(history_bench PRIVATE aiops_history fmt::fmt aiops_warnings)
if(TARGET benches)
  add_dependencies(benches history_bench)
endif()
