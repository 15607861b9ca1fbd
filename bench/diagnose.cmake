# diagnose_bench: classification speed of `kubectl aiops diagnose` (Evidence in memory → Findings) for a
# namespace of 1,000 pods with 100 failing in ten ways. Prints Markdown tables; included by
# bench/CMakeLists.txt, and part of the `benches` target that bench/run.sh runs.
add_executable(diagnose_bench ${CMAKE_CURRENT_LIST_DIR}/diagnose_bench.cpp)
target_link_libraries(diagnose_bench PRIVATE aiops_diagnose aiops_warnings)
if(TARGET benches)
  add_dependencies(benches diagnose_bench)
endif()

# diagnose_cluster_bench: wall time of `kubectl aiops diagnose -o json` against kubesim (one failing pod; a
# namespace of 1,000 pods with 100 failing in ten ways), beside the classification alone and the plain-kubectl
# walk a person would do for the same answer. Runs the built plugin, so it depends on kubectl-aiops.
add_executable(diagnose_cluster_bench ${CMAKE_CURRENT_LIST_DIR}/diagnose_cluster_bench.cpp)
target_link_libraries(diagnose_cluster_bench PRIVATE aiops_diagnose aiops_support kubesim_harness fmt::fmt Boost::json
                                                     aiops_warnings)
add_dependencies(diagnose_cluster_bench kubectl-aiops)
if(TARGET benches)
  add_dependencies(benches diagnose_cluster_bench)
endif()
