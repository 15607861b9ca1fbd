# gate_lag_bench: the rollout gate's detection lag (error spike to Deployment paused) over N runs of the real
# binaries on kubesim, with the stand-in helm. Included by bench/CMakeLists.txt, part of `benches`, not ctest.
add_executable(gate_lag_bench ${CMAKE_CURRENT_LIST_DIR}/gate_lag_bench.cpp)
target_link_libraries(gate_lag_bench PRIVATE kubesim_harness fmt::fmt Boost::json PkgConfig::HTTPLIB OpenSSL::SSL
                                             OpenSSL::Crypto aiops_warnings)
target_compile_definitions(gate_lag_bench PRIVATE AIOPS_HELM_STANDIN_DIR="${CMAKE_BINARY_DIR}/bin/helm-standin"
                                                  AIOPS_CHART_DIR="${CMAKE_SOURCE_DIR}/charts/todo-chatbot")
add_dependencies(gate_lag_bench kubectl-aiops aiops-gate helm-standin)
if(TARGET benches)
  add_dependencies(benches gate_lag_bench)
endif()
