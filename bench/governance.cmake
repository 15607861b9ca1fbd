# phr_bench: PHR journal append latency (median target under 20 ms) and verify over 10,000 records (target
# under 2 s). Prints Markdown tables; included by bench/CMakeLists.txt and part of the `benches` target.
add_executable(phr_bench ${CMAKE_CURRENT_LIST_DIR}/phr_bench.cpp)
target_link_libraries(phr_bench PRIVATE aiops_governance fmt::fmt Boost::json aiops_warnings)
if(TARGET benches)
  add_dependencies(benches phr_bench)
endif()
