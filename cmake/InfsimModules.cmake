# One library target per folder of the data flow (docs/ARCHITECTURE.md, "Build targets").
#
# infsim_module(NAME [PURE] INCLUDE dir SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
#   An OBJECT library whose include root is INCLUDE and whose usage requirements come from DEPS
#   only: a header of a folder that is not a dependency is not on the include path, so including
#   it fails the build. PURE targets (the graph IR, the compiler, the timing models, ...) also get
#   cmake/no_systemc ahead of the system headers, so including SystemC or TLM there fails too.
#   Every module's objects go into the one static library `infsim` (infsim::infsim).
set(INFSIM_NO_SYSTEMC_DIR ${PROJECT_SOURCE_DIR}/cmake/no_systemc)

function(infsim_forbid_systemc target)
  target_include_directories(${target} SYSTEM BEFORE PRIVATE ${INFSIM_NO_SYSTEMC_DIR})
endfunction()

function(infsim_module name)
  cmake_parse_arguments(M "PURE" "INCLUDE" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  if(M_SOURCES)
    add_library(${name} OBJECT ${M_SOURCES})
    set(scope PUBLIC)
    target_link_libraries(${name} PRIVATE infsim_warnings ${M_PRIVATE_DEPS})
    # Unity build: a folder's sources compile as one translation unit (their headers, the SystemC
    # and nlohmann_json ones above all, parsed once per target instead of once per file).
    set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON UNITY_BUILD ON
                                             UNITY_BUILD_BATCH_SIZE 4)
    if(M_PURE)
      infsim_forbid_systemc(${name})
    endif()
    set_property(GLOBAL APPEND PROPERTY INFSIM_MODULE_OBJECTS $<TARGET_OBJECTS:${name}>)
  else()
    add_library(${name} INTERFACE)  # headers only
    set(scope INTERFACE)
  endif()
  if(M_INCLUDE)
    target_include_directories(${name} ${scope} $<BUILD_INTERFACE:${M_INCLUDE}>)
    set_property(GLOBAL APPEND PROPERTY INFSIM_INCLUDE_ROOTS ${M_INCLUDE})
  endif()
  target_link_libraries(${name} ${scope} ${M_DEPS})
  if(NOT M_PURE)
    target_link_libraries(${name} ${scope} PkgConfig::SYSTEMC)
  endif()
endfunction()
