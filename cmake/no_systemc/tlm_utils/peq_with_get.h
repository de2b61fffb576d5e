// Put ahead of the system headers on the include path of every target that must not use SystemC
// (cmake/InfsimModules.cmake): including SystemC there is a build error, not a review comment.
#error "this target must not include SystemC or TLM (docs/ARCHITECTURE.md, dependency rules)"
