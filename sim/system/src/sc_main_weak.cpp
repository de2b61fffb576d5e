// libsystemc's own main() calls sc_main, so every program linking libsystemc must define it.
// infsim programs never use that main; this weak definition lets them link, and a user's own
// sc_main (a SystemC model that also uses infsim) replaces it. The library's link interface
// asks the linker for the symbol (CMakeLists.txt: --undefined), so this object is taken from the
// static archive even by a program that calls nothing else in it.
extern "C" __attribute__((weak)) int sc_main(int, char**) {
  return 1;
}
