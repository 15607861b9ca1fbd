# report_bench: `kubectl aiops report resources` without the cluster: a history store of 1,000 pods and 20 nodes
# over 7 days is filled once, then buildReport and the renderings are timed. Prints Markdown tables; included
# by bench/CMakeLists.txt, and part of the `benches` target that bench/run.sh runs.
add_executable(report_bench ${CMAKE_CURRENT_LIST_DIR}/report_bench.cpp)
target_link_libraries(report_bench PRIVATE aiops_rightsize aiops_history aiops_support fmt::fmt Boost::json
                                           aiops_warnings)
if(TARGET benches)
  add_dependencies(benches report_bench)
endif()
